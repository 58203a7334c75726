/**
 * Limits that work behind a reverse proxy: the lab trusts 127.0.0.1 as its proxy, so
 * X-Forwarded-For names the client. A whole class joins from one NAT address; a stranger's
 * wrong passwords never lock a learner or an instructor out; a spoofed X-Forwarded-For from
 * anyone but the proxy changes nothing; a flood of logins is bounded. Meanwhile another
 * learner's terminal keeps answering.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashPassword } from '../../lab-server/src/classroom/passwords.js';
import { run } from '../helpers/clients.js';
import { startBystander, unhurt } from '../helpers/bystander.js';
import { startTestLab, type TestLab } from '../helpers/lab.js';
import { TerminalClient } from '../helpers/terminal.js';

const NAT = '203.0.113.7';
const STRANGER = '198.51.100.66';

interface Reply {
  status: number;
  json: any;
  cookie: string;
  retryAfter: string | null;
}

function client(lab: () => TestLab) {
  return async (path: string, options: { method?: string; body?: unknown; cookie?: string; from?: string } = {}): Promise<Reply> => {
    const headers: Record<string, string> = {};
    if (options.cookie) headers.cookie = options.cookie;
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    // What the proxy adds: the address its client connected from.
    if (options.from) headers['x-forwarded-for'] = options.from;
    const r = await fetch(`http://127.0.0.1:${lab().httpPort}${path}`, { method: options.method ?? 'GET', headers, body: options.body === undefined ? undefined : JSON.stringify(options.body) });
    return { status: r.status, json: await r.json(), cookie: (r.headers.get('set-cookie') ?? '').split(';')[0]!, retryAfter: r.headers.get('retry-after') };
  };
}

/** A learner typing in a browser terminal: each NOOP's reply time is recorded. */
async function workingLearner(lab: TestLab, cookie: string) {
  const t = await TerminalClient.open(lab.httpPort, 'smtp', { cookie });
  await t.expect(/^220 /m);
  await t.send('EHLO learner.test', /^250 /m);
  const watch = startBystander(async () => {
    await t.send('NOOP', /^250 /m);
  });
  return {
    async stop() {
      const report = await watch.stop();
      t.close();
      return report;
    },
  };
}

