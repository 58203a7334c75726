/**
 * The web port's hardening, seen by curl and Python: security headers on every page and API
 * answer, a Content-Security-Policy whose script hashes match each page's inline scripts (hashed
 * here independently, by Python), Secure __Host- cookies and a scheme-aware CSRF check when the
 * public URL is https, and GETs without a cookie that create nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashPassword } from '../../lab-server/src/classroom/passwords.js';
import { startBystander, unhurt } from '../helpers/bystander.js';
import { python, run } from '../helpers/clients.js';
import { startTestLab, type TestLab } from '../helpers/lab.js';
import { TerminalClient } from '../helpers/terminal.js';

/** Response headers of `curl -I`, lower-cased names. */
async function curlHead(url: string): Promise<Record<string, string>> {
  const r = await run('curl', ['-sI', url]);
  const headers: Record<string, string> = {};
  for (const line of r.stdout.split('\r\n').slice(1)) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
  }
  return headers;
}

/** Every table's row count, read with Python's sqlite3. */
async function tableRows(dataDir: string): Promise<Record<string, number>> {
  const r = await python(
    "import sqlite3\ndb = sqlite3.connect(P['db'])\nnames = [n for (n,) in db.execute(\"SELECT name FROM sqlite_master WHERE type = 'table'\")]\nprint(json.dumps({n: db.execute('SELECT COUNT(*) FROM \"%s\"' % n).fetchone()[0] for n in names}))",
    { db: `${dataDir}/maillab.sqlite` },
  );
  return JSON.parse(r.stdout) as Record<string, number>;
}

/**
 * Every file under the data dir with its size (find's view), but the database and its journal,
 * and the demo MTAs' logs, where /readyz's probes are logged (rotated at 1 MB).
 */
