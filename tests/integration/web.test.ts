/**
 * The web port: the built site as static files and the services API; nothing outside the
 * site directory is ever served.
 */
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../helpers/clients.js';
import { startTestLab, type TestLab } from '../helpers/lab.js';

let lab: TestLab;
let site: string;
beforeAll(async () => {
  site = await mkdtemp(join(tmpdir(), 'maillab-site-'));
  await mkdir(join(site, 'en'));
  await writeFile(join(site, 'index.html'), '<h1>邮件实验室</h1>');
  await writeFile(join(site, 'en', 'index.html'), '<h1>MailLab</h1>');
  await writeFile(join(site, '..', 'maillab-secret.txt'), 'do not serve');
  await mkdir(join(site, '_astro'));
  await writeFile(join(site, '_astro', 'page.abc123.js'), 'console.log("mail");\n'.repeat(200));
  // A file that stats as a file but fails when read, as one replaced by a rebuild between the two would.
  await symlink('/proc/self/mem', join(site, 'unreadable.txt'));
  lab = await startTestLab({ siteDir: site });
});
afterAll(async () => {
  await lab?.dispose();
  await rm(site, { recursive: true, force: true });
  await rm(join(site, '..', 'maillab-secret.txt'), { force: true });
});

const url = (path: string): string => `http://127.0.0.1:${lab.httpPort}${path}`;

describe('web server', () => {
  it('serves the site in both languages', async () => {
    const zh = await fetch(url('/'));
    expect(zh.status).toBe(200);
    expect(zh.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(await zh.text()).toBe('<h1>邮件实验室</h1>');
    expect(await (await fetch(url('/en/'))).text()).toBe('<h1>MailLab</h1>');
  });

  it('lists every running service with its standard and lab port', async () => {
    const body = (await (await fetch(url('/api/services'))).json()) as { services: Array<{ id: string; standardPort: number; labPort: number; tls: string }> };
    const smtp = body.services.find((s) => s.id === 'smtp')!;
    expect(smtp).toMatchObject({ standardPort: 25, labPort: lab.port('smtp'), tls: 'starttls' });
    expect(body.services.find((s) => s.id === 'pop3s')).toMatchObject({ standardPort: 995, tls: 'implicit' });
  });

  it('gzips text for browsers that accept it and caches hashed assets for good', async () => {
    const raw = await run('curl', ['-s', '-D', '-', '-o', '/dev/null', url('/_astro/page.abc123.js')]);
    expect(raw.stdout).toMatch(/content-length: 4200/i);
    expect(raw.stdout).toMatch(/cache-control: public, max-age=31536000, immutable/i);
    const zipped = await run('curl', ['-s', '--compressed', '-D', '-', url('/_astro/page.abc123.js')]);
    expect(zipped.stdout).toMatch(/content-encoding: gzip/i);
    expect(zipped.stdout.endsWith('console.log("mail");\n'.repeat(200))).toBe(true);
    const page = await run('curl', ['-s', '-D', '-', '-o', '/dev/null', url('/')]);
    expect(page.stdout).toMatch(/cache-control: no-cache/i);
  });

  it('never serves files outside the site directory', async () => {
    for (const path of ['/../maillab-secret.txt', '/%2e%2e/maillab-secret.txt', '/..%2fmaillab-secret.txt', '/%00']) {
      const r = await run('curl', ['-s', '--path-as-is', '-o', '/dev/null', '-w', '%{http_code}', url(path)]);
      expect(r.stdout, path).toBe('404');
    }
    // A file that cannot be read once its answer has begun: that answer is cut off, the lab serves on.
    // (Before, the read error went unheard and stopped the whole lab.)
    for (const gzip of [[], ['--compressed']]) {
      const broken = await run('curl', ['-s', '-m', '5', ...gzip, '-o', '/dev/null', '-w', '%{http_code}', url('/unreadable.txt')]);
      expect(broken.stdout).toBe('000'); // cut off, not answered with a file that was never read
      expect((await fetch(url('/en/'))).status).toBe(200);
    }
    const api = await fetch(url('/api/nothing'));
    expect(api.status).toBe(404);
    expect(await api.json()).toEqual({ error: { en: 'No such API route.', 'zh-CN': '没有这个 API 路径。' } });
  });
});
