/**
 * Two instructors on one server: each sees only their own classes' actions and their own
 * logins in the audit log, never the other's class names, learners or addresses. And an
 * instructor can tell their learners apart: no name hides characters nobody sees.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_CLASSES_PER_INSTRUCTOR } from '../../lab-server/src/classroom/classNames.js';
import { hashPassword } from '../../lab-server/src/classroom/passwords.js';
import { INSTRUCTOR_SESSION_SECONDS } from '../../lab-server/src/store/browserSessions.js';
import { run } from '../helpers/clients.js';
import { startTestLab, type TestLab } from '../helpers/lab.js';

let lab: TestLab;
let base: string;

async function api(path: string, options: { method?: string; cookie?: string; body?: unknown } = {}): Promise<{ status: number; json: any; cookie: string }> {
  const headers: Record<string, string> = {};
  if (options.cookie) headers.cookie = options.cookie;
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`${base}${path}`, { method: options.method ?? 'GET', headers, body: options.body === undefined ? undefined : JSON.stringify(options.body) });
  return { status: response.status, json: await response.json(), cookie: (response.headers.get('set-cookie') ?? '').split(';')[0]! };
}

beforeAll(async () => {
  lab = await startTestLab({ mode: 'classroom' });
  base = `http://127.0.0.1:${lab.httpPort}`;
  lab.classroom.addInstructor('Ms Wang', await hashPassword('wang password 1'));
  lab.classroom.addInstructor('Mr Li', await hashPassword('li password 22'));
});
afterAll(async () => {
  await lab?.dispose();
});

describe('the audit log', () => {
  it('shows each instructor only their own classes and their own logins', async () => {
    const wang = (await api('/api/instructor/login', { method: 'POST', body: { name: 'Ms Wang', password: 'wang password 1' } })).cookie;
    const klass = (await api('/api/classes', { method: 'POST', cookie: wang, body: { name: 'Wang secret class' } })).json.class;
    const joined = await api('/api/join', { method: 'POST', body: { code: klass.joinCode, displayName: 'Removed Learner', password: 'learner password' } });
    expect(joined.status).toBe(201);
    const member = (await api(`/api/classes/${klass.id}`, { cookie: wang })).json.learners[0];
    expect((await api(`/api/classes/${klass.id}/learners/${member.learnerId}`, { method: 'DELETE', cookie: wang })).status).toBe(200);

    const li = (await api('/api/instructor/login', { method: 'POST', body: { name: 'Mr Li', password: 'li password 22' } })).cookie;
    expect((await api('/api/classes', { method: 'POST', cookie: li, body: { name: 'Li class' } })).status).toBe(201);

    const seenByLi = await api('/api/instructor/audit', { cookie: li });
    expect(seenByLi.status).toBe(200);
    expect(seenByLi.json.entries.map((e: { action: string }) => e.action).sort()).toEqual(['class.create', 'login']);
    const text = JSON.stringify(seenByLi.json);
    expect(text).not.toContain('Wang secret class');
    expect(text).not.toContain('Removed Learner');
    expect(text).toContain('Li class');

    const seenByWang = (await api('/api/instructor/audit', { cookie: wang })).json.entries;
    expect(seenByWang.map((e: { action: string }) => e.action)).toEqual(['learner.remove', 'class.create', 'login']);
    expect(JSON.stringify(seenByWang)).not.toContain('Li class');
  });
});

describe('learners\' names', () => {
  it('refuse characters nobody sees, so no two learners look alike to their instructor', async () => {
    const wang = (await api('/api/instructor/login', { method: 'POST', body: { name: 'Ms Wang', password: 'wang password 1' } })).cookie;
    const klass = (await api('/api/classes', { method: 'POST', cookie: wang, body: { name: 'Names' } })).json.class;
    const join = (displayName: string) => api('/api/join', { method: 'POST', body: { code: klass.joinCode, displayName, password: 'learner password' } });
    expect((await join('Zhang Wei')).status).toBe(201);
    // Each of these showed on the dashboard as "Zhang Wei" (or, reversed, as "exe.png").
    for (const lookalike of ['Zhang\u200b Wei', 'Zhang Wei\u200e', '\u2066Zhang Wei', 'Zhang\u00adWei', 'Zhang Wei\u0085', '\u202egnp.exe', 'Zhang\ufeff Wei', 'Zhang Wei\u{e0041}', 'Zhang Wei\ufe0f', 'Zhang Wei\u3164', 'Zhang\u034f Wei', 'Zhang Wei\u180b', 'Zhang Wei 1\ufe0f', 'Zhang Wei 1\ufe0e', 'Zhang Wei \u{1f3f4}\u{e0041}\u{e007f}', 'Zhang Wei \u2764\ufe0e']) {
      const refused = await join(lookalike);
      expect(refused.status, JSON.stringify(lookalike)).toBe(400);
      expect(refused.json.error.en).toMatch(/invisible character .* Type the name again by hand/);
      expect(refused.json.error['zh-CN']).toMatch(/看不见的字符/);
    }
    // Half an emoji was taken, stored as U+FFFD, and its learner could not log in again ("A\udc00" then counted as taken).
    for (const broken of ['A\ud800', 'A\udc00', '\ude00🙂']) {
      const refused = await join(broken);
      expect(refused.status, JSON.stringify(broken)).toBe(400);
      expect(refused.json.error.en).toMatch(/broken character .* Type the name again by hand/);
      expect(refused.json.error['zh-CN']).toMatch(/残缺的字符/);
    }
    // Names in any script, and emoji joined by ZWJ, are welcome; 40 emoji are 40 characters.
    for (const name of ['王小明', 'Ana Lucía', 'نور\u200cالدين', '👩\u200d💻 dev', '🙂'.repeat(40), 'Ann \u2764\ufe0f', '1\ufe0f\u20e3 Li', '\u{1f3f4}\u{e0067}\u{e0062}\u{e0073}\u{e0063}\u{e0074}\u{e007f} Ross']) expect((await join(name)).status, name).toBe(201);
    expect((await join('🙂'.repeat(41))).status).toBe(400);
    const names = (await api(`/api/classes/${klass.id}`, { cookie: wang })).json.learners.map((l: { displayName: string }) => l.displayName);
    expect(names).toHaveLength(9);
  });
});

describe('class names', () => {
  it('refuse broken and invisible characters as learners\' names do, and count characters, not UTF-16 units', async () => {
    const wang = (await api('/api/instructor/login', { method: 'POST', body: { name: 'Ms Wang', password: 'wang password 1' } })).cookie;
    const create = (name: unknown) => api('/api/classes', { method: 'POST', cookie: wang, body: { name } });
    // Was stored as "A\ufffd": the class was not called what was typed.
    for (const broken of ['A\ud800', 'Mail \udc00 101', '\ude00🙂']) {
      const refused = await create(broken);
      expect(refused.status, JSON.stringify(broken)).toBe(400);
      expect(refused.json.error.en).toMatch(/broken character .* Type the name again by hand/);
      expect(refused.json.error['zh-CN']).toMatch(/残缺的字符/);
    }
    // A NUL was a 500 on PostgreSQL; the others were kept, and learners saw them when they joined.
    for (const hidden of ['A\u0000B', 'Mail\u202e101', 'Mail\u200b101', 'Mail\n101', 'Mail\u0007']) {
      const refused = await create(hidden);
      expect(refused.status, JSON.stringify(hidden)).toBe(400);
      expect(refused.json.error.en).toMatch(/invisible character .* Type the name again by hand/);
      expect(refused.json.error['zh-CN']).toMatch(/看不见的字符/);
    }
    expect((await create('Ann \u2764\ufe0f 101')).status).toBe(201);
    // 80 emoji are 80 characters (160 UTF-16 units, refused before); 81 are too many.
    const emoji = await create('🙂'.repeat(80));
    expect(emoji.status).toBe(201);
    expect(emoji.json.class.name).toBe('🙂'.repeat(80));
    for (const wrong of ['🙂'.repeat(81), '   ', 42]) expect((await create(wrong)).json.error.en, String(wrong)).toMatch(/1 to 80 characters/);
    expect((await create('  Cafe\u0301  ')).json.class.name).toBe('Caf\u00e9');
  });
});

describe('classes of one instructor', () => {
  it(`stop at ${MAX_CLASSES_PER_INSTRUCTOR}, saying what to do, and the limit is each instructor's own`, async () => {
    const zhao = await lab.classroom.addInstructor('Mr Zhao', await hashPassword('zhao password 3'));
    // Made in the store (as a script looping over POST /api/classes once did, without end), all but the last ten.
    for (let i = 1; i <= MAX_CLASSES_PER_INSTRUCTOR - 10; i++) await lab.classroom.createClass(`Group ${i}`, zhao.id);
    const cookie = (await api('/api/instructor/login', { method: 'POST', body: { name: 'Mr Zhao', password: 'zhao password 3' } })).cookie;
    // Twenty at once: each counted the classes before any was made, and 217 of 200 were made.
    const burst = await Promise.all(Array.from({ length: 20 }, (_, i) => api('/api/classes', { method: 'POST', cookie, body: { name: `Burst ${i}` } })));
    expect(burst.map((r) => r.status).sort()).toEqual([...Array(10).fill(201), ...Array(10).fill(403)]);
    const refused = await api('/api/classes', { method: 'POST', cookie, body: { name: 'One more' } });
    expect(refused.status).toBe(403);
    expect(refused.json.error.en).toMatch(/You have 200 classes, the most one instructor may have\. Use one of them .*"maillab instructor add"/);
    expect(refused.json.error['zh-CN']).toContain('达到一位教师的上限');
    expect((await api('/api/classes', { cookie })).json.classes).toHaveLength(MAX_CLASSES_PER_INSTRUCTOR);
    const wang = (await api('/api/instructor/login', { method: 'POST', body: { name: 'Ms Wang', password: 'wang password 1' } })).cookie;
    expect((await api('/api/classes', { method: 'POST', cookie: wang, body: { name: 'Still mine' } })).status).toBe(201);
    // The command line keeps the same limit (it once made a 201st class, and any number after).
    const shell = await run('node', ['bin/maillab.mjs', 'class', 'create', 'From the shell', '--instructor', 'mr zhao', '--data', lab.dataDir], undefined, 60_000);
    expect(shell.code, shell.stderr).toBe(2);
    expect(shell.stderr).toMatch(/You have 200 classes, the most one instructor may have/);
    expect(shell.stderr).toContain('达到一位教师的上限');
    expect((await api('/api/classes', { cookie })).json.classes).toHaveLength(MAX_CLASSES_PER_INSTRUCTOR);
    // And its name rules: refused before the database is opened, as on the page.
    expect((await run('node', ['bin/maillab.mjs', 'class', 'create', '🙂'.repeat(81), '--instructor', 'Ms Wang', '--data', lab.dataDir], undefined, 60_000)).stderr).toMatch(/1 to 80 characters/);
  }, 120_000);
});

describe('an instructor\'s session', () => {
  it('ends after twelve hours on the server too, as its cookie does in the browser', async () => {
    const login = await fetch(`${base}/api/instructor/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'Mr Li', password: 'li password 22' }) });
    expect(login.headers.get('set-cookie')).toContain(`Max-Age=${INSTRUCTOR_SESSION_SECONDS}`);
    const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0]!;
    const li = (await lab.classroom.instructorLogin('Mr Li'))!.instructor;
    const age = async (seconds: number): Promise<void> => void (await lab.db.run('UPDATE instructor_tokens SET created_at = ? WHERE instructor_id = ?', [new Date(Date.now() - seconds * 1000).toISOString(), li.id]));
    await age(INSTRUCTOR_SESSION_SECONDS - 60);
    expect((await api('/api/classes', { cookie })).status).toBe(200);
    // A copy of the cookie (a shared computer's browser, a proxy's log) once worked for good.
    await age(INSTRUCTOR_SESSION_SECONDS + 60);
    const expired = await api('/api/classes', { cookie });
    expect(expired.status).toBe(401);
    expect(expired.json.error.en).toMatch(/Log in as an instructor first/);
    expect((await api('/api/instructor/me', { cookie })).json.instructor).toBeNull();
    // The next login clears the instructor's ended sessions: the table does not grow with every login.
    expect((await api('/api/instructor/login', { method: 'POST', body: { name: 'Mr Li', password: 'li password 22' } })).status).toBe(200);
    expect(await lab.db.all('SELECT token_hash FROM instructor_tokens WHERE instructor_id = ?', [li.id])).toHaveLength(1);
  });
});
