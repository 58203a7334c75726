/**
 * The documented deployment, for real: Debian's Caddy runs deploy/Caddyfile in front of a lab
 * started with the --trust-proxy of deploy/maillab.service. Every request then reaches the lab
 * from Caddy's 127.0.0.1, as in the report; browsers connect to Caddy from addresses of their
 * own (127.0.0.3 is a class behind one NAT address, 127.0.0.4 a stranger). A whole class joins
 * at once, a stranger's wrong passwords lock nobody else out, a forged X-Forwarded-For gets the
 * stranger nowhere, and the audit log names the instructor's own address; meanwhile a learner's
 * terminal, through Caddy too, keeps answering.
 */
import { readFile } from 'node:fs/promises';
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashPassword } from '../../lab-server/src/classroom/passwords.js';
import { startBystander, unhurt } from '../helpers/bystander.js';
import { runCaddy, type Proxy } from '../helpers/cluster.js';
import { startTestLab, type TestLab } from '../helpers/lab.js';
import { TerminalClient } from '../helpers/terminal.js';

const NAT = '127.0.0.3';
const STRANGER = '127.0.0.4';
const INSTRUCTOR = '127.0.0.9';

let lab: TestLab;
let caddy: Proxy;

interface Reply {
  status: number;
  json: any;
  cookie: string;
  retryAfter: string | undefined;
}

/** A browser at `from` talking to Caddy. */
function call(path: string, o: { from: string; method?: string; body?: unknown; cookie?: string; headers?: Record<string, string> }): Promise<Reply> {
  const url = new URL(path, caddy.url);
  const body = o.body === undefined ? undefined : JSON.stringify(o.body);
  const headers: Record<string, string> = { ...(o.headers ?? {}) };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (o.cookie) headers.cookie = o.cookie;
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, path: url.pathname, method: o.method ?? (body ? 'POST' : 'GET'), headers, localAddress: o.from }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (text += d));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          json: text ? JSON.parse(text) : undefined,
          cookie: String(res.headers['set-cookie']?.[0] ?? '').split(';')[0]!,
          retryAfter: res.headers['retry-after'] as string | undefined,
        }),
      );
    });
    req.on('error', reject);
    req.end(body);
  });
}

beforeAll(async () => {
  const unit = await readFile(new URL('../../deploy/maillab.service', import.meta.url), 'utf8');
  const trusted = /^ExecStart=.*--trust-proxy (\S+)/m.exec(unit)?.[1];
  expect(trusted, 'deploy/maillab.service starts the lab with --trust-proxy').toBeDefined();
  lab = await startTestLab({ mode: 'classroom', trustProxy: trusted!.split(',') });
  const caddyfile = await readFile(new URL('../../deploy/Caddyfile', import.meta.url), 'utf8');
  // The example as written, but on a free port over plain HTTP and proxying to this lab.
  expect(caddyfile).toMatch(/^mail-lab\.school\.example \{$/m);
  expect(caddyfile).toContain('reverse_proxy 127.0.0.1:8080');
  caddy = await runCaddy((port) => caddyfile.replace(/^mail-lab\.school\.example \{$/m, `http://127.0.0.1:${port} {`).replace('127.0.0.1:8080', `127.0.0.1:${lab.httpPort}`));
  lab.classroom.addInstructor('Ms Wang', await hashPassword('wang password 1'));
}, 60_000);
afterAll(async () => {
  await caddy?.stop();
  await lab?.dispose();
});

describe('the deploy examples: Caddy in front, --trust-proxy on the lab', () => {
  it('lets a class behind one address join, keeps a stranger\'s guesses and forgeries to the stranger, and logs real addresses', async () => {
    const wang = (await call('/api/instructor/login', { from: INSTRUCTOR, body: { name: 'Ms Wang', password: 'wang password 1' } })).cookie;
    const joinCode = (await call('/api/classes', { from: INSTRUCTOR, cookie: wang, body: { name: 'Behind Caddy' } })).json.class.joinCode as string;
    const first = await call('/api/join', { from: NAT, body: { code: joinCode, displayName: 'Learner 0', password: 'password 0 ok' } });
    expect(first.status).toBe(201);

    // The learner's terminal goes through Caddy as well (a WebSocket upgrade).
    const t = await TerminalClient.open(Number(new URL(caddy.url).port), 'smtp', { cookie: first.cookie });
    await t.expect(/^220 /m);
    const learner = startBystander(async () => {
      await t.send('NOOP', /^250 /m);
    });

    const joins = await Promise.all(
      Array.from({ length: 15 }, (_, i) => call('/api/join', { from: NAT, body: { code: joinCode, displayName: `Learner ${i + 1}`, password: `password ${i + 1} ok` } })),
    );
    expect(joins.map((j) => j.status)).toEqual(Array(15).fill(201));

    const guesses: Reply[] = [];
    for (let i = 0; i < 8; i++) guesses.push(await call('/api/login', { from: STRANGER, body: { code: joinCode, displayName: 'Learner 3', password: `guess number ${i}` } }));
    expect(guesses.map((g) => g.status)).toEqual([401, 401, 401, 401, 401, 429, 429, 429]);
    const slowed = guesses[5]!;
    expect(slowed.retryAfter).toMatch(/^\d+$/);
    expect(slowed.json.error.en).toMatch(/wait/i);
    expect(slowed.json.error['zh-CN']).toContain('请等待');

    // Claiming to be the class's address: Caddy replaces the header with the stranger's own.
    const forged = await call('/api/login', { from: STRANGER, headers: { 'x-forwarded-for': NAT }, body: { code: joinCode, displayName: 'Learner 3', password: 'forged guess' } });
    expect(forged.status).toBe(429);

    // The learner herself, from the class's address, is not locked out.
    expect((await call('/api/login', { from: NAT, body: { code: joinCode, displayName: 'Learner 3', password: 'password 3 ok' } })).status).toBe(200);

    const report = await learner.stop();
    t.close();
    expect(unhurt(report)).toEqual([]);

    const audit = (await call('/api/instructor/audit', { from: INSTRUCTOR, cookie: wang })).json.entries as Array<{ action: string; detail: unknown }>;
    expect(audit.find((e) => e.action === 'login')!.detail).toEqual({ from: INSTRUCTOR });
  }, 90_000);
});
