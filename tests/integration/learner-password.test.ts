/**
 * A learner who forgot their password: their instructor sets a new one from the dashboard. The
 * learner's sessions and terminals end, the waits their wrong tries earned end, their sandbox,
 * mail and progress stay, and the audit log says who did it (never the password). Before, the
 * only way back was removal and a new join, which lost everything.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashPassword } from '../../lab-server/src/classroom/passwords.js';
import { startTestLab, type TestLab } from '../helpers/lab.js';
import { TerminalClient } from '../helpers/terminal.js';

let lab: TestLab;
let base: string;
let wang = '';
let klass: { id: string; joinCode: string };

async function api(path: string, options: { method?: string; cookie?: string; body?: unknown } = {}): Promise<{ status: number; json: any; cookie: string; headers: Headers }> {
  const headers: Record<string, string> = {};
  if (options.cookie) headers.cookie = options.cookie;
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`${base}${path}`, { method: options.method ?? 'GET', headers, body: options.body === undefined ? undefined : JSON.stringify(options.body) });
  return { status: response.status, json: await response.json(), cookie: (response.headers.get('set-cookie') ?? '').split(';')[0]!, headers: response.headers };
}

const login = (displayName: string, password: string) => api('/api/login', { method: 'POST', body: { code: klass.joinCode, displayName, password } });
const join = async (displayName: string): Promise<{ cookie: string; learnerId: string }> => {
  const joined = await api('/api/join', { method: 'POST', body: { code: klass.joinCode, displayName, password: 'forgotten password' } });
  expect(joined.status).toBe(201);
  const learners = (await api(`/api/classes/${klass.id}`, { cookie: wang })).json.learners as Array<{ displayName: string; learnerId: string }>;
  return { cookie: joined.cookie, learnerId: learners.find((l) => l.displayName === displayName)!.learnerId };
};
const newPassword = (learnerId: string, body: unknown = {}, cookie = wang) => api(`/api/classes/${klass.id}/learners/${learnerId}/password`, { method: 'POST', cookie, body });

beforeAll(async () => {
  lab = await startTestLab({ mode: 'classroom', limits: { newPasswordsPerInstructor: 5 } });
  base = `http://127.0.0.1:${lab.httpPort}`;
  await lab.classroom.addInstructor('Ms Wang', await hashPassword('wang password 1'));
  await lab.classroom.addInstructor('Mr Li', await hashPassword('li password 22'));
  wang = (await api('/api/instructor/login', { method: 'POST', body: { name: 'Ms Wang', password: 'wang password 1' } })).cookie;
  klass = (await api('/api/classes', { method: 'POST', cookie: wang, body: { name: 'Mail 101' } })).json.class;
});
afterAll(async () => {
  await lab?.dispose();
});

describe('a new password for a learner who forgot theirs', () => {
  it('ends their sessions and terminals, lets them straight in with it, and keeps their lab and progress', async () => {
    const ana = await join('Ana');
    const sandboxId = (await lab.learners.get(ana.learnerId))!.sandboxId;
    await lab.learners.recordAttempt({ learnerId: ana.learnerId, exerciseId: 'smtp-send', answer: null, passed: true, score: 100, feedback: [] });
    const terminal = await TerminalClient.open(lab.httpPort, 'smtp', { cookie: ana.cookie });
    await terminal.expect(/^220 /);
    // Ana guesses until the lab makes her wait: before, that wait outlived the new password.
    let guess;
    for (let i = 0; i < 10 && (guess = await login('ana', `guess number ${i}`)).status === 401; i++);
    expect(guess!.status).toBe(429);
    expect(guess!.json.error.en).toMatch(/Too many tries/);

    const set = await newPassword(ana.learnerId);
    expect(set.status).toBe(200);
    expect(set.json).toEqual({ learner: { displayName: 'Ana' }, password: expect.stringMatching(/^[a-z2-9]{4}(-[a-z2-9]{4}){3}$/) });
    // The browser that was logged in is not any more; the terminal says why, in the page's words.
    expect((await api('/api/me', { cookie: ana.cookie })).json.learner).toBeNull();
    const closed = await terminal.message('closed');
    expect(closed.reason).toBe('new password');
    expect(closed.text).toMatch(/your instructor set you a new password\. Log in again on \/join\/ with it/);
    // The old password is refused, saying what to do; the new one lets her in at once, into her own lab.
    const old = await login('Ana', 'forgotten password');
    expect(old.status).toBe(401);
    expect(old.json.error.en).toMatch(/If you forgot your password, ask your instructor for a new one: they set it on their page, and your lab and progress stay as they are\./);
    expect(old.json.error['zh-CN']).toMatch(/如果忘了密码，请让老师给你设一个新密码.*实验环境和进度都会保留/);
    const back = await login('ANA', set.json.password);
    expect(back.status).toBe(200);
    const me = (await api('/api/me', { cookie: back.cookie })).json;
    expect(me.learner.displayName).toBe('Ana');
    expect((await lab.learners.get(ana.learnerId))!.sandboxId).toBe(sandboxId);
    expect(await lab.sandboxes.list()).toContain(sandboxId);
    expect((await lab.learners.progress(ana.learnerId)).map((p) => [p.exerciseId, p.passed])).toEqual([['smtp-send', true]]);
    // The audit log says who was given one, never what it is.
    const audit = (await api('/api/instructor/audit', { cookie: wang })).json.entries;
    expect(audit[0]).toMatchObject({ action: 'learner.password', detail: { classId: klass.id, learnerId: ana.learnerId, displayName: 'Ana', madeUp: true } });
    expect(JSON.stringify(audit)).not.toContain(set.json.password);
  });

  it('takes a password the instructor types, by the rules a learner\'s own follows', async () => {
    const bo = await join('Bo');
    for (const weak of ['short', 42, 'x'.repeat(201)]) {
      const refused = await newPassword(bo.learnerId, { password: weak });
      expect(refused.status, String(weak)).toBe(400);
      expect(refused.json.error.en).toMatch(/at least 8 characters|at most 200 characters/);
      expect(refused.json.error['zh-CN']).toMatch(/8 个字符|200 个字符/);
    }
    // Refused ones changed nothing: the old password still works.
    expect((await login('Bo', 'forgotten password')).status).toBe(200);
    expect((await newPassword(bo.learnerId, { password: '  Bo typed this 1 ' })).json.password).toBe('  Bo typed this 1 ');
    expect((await login('Bo', '  Bo typed this 1 ')).status).toBe(200);
    expect((await newPassword(bo.learnerId, [])).status).toBe(400);
  });

  it('is for the class\'s own instructor only, for its members only, and so many in ten minutes', async () => {
    const cy = await join('Cy');
    const li = (await api('/api/instructor/login', { method: 'POST', body: { name: 'Mr Li', password: 'li password 22' } })).cookie;
    expect((await newPassword(cy.learnerId, {}, li)).status).toBe(404);
    const asLearner = await newPassword(cy.learnerId, {}, cy.cookie);
    expect(asLearner.status).toBe(403);
    expect(asLearner.json.error.en).toMatch(/Only instructors can do this/);
    expect((await newPassword('no-such-learner')).status).toBe(404);
    // Removed from the class: nobody to give a password to.
    const gone = await join('Gone');
    expect((await api(`/api/classes/${klass.id}/learners/${gone.learnerId}`, { method: 'DELETE', cookie: wang })).status).toBe(200);
    expect((await newPassword(gone.learnerId)).status).toBe(404);
    // Five in ten minutes in this lab (two were set above, one refused as too short does not count).
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await newPassword(cy.learnerId)).status);
    expect(statuses).toEqual([200, 200, 200, 429]);
    const refused = await newPassword(cy.learnerId);
    expect(refused.json.error.en).toMatch(/Too many tries\. Wait .*, then try again/);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
  });
});