describe('behind a trusted proxy, with the default limits', () => {
  let lab: TestLab;
  const api = client(() => lab);
  let joinCode = '';
  let firstCookie = '';

  beforeAll(async () => {
    lab = await startTestLab({ mode: 'classroom', trustProxy: ['127.0.0.1', '::1'] });
    lab.classroom.addInstructor('Ms Wang', await hashPassword('wang password 1'));
    const wang = (await api('/api/instructor/login', { method: 'POST', from: '192.0.2.10', body: { name: 'Ms Wang', password: 'wang password 1' } })).cookie;
    joinCode = (await api('/api/classes', { method: 'POST', cookie: wang, body: { name: 'NAT class' } })).json.class.joinCode;
    // The audit log names the instructor's own address, not the proxy's.
    expect((await api('/api/instructor/audit', { cookie: wang })).json.entries.find((e: { action: string }) => e.action === 'login').detail).toEqual({ from: '192.0.2.10' });
    firstCookie = (await api('/api/join', { method: 'POST', from: NAT, body: { code: joinCode, displayName: 'Learner 0', password: 'password 0 ok' } })).cookie;
  }, 60_000);
  afterAll(async () => {
    await lab?.dispose();
  });

  it('lets a class behind one NAT address join at once (the old limit refused the 11th)', async () => {
    const learner = await workingLearner(lab, firstCookie);
    const joins = await Promise.all(
      Array.from({ length: 12 }, (_, i) => api('/api/join', { method: 'POST', from: NAT, body: { code: joinCode, displayName: `Learner ${i + 1}`, password: `password ${i + 1} ok` } })),
    );
    const report = await learner.stop();
    expect(joins.map((j) => j.status)).toEqual(Array(12).fill(201));
    expect(unhurt(report)).toEqual([]);
  }, 90_000);

  it('never lets a stranger\'s wrong passwords lock a learner or an instructor out', async () => {
    const learner = await workingLearner(lab, firstCookie);
    const guesses: Reply[] = [];
    for (let i = 0; i < 12; i++) {
      // Whatever the stranger writes on the left, the proxy appends the address it saw.
      guesses.push(await api('/api/login', { method: 'POST', from: `10.9.8.${i}, ${STRANGER}`, body: { code: joinCode, displayName: 'Learner 3', password: `guess number ${i}` } }));
    }
    expect(guesses.slice(0, 5).map((g) => g.status)).toEqual([401, 401, 401, 401, 401]);
    expect(guesses.slice(5).every((g) => g.status === 429)).toBe(true);
    expect(guesses[5]!.retryAfter).toBe('1');
    expect(guesses[5]!.json.error['zh-CN']).toContain('请等待');

    // The owner, from the class's address, even after a typo of her own.
    expect((await api('/api/login', { method: 'POST', from: NAT, body: { code: joinCode, displayName: 'Learner 3', password: 'typo typo' } })).status).toBe(401);
    expect((await api('/api/login', { method: 'POST', from: NAT, body: { code: joinCode, displayName: 'Learner 3', password: 'password 3 ok' } })).status).toBe(200);

    // The stranger's waits grow: one second, then two.
    await new Promise((r) => setTimeout(r, 1100));
    expect((await api('/api/login', { method: 'POST', from: STRANGER, body: { code: joinCode, displayName: 'Learner 3', password: 'guess again' } })).status).toBe(401);
    const next = await api('/api/login', { method: 'POST', from: STRANGER, body: { code: joinCode, displayName: 'Learner 3', password: 'guess again 2' } });
    expect(next.status).toBe(429);
    expect(next.retryAfter).toBe('2');

    for (let i = 0; i < 10; i++) await api('/api/instructor/login', { method: 'POST', from: STRANGER, body: { name: 'Ms Wang', password: `guess number ${i}` } });
    expect((await api('/api/instructor/login', { method: 'POST', from: STRANGER, body: { name: 'Ms Wang', password: 'wang password 1' } })).status).toBe(429);
    expect((await api('/api/instructor/login', { method: 'POST', from: '192.0.2.10', body: { name: 'Ms Wang', password: 'wang password 1' } })).status).toBe(200);

    const report = await learner.stop();
    expect(unhurt(report)).toEqual([]);
  }, 30_000);

  it('ignores X-Forwarded-For from a peer that is not the proxy', async () => {
    const statuses: string[] = [];
    for (let i = 0; i < 8; i++) {
      // curl from 127.0.0.2, which is not trusted, claiming a new address each time.
      const r = await run('curl', [
        '-s', '-o', '/dev/null', '-w', '%{http_code}', '--interface', '127.0.0.2',
        '-H', 'content-type: application/json', '-H', `x-forwarded-for: 10.0.0.${i}`,
        '--data', JSON.stringify({ code: joinCode, displayName: 'Learner 4', password: `spoofed ${i} guess` }),
        `http://127.0.0.1:${lab.httpPort}/api/login`,
      ]);
      statuses.push(r.stdout);
    }
    // Were the header believed, each try would be a new pair and all eight would be 401. (On a
    // slow machine a try may come after its wait and be answered 401 again: hence "contains".)
    expect(statuses.slice(0, 5)).toEqual(['401', '401', '401', '401', '401']);
    expect(statuses.slice(5)).toContain('429');
    // The learner herself, through the proxy, is not affected.
    expect((await api('/api/login', { method: 'POST', from: NAT, body: { code: joinCode, displayName: 'Learner 4', password: 'password 4 ok' } })).status).toBe(200);
  });
});