async function dataFiles(dataDir: string): Promise<string[]> {
  const r = await run('find', [dataDir, '-type', 'f', '-printf', '%P %s\n']);
  return r.stdout.split('\n').filter((f) => f && !f.startsWith('maillab.sqlite') && !/^sandboxes\/default\/log\//.test(f)).sort();
}

const nameOf = (line: string): string => line.slice(0, line.lastIndexOf(' '));
const totalBytes = (lines: string[]): number => lines.reduce((n, line) => n + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);

/** Each GET route of the web API (with plausible parameters) and a few pages. */
const EVERY_GET = [
  '/', '/lab/', '/en/exercises/', '/api/health', '/healthz', '/readyz', '/api/me', '/api/services', '/api/maildir',
  '/api/exercises', '/api/exercises/dns-mx', '/api/exercises/dns-mx/solution', '/api/progress',
  '/api/zones', '/api/zones/example.com', '/api/dig?name=example.com&type=MX', '/api/world', '/api/queue', '/api/logs?lines=5',
  '/api/auth-reports', '/api/auth-reports/ABC123', '/api/faults',
  '/api/inspect?user=alice@example.com&folder=INBOX&uid=1', '/api/inspect/raw?user=alice@example.com&folder=INBOX&uid=1',
  '/api/instructor/me', '/api/instructor/audit', '/api/classes', '/api/classes/1', '/api/classes/1/progress', '/api/classes/1/progress.csv',
  '/api/classes/1/learners/1', '/api/classes/1/learners/1/transcripts',
];

/**
 * GETs and HEADs of every route without a cookie, with curl: no row anywhere, no cookie, and
 * once the first reads have built the Maildir indexes, not a byte more on disk.
 */
async function expectReadsCreateNothing(lab: TestLab): Promise<void> {
  const base = `http://127.0.0.1:${lab.httpPort}`;
  const rows = await tableRows(lab.dataDir);
  let files: string[] = [];
  for (const round of [1, 2]) {
    for (const method of ['GET', 'HEAD']) {
      const urls = EVERY_GET.flatMap((p) => ['-o', '/dev/null', `${base}${p}`, '-o', '/dev/null', `${base}${p}`]);
      const r = await run('curl', ['-s', ...(method === 'HEAD' ? ['-I'] : []), '-w', '%{http_code} %header{set-cookie}\\n', ...urls], undefined, 60_000);
      const answers = r.stdout.trim().split('\n');
      expect(answers, method).toHaveLength(2 * EVERY_GET.length);
      // Nobody is handed a cookie for reading, and nothing failed on the server.
      expect(answers.filter((a) => !/^[2-4]\d\d ?$/.test(a)), method).toEqual([]);
    }
    expect(await tableRows(lab.dataDir)).toEqual(rows);
    // A folder's index file is written a second after its first read (maildir/folder.ts):
    // round 1 is measured once those writes are done.
    if (round === 1) await new Promise((resolve) => setTimeout(resolve, 1_500));
    const now = await dataFiles(lab.dataDir);
    if (round === 2) {
      // The same files; sizes may move as a Maildir index folds its change log in, but not grow.
      expect(now.map(nameOf)).toEqual(files.map(nameOf));
      expect(totalBytes(now) - totalBytes(files)).toBeLessThan(4096);
    }
    files = now;
  }
}

/** The learners table's row count, read with Python's sqlite3. */
async function learnerRows(dataDir: string): Promise<number> {
  const r = await python("import sqlite3\nprint(sqlite3.connect(P['db']).execute('SELECT COUNT(*) FROM learners').fetchone()[0])", { db: `${dataDir}/maillab.sqlite` });
  return Number(r.stdout.trim());
}

describe('security headers and the page policy', () => {
  let lab: TestLab;
  beforeAll(async () => {
    lab = await startTestLab();
  });
  afterAll(async () => {
    await lab?.dispose();
  });

  it('sends nosniff, no framing, a same-origin referrer and a CSP without inline scripts on every page and API answer', async () => {
    const base = `http://127.0.0.1:${lab.httpPort}`;
    for (const path of ['/', '/en/', '/lab/', '/world/', '/exercises/', '/instructor/', '/lessons/architecture/']) {
      const h = await curlHead(`${base}${path}`);
      expect(h['x-content-type-options'], path).toBe('nosniff');
      expect(h['x-frame-options'], path).toBe('DENY');
      expect(h['referrer-policy'], path).toBe('same-origin');
      const csp = h['content-security-policy'] ?? '';
      expect(csp, path).toContain("frame-ancestors 'none'");
      expect(csp, path).toContain("object-src 'none'");
      const scriptSrc = /script-src ([^;]*)/.exec(csp)?.[1] ?? '';
      expect(scriptSrc, path).toMatch(/^'self'( 'sha256-[A-Za-z0-9+/]+=*')*$/);
      expect(csp, path).not.toMatch(/script-src[^;]*unsafe-(inline|eval)/);
    }
    const api = await curlHead(`${base}/api/exercises`);
    expect(api['content-security-policy']).toBe("default-src 'none'; frame-ancestors 'none'");
    expect(api['x-content-type-options']).toBe('nosniff');
  });

  it('lists exactly the SHA-256 of each page\'s inline scripts', async () => {
    const r = await python(
      `
import urllib.request, hashlib, base64, re
from html.parser import HTMLParser
class Scripts(HTMLParser):
    def __init__(self):
        super().__init__(); self.inline = None; self.found = []
    def handle_starttag(self, tag, attrs):
        if tag == 'script' and 'src' not in dict(attrs): self.inline = ''
    def handle_data(self, data):
        if self.inline is not None: self.inline += data
    def handle_endtag(self, tag):
        if tag == 'script' and self.inline is not None:
            self.found.append("'sha256-" + base64.b64encode(hashlib.sha256(self.inline.encode()).digest()).decode() + "'"); self.inline = None
out = {}
for path in P['paths']:
    resp = urllib.request.urlopen(P['base'] + path)
    p = Scripts(); p.feed(resp.read().decode())
    csp = resp.headers['content-security-policy']
    listed = re.search(r"script-src 'self'([^;]*)", csp).group(1).split()
    out[path] = [sorted(set(p.found)), sorted(listed)]
print(json.dumps(out))
`,
      { base: `http://127.0.0.1:${lab.httpPort}`, paths: ['/', '/en/exercises/dns-mx/', '/en/search/', '/lab/'] },
    );
    expect(r.stderr).toBe('');
    const out = JSON.parse(r.stdout) as Record<string, [string[], string[]]>;
    for (const [path, [found, listed]] of Object.entries(out)) {
      expect(found.length, path).toBeGreaterThan(0);
      expect(listed, path).toEqual(found);
    }
  });
});

describe('cookies and CSRF behind https', () => {
  let lab: TestLab;
  let base: string;
  const site = 'https://lab.school.example';
  beforeAll(async () => {
    lab = await startTestLab({ mode: 'classroom', publicUrl: `${site}/` });
    base = `http://127.0.0.1:${lab.httpPort}`;
    lab.classroom.addInstructor('Ms Wang', await hashPassword('wang password 1'));
  });
  afterAll(async () => {
    await lab?.dispose();
  });

  const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });

  it('sets Secure, __Host- prefixed cookies that keep working', async () => {
    const login = await post('/api/instructor/login', { name: 'Ms Wang', password: 'wang password 1' }, { origin: site });
    expect(login.status).toBe(200);
    const instructor = login.headers.get('set-cookie')!;
    expect(instructor).toMatch(/^__Host-maillab_instructor=[^;]+; Path=\/; HttpOnly; Secure; SameSite=Strict; Max-Age=43200$/);
    const cookie = instructor.split(';')[0]!;
    const klass = await (await post('/api/classes', { name: 'Secure class' }, { origin: site, cookie })).json() as { class: { joinCode: string; joinUrl: string } };
    expect(klass.class.joinUrl).toBe(`${site}/join/?code=${klass.class.joinCode}`);
    const joined = await post('/api/join', { code: klass.class.joinCode, displayName: 'Ana', password: 'ana password' }, { origin: site });
    expect(joined.status).toBe(201);
    const learner = joined.headers.get('set-cookie')!;
    expect(learner).toMatch(/^__Host-maillab_learner=[^;]+; Path=\/; HttpOnly; Secure; SameSite=Lax; Max-Age=31536000$/);
    const me = await (await fetch(`${base}/api/me`, { headers: { cookie: learner.split(';')[0]! } })).json() as { learner: { displayName: string } };
    expect(me.learner.displayName).toBe('Ana');
    // The old, unprefixed name means nothing here.
    const old = await (await fetch(`${base}/api/me`, { headers: { cookie: learner.split(';')[0]!.replace('__Host-', '') } })).json() as { learner: unknown };
    expect(old.learner).toBeNull();
  });

  it('creates nothing for GETs and HEADs of every route without a cookie (classroom mode)', async () => {
    await expectReadsCreateNothing(lab);
  });

  it('refuses writes whose Origin differs in scheme, host or port, and terminals too', async () => {
    for (const origin of ['http://lab.school.example', 'https://lab.school.example:8443', 'https://evil.example', 'null']) {
      const r = await post('/api/login', { code: 'ABCD-2345', displayName: 'x', password: 'whatever 1' }, { origin });
      expect(r.status, origin).toBe(403);
      expect(((await r.json()) as { error: { 'zh-CN': string } }).error['zh-CN']).toContain('其他网站');
    }
    expect((await post('/api/login', { code: 'ABCD-2345', displayName: 'x', password: 'whatever 1' }, { origin: site })).status).toBe(401);
    await expect(TerminalClient.open(lab.httpPort, 'smtp', { origin: 'http://lab.school.example' })).rejects.toThrow(/403/);
  });
});

