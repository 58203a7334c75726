/**
 * The maillab command: flags become a typed config; bad flags get a message in both languages
 * and exit code 2.
 */
import { describe, expect, it } from 'vitest';
import { serveConfig } from '../../lab-server/src/cli.js';
import { run } from '../helpers/clients.js';

describe('serve flags', () => {
  it('has the documented defaults', () => {
    const c = serveConfig([]);
    expect(c).toMatchObject({ dataDir: './data', host: '127.0.0.1', httpPort: 8080, portOffset: 2000, requireTlsAuth: false });
    // The lab a user starts warms its mail servers up (lab/warmUp.ts); a test's in-process lab does not.
    expect(c.warmUp).toBe(true);
  });
  it('reads offsets, per-service ports and TLS files', () => {
    const c = serveConfig(['--port-offset', '0', '--pop3-port', '11110', '--http-port', '9000', '--tls-cert', 'c.pem', '--tls-key', 'k.pem', '--require-tls-auth']);
    expect(c).toMatchObject({ portOffset: 0, httpPort: 9000, tlsCert: 'c.pem', tlsKey: 'k.pem', requireTlsAuth: true });
    expect(c.ports.pop3).toBe(11110);
  });
  it('reads the trusted proxies and refuses a wrong one in both languages', async () => {
    expect(serveConfig(['--trust-proxy', '127.0.0.1, ::1,10.0.0.0/8']).trustProxy).toEqual(['127.0.0.1', '::1', '10.0.0.0/8']);
    const r = await run('node', ['bin/maillab.mjs', 'serve', '--trust-proxy', 'caddy']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--trust-proxy: "caddy" is not an IP address');
    expect(r.stderr).toContain('反向代理');
  });
  it('reads the quota as a size and a message count, and refuses sizes it cannot read', () => {
    expect(serveConfig([]).quota).toEqual({ bytes: 64 * 1024 * 1024, messages: 10_000 });
    expect(serveConfig(['--quota', '2G', '--quota-messages', '500']).quota).toEqual({ bytes: 2 * 1024 ** 3, messages: 500 });
    expect(serveConfig(['--quota', '1500000']).quota.bytes).toBe(1_500_000);
    expect(() => serveConfig(['--quota', 'lots'])).toThrow(/--quota must be a size of at least 1M, such as 64M or 2G, not "lots"/);
    expect(() => serveConfig(['--quota', '10K'])).toThrow(/at least 1M/);
  });
});

describe('the maillab command', () => {
  it('exits 2 with a bilingual message on a bad flag value', async () => {
    const r = await run('node', ['bin/maillab.mjs', 'serve', '--port-offset', 'lots']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--port-offset must be a whole number from 0 to 64540, not "lots"');
    expect(r.stderr).toContain('必须是');
  });
  it('exits 2 on an unknown flag or command', async () => {
    expect((await run('node', ['bin/maillab.mjs', 'serve', '--frobnicate'])).code).toBe(2);
    const r = await run('node', ['bin/maillab.mjs', 'launch']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('Unknown command "launch"');
  });
  it('says in both languages why it cannot start: a port taken, a data directory that is a file', async () => {
    const { createServer } = await import('node:net');
    const { mkdtemp, rm, writeFile } = await import('node:fs/promises');
    const { join } = await import('node:path');
    const dir = await mkdtemp(join((await import('node:os')).tmpdir(), 'maillab-cli-'));
    const taken = createServer();
    await new Promise<void>((listening) => taken.listen(0, '127.0.0.1', listening));
    try {
      const port = (taken.address() as { port: number }).port;
      const others = ['smtp', 'submission', 'submissions', 'pop3', 'pop3s', 'imap', 'imaps', 'smtp-otherdomain', 'dns'].flatMap((s) => [`--${s}-port`, '0']);
      const busy = await run('node', ['bin/maillab.mjs', 'serve', '--data', join(dir, 'data'), '--http-port', String(port), ...others]);
      expect(busy.code).toBe(2);
      expect(busy.stderr).toContain(`Cannot start http on 127.0.0.1:${port}: port ${port} is already in use (is another lab running?). Stop it, or choose other ports with --port-offset or --http-port`);
      expect(busy.stderr).toContain(`无法在 127.0.0.1:${port} 上启动 http：端口 ${port} 已被占用（是不是另一个实验室正在运行？）。请先停止它，或用 --port-offset 或 --http-port 换用其他端口`);
      await writeFile(join(dir, 'a-file'), '');
      const file = await run('node', ['bin/maillab.mjs', 'serve', '--data', join(dir, 'a-file'), ...others]);
      expect(file.code).toBe(2);
      expect(file.stderr).toContain(`--data must name a directory (made if missing), but ${join(dir, 'a-file')} is a file`);
      expect(file.stderr).toContain('--data 必须是一个目录');
    } finally {
      taken.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
  it('lists users and resets a sandbox in a data dir', async () => {
    const { mkdtemp, rm, readdir, writeFile } = await import('node:fs/promises');
    const { join } = await import('node:path');
    const dir = await mkdtemp(join((await import('node:os')).tmpdir(), 'maillab-cli-'));
    try {
      const users = await run('node', ['bin/maillab.mjs', 'users', '--data', dir]);
      expect(users.code).toBe(0);
      expect(users.stdout).toMatch(/alice@example\.com\s+Alice\s+secret/);
      expect(users.stdout).toContain('carol@otherdomain.com');
      const inbox = join(dir, 'sandboxes', 'default', 'vhosts', 'example.com', 'alice', 'new');
      await writeFile(join(inbox, 'extra'), 'Subject: extra\n\n');
      expect(await readdir(inbox)).toHaveLength(4);
      const reset = await run('node', ['bin/maillab.mjs', 'reset', '--data', dir]);
      expect(reset.code).toBe(0);
      expect(await readdir(inbox)).toHaveLength(3);
      const unknown = await run('node', ['bin/maillab.mjs', 'reset', '--data', dir, '--sandbox', 'nope']);
      expect(unknown.code).toBe(2);
      expect(unknown.stderr).toContain('No sandbox named "nope"');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