describe('a flood of logins from many addresses', () => {
  let lab: TestLab;
  const api = client(() => lab);
  let joinCode = '';
  let cookie = '';

  beforeAll(async () => {
    lab = await startTestLab({
      mode: 'classroom',
      trustProxy: ['127.0.0.1'],
      // A long first wait, so a machine slowed by other work cannot let it pass between two tries.
      limits: { passwordChecksAtOnce: 1, passwordChecksWaiting: 3, loginBusyFailuresPerMinute: 10, loginFirstDelayMs: 30_000 },
    });
    lab.classroom.addInstructor('Mr Li', await hashPassword('li password 22'));
    const li = (await api('/api/instructor/login', { method: 'POST', body: { name: 'Mr Li', password: 'li password 22' } })).cookie;
    joinCode = (await api('/api/classes', { method: 'POST', cookie: li, body: { name: 'Flooded' } })).json.class.joinCode;
    for (const name of ['Amy', 'Ben', 'Cai']) {
      const joined = await api('/api/join', { method: 'POST', from: NAT, body: { code: joinCode, displayName: name, password: `${name} password` } });
      if (name === 'Amy') cookie = joined.cookie;
    }
  }, 60_000);
  afterAll(async () => {
    await lab?.dispose();
  });

  it('answers 503 past the password-check queue, then slows every failing pair, and a right password still works', async () => {
    const learner = await workingLearner(lab, cookie);
    const flood = await Promise.all(
      Array.from({ length: 40 }, (_, i) => api('/api/login', { method: 'POST', from: `198.51.100.${i + 1}`, body: { code: joinCode, displayName: 'Ben', password: `flood guess ${i}` } })),
    );
    const report = await learner.stop();
    const statuses = flood.map((f) => f.status);
    expect(statuses).toContain(503);
    expect(statuses).toContain(401);
    expect(statuses.every((s) => s === 401 || s === 503)).toBe(true);
    const busy = flood.find((f) => f.status === 503)!;
    expect(busy.json.error.en).toMatch(/busy/);
    expect(busy.json.error['zh-CN']).toContain('实验室正忙');
    expect(busy.retryAfter).toBeTruthy();
    expect(unhurt(report)).toEqual([]);

    // Under attack: one wrong password, and this pair waits before the next.
    expect((await api('/api/login', { method: 'POST', from: NAT, body: { code: joinCode, displayName: 'Cai', password: 'one typo here' } })).status).toBe(401);
    expect((await api('/api/login', { method: 'POST', from: NAT, body: { code: joinCode, displayName: 'Cai', password: 'Cai password' } })).status).toBe(429);
    // A right first try works for anyone, Ben included.
    expect((await api('/api/login', { method: 'POST', from: NAT, body: { code: joinCode, displayName: 'Ben', password: 'Ben password' } })).status).toBe(200);
  }, 30_000);
});

describe('a class of at most classLearners learners', () => {
  let lab: TestLab;
  const api = client(() => lab);

  beforeAll(async () => {
    lab = await startTestLab({ mode: 'classroom', limits: { classLearners: 3 } });
  }, 60_000);
  afterAll(async () => {
    await lab?.dispose();
  });

  it('refuses joins past it in both languages, makes no sandbox for them, and takes one again when a place is free', async () => {
    await lab.classroom.addInstructor('Mr Li', await hashPassword('li password 1'));
    const li = (await api('/api/instructor/login', { method: 'POST', body: { name: 'Mr Li', password: 'li password 1' } })).cookie;
    const klass = (await api('/api/classes', { method: 'POST', cookie: li, body: { name: 'Small class' } })).json.class;
    const sandboxesBefore = (await lab.sandboxes.list()).length;
    // At once, so later joins wait in the queue behind the ones that fill the class.
    const joins = await Promise.all(Array.from({ length: 6 }, (_, i) => api('/api/join', { method: 'POST', body: { code: klass.joinCode, displayName: `Joiner ${i}`, password: `password ${i} ok` } })));
    expect(joins.map((j) => j.status).sort()).toEqual([201, 201, 201, 403, 403, 403]);
    const refused = joins.find((j) => j.status === 403)!.json.error;
    expect(refused.en).toMatch(/class is full.*3 learners.*another class/);
    expect(refused['zh-CN']).toMatch(/班级已满.*3 名学员/);
    // A stranger with the join code used to make a sandbox per join, without end.
    expect((await lab.sandboxes.list()).length).toBe(sandboxesBefore + 3);
    const member = (await lab.classroom.members(klass.id))[0]!;
    expect((await api(`/api/classes/${klass.id}/learners/${member.learnerId}`, { method: 'DELETE', cookie: li })).status).toBe(200);
    expect((await api('/api/join', { method: 'POST', body: { code: klass.joinCode, displayName: 'Latecomer', password: 'password late ok' } })).status).toBe(201);
  }, 120_000);
});