describe('without a public URL', () => {
  let lab: TestLab;
  beforeAll(async () => {
    lab = await startTestLab({ trustProxy: ['127.0.0.1'] });
  });
  afterAll(async () => {
    await lab?.dispose();
  });

  it('compares Origin with the Host and the scheme the browser used', async () => {
    const host = `127.0.0.1:${lab.httpPort}`;
    const attempt = (origin: string, proto?: string) =>
      fetch(`http://${host}/api/exercises/ports/attempts`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', origin, ...(proto ? { 'x-forwarded-proto': proto } : {}) },
        body: JSON.stringify({ answer: {} }),
      }).then((r) => r.status);
    expect(await attempt(`http://${host}`)).toBe(200);
    expect(await attempt(`https://${host}`)).toBe(403);
    // Behind the trusted TLS proxy the browser's page is https.
    expect(await attempt(`https://${host}`, 'https')).toBe(200);
    expect(await attempt(`http://${host}`, 'https')).toBe(403);
  });

  it('creates nothing for GETs and HEADs of every route without a cookie (single mode)', async () => {
    await expectReadsCreateNothing(lab);
  });

  it('probes the listeners once for a flood of /readyz, however many ask at once', async () => {
    const log = `${lab.dataDir}/sandboxes/default/log/mail.example.com.log`;
    const probes = async () => (await run('grep', ['-c', 'connect from', log])).stdout.trim();
    const before = Number(await probes());
    const r = await run('curl', ['-s', '--parallel', '--parallel-max', '100', '-o', '/dev/null', '-w', '%{http_code}\\n', `http://127.0.0.1:${lab.httpPort}/readyz?n=[1-300]`], undefined, 60_000);
    expect(r.stdout.trim().split('\n').filter((c) => c === '200')).toHaveLength(300);
    const probed = Number(await probes()) - before;
    expect(probed).toBeGreaterThan(0);
    expect(probed).toBeLessThan(60);
  }, 60_000);

  it('creates no learner for 3,000 GETs without a cookie, while another learner works', async () => {
    const before = await learnerRows(lab.dataDir);
    const t = await TerminalClient.open(lab.httpPort, 'smtp');
    await t.expect(/^220 /m);
    const learner = startBystander(async () => {
      await t.send('NOOP', /^250 /m);
    });
    const r = await run('curl', ['-s', '-o', '/dev/null', '-w', '%{http_code}\\n', `http://127.0.0.1:${lab.httpPort}/api/exercises?n=[1-3000]`], undefined, 120_000);
    const report = await learner.stop();
    t.close();
    const codes = r.stdout.trim().split('\n');
    expect(codes).toHaveLength(3000);
    expect(codes.every((c) => c === '200')).toBe(true);
    expect(await learnerRows(lab.dataDir)).toBe(before);
    expect(unhurt(report)).toEqual([]);
  }, 120_000);
});
