/**
 * Who a browser is to the exercises API in single mode: a visitor reads and is stored nowhere;
 * opening an exercise gives them a learner cookie, held in memory (a client that ignores cookies
 * must not add a row with each opening); their first terminal or first attempt stores them,
 * so the work they typed is still theirs after the lab restarts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProtocolScript } from '../../lab-server/src/grading/exercises.js';
import { exercisesApi } from '../helpers/exercisesApi.js';
import { startTestLab, type TestLab } from '../helpers/lab.js';
import { freshSandbox, runScript } from '../helpers/protocolScript.js';

let lab: TestLab;
beforeAll(async () => {
  lab = await startTestLab();
});
afterAll(async () => {
  await lab?.dispose();
});

const { call, post } = exercisesApi(() => lab);
const learnerRows = async (): Promise<number> => (await lab.db.get<{ n: number }>('SELECT COUNT(*) AS n FROM learners'))!.n;

describe('learners', () => {
  it('creates nothing for a browser that only reads, and a learner in the default sandbox with its first attempt', async () => {
    const visitor = await call('/api/progress');
    expect(visitor.status).toBe(200);
    expect(visitor.setCookie).toBeNull();
    expect(visitor.body.learner).toEqual({ id: null, sandboxId: 'default', anonymous: true });
    const first = await post('/api/exercises/dns-spf/attempts', { answer: 'not an SPF record' });
    expect(first.setCookie).toContain('HttpOnly');
    expect(first.setCookie).toContain('SameSite=Lax');
    const cookie = first.setCookie!.split(';')[0]!;
    const again = await call('/api/progress', { cookie });
    expect(again.setCookie).toBeNull();
    expect(again.body.learner).toMatchObject({ sandboxId: 'default', anonymous: true });
    expect(again.body.learner.id).toEqual(expect.any(String));
    expect(again.body.exercises.find((e: { id: string }) => e.id === 'dns-spf')).toMatchObject({ status: 'attempted', attempts: 1 });
    // A forged cookie is a visitor again: it reads, and its first attempt makes a learner of its own.
    const stranger = await call('/api/progress', { cookie: 'maillab_learner=forged-token' });
    expect(stranger.body.learner.id).toBeNull();
    expect(stranger.setCookie).toBeNull();
  });
});

describe('a visitor who opens an exercise', () => {
  const script = (): ProtocolScript => lab.exercises.get('smtp-send')!.solution as ProtocolScript;
  const attempt = async (cookie: string): Promise<{ passed: boolean; codes: string[]; setCookie: string | null }> => {
    const r = await post('/api/exercises/smtp-send/attempts', {}, cookie);
    return { passed: r.body.passed, codes: r.body.feedback.map((f: { code: string }) => f.code), setCookie: r.setCookie };
  };

  it('makes a visitor a learner when they open a protocol exercise, so their terminal then counts', async () => {
    await freshSandbox(lab);
    const opened = await post('/api/exercises/smtp-send/opened', {});
    expect(opened.status).toBe(200);
    expect(opened.setCookie).toMatch(/^maillab_learner=[^;]+; Path=\/; HttpOnly/);
    const cookie = opened.setCookie!.split(';')[0]!;
    await runScript(lab, script(), { cookie }, 'smtp-send');
    expect((await attempt(cookie)).passed).toBe(true);
  });

  it('keeps a visitor who only opens exercises out of the database: a client without cookies adds no learner with each opening', async () => {
    const before = await learnerRows();
    const cookies = new Set<string>();
    for (let i = 0; i < 50; i++) cookies.add((await post('/api/exercises/smtp-send/opened', {})).setCookie!.split(';')[0]!);
    expect(cookies.size).toBe(50);
    expect(await learnerRows()).toBe(before);
    // The cookie is a visitor's until the first attempt, which stores the learner once (two at once too) and keeps the cookie.
    const cookie = [...cookies][0]!;
    expect((await call('/api/progress', { cookie })).body.learner.id).toBeNull();
    const [a, b] = await Promise.all([attempt(cookie), attempt(cookie)]);
    expect([a.passed, b.passed]).toEqual([false, false]);
    expect(await learnerRows()).toBe(before + 1);
    const progress = (await call('/api/progress', { cookie })).body;
    expect(progress.learner.id).not.toBeNull();
    expect(progress.exercises.find((e: { id: string }) => e.id === 'smtp-send').attempts).toBe(2);
  });

  it('keeps what they typed in the exercise\'s terminal theirs across a restart before their first attempt', async () => {
    await freshSandbox(lab);
    const before = await learnerRows();
    const cookie = (await post('/api/exercises/smtp-send/opened', {})).setCookie!.split(';')[0]!;
    expect(await learnerRows()).toBe(before);
    // The first terminal stores the learner: its transcripts are theirs, and must stay so.
    await runScript(lab, script(), { cookie }, 'smtp-send');
    expect(await learnerRows()).toBe(before + 1);
    // Was: the cookie named nobody after the restart, the attempt made a new learner (a new
    // cookie) and the session typed was someone else's (smtp.no-session).
    lab = await lab.restart();
    const after = await attempt(cookie);
    expect(after.codes).toEqual(['smtp.dialogue', 'smtp.delivered']);
    expect(after.passed).toBe(true);
    expect(after.setCookie).toBeNull();
    expect(await learnerRows()).toBe(before + 1);
  });
});
