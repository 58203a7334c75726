/**
 * The exercises API over real HTTP against a real lab: learner cookies, grading, errors,
 * the solution gate, progress, and progress surviving a restart of the whole lab.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestLab, type TestLab } from '../helpers/lab.js';
import { exercisesApi } from '../helpers/exercisesApi.js';
import { freshSandbox, runScript } from '../helpers/protocolScript.js';
import type { ProtocolScript } from '../../lab-server/src/grading/exercises.js';

let lab: TestLab;
beforeAll(async () => {
  lab = await startTestLab();
});
afterAll(async () => {
  await lab?.dispose();
});

const { call, post, newLearner } = exercisesApi(() => lab);

describe('GET /api/exercises', () => {
  it('lists every exercise with this learner\'s status and no solutions', async () => {
    const r = await call('/api/exercises');
    expect(r.status).toBe(200);
    expect(r.body.exercises.length).toBeGreaterThanOrEqual(24);
    const mx = r.body.exercises.find((e: { id: string }) => e.id === 'dns-mx');
    expect(mx).toMatchObject({ chapter: 6, kind: 'dns', status: 'new', attempts: 0 });
    expect(mx.title['zh-CN']).toContain('MX');
    expect(JSON.stringify(r.body)).not.toMatch(/"solution"|"wrong"|"grader"/);
  });

  it('shows one exercise without leaking its solution, and 404 for an unknown id', async () => {
    const r = await call('/api/exercises/dns-dkim');
    expect(r.status).toBe(200);
    expect(r.body.exercise.id).toBe('dns-dkim');
    expect(r.body.exercise.given.text).toMatch(/^MIIBIjAN/);
    const text = JSON.stringify(r.body);
    expect(text).not.toContain('PRIVATE KEY');
    expect(text).not.toMatch(/"solution"|"wrong"|"grader"|"privateKey"/);
    const quiz = await call('/api/exercises/ports');
    expect(quiz.body.exercise.questions).toHaveLength(14);
    expect(JSON.stringify(quiz.body)).not.toMatch(/"correct"|"explain"/);
    const missing = await call('/api/exercises/no-such-thing');
    expect(missing.status).toBe(404);
    expect(missing.body.error.en).toContain('no-such-thing');
    expect(missing.body.error['zh-CN']).toContain('没有');
  });
});

describe('POST /api/exercises/:id/attempts', () => {
  it('grades a wrong answer with bilingual feedback and a right one as passed', async () => {
    const cookie = await newLearner();
    const wrong = await post('/api/exercises/dns-mx/attempts', { answer: '@ IN MX 10 mail.example.com\n@ IN MX 20 mail2.example.com.' }, cookie);
    expect(wrong.status).toBe(200);
    expect(wrong.body.passed).toBe(false);
    expect(wrong.body.score).toBeLessThan(100);
    const dot = wrong.body.feedback.find((f: { code: string }) => f.code === 'zone.missing-trailing-dot');
    expect(dot).toMatchObject({ level: 'error' });
    expect(dot.message.en).toContain('mail.example.com.example.com.');
    expect(dot.hint['zh-CN']).toContain('点');
    const right = await post('/api/exercises/dns-mx/attempts', { answer: '$ORIGIN example.com.\n@ MX 10 mail\n@ MX 20 mail2' }, cookie);
    expect(right.body).toMatchObject({ passed: true, score: 100 });
    expect(right.body.feedback.every((f: { level: string }) => f.level === 'ok')).toBe(true);
    const list = await call('/api/exercises', { cookie });
    expect(list.body.exercises.find((e: { id: string }) => e.id === 'dns-mx')).toMatchObject({ status: 'passed', attempts: 2, bestScore: 100 });
  });

  it('grades quizzes from an object answer', async () => {
    const cookie = await newLearner();
    const r = await post('/api/exercises/imap-vs-pop3/attempts', { answer: { folders: 'imap', flags: 'imap', dele: 'quit', 'imap-port': ' ９９３ ' } }, cookie);
    expect(r.body.passed).toBe(true);
  });

  it('answers malformed requests with 400, unknown ids with 404 and oversized ones with 413', async () => {
    const bad = await post('/api/exercises/dns-mx/attempts', '{"answer": ');
    expect(bad.status).toBe(400);
    expect(bad.body.error.en).toMatch(/not valid JSON/);
    expect(bad.body.error['zh-CN']).toMatch(/JSON/);
    const noAnswer = await post('/api/exercises/dns-mx/attempts', { text: 'x' });
    expect(noAnswer.status).toBe(400);
    const wrongShape = await post('/api/exercises/dns-mx/attempts', { answer: 42 });
    expect(wrongShape.status).toBe(400);
    expect(wrongShape.body.error.en).toMatch(/JSON string/);
    const quizShape = await post('/api/exercises/ports/attempts', { answer: 'p25' });
    expect(quizShape.status).toBe(400);
    const unknown = await post('/api/exercises/nope/attempts', { answer: 'x' });
    expect(unknown.status).toBe(404);
    const huge = await post('/api/exercises/dns-mx/attempts', { answer: `; ${'x'.repeat(70 * 1024)}` });
    expect(huge.status).toBe(413);
    expect(huge.body.error['zh-CN']).toContain('KB');
    // Nothing of that was recorded as an attempt.
    const cookie = await newLearner();
    await post('/api/exercises/dns-mx/attempts', '{', cookie);
    expect((await call('/api/progress', { cookie })).body.summary.passed).toBe(0);
    expect((await call('/api/exercises/dns-mx', { cookie })).body.progress.attempts).toBe(0);
  });
});

describe('the solution gate', () => {
  it('opens the reference solution only after three attempts', async () => {
    const cookie = await newLearner();
    expect((await call('/api/exercises/dns-dmarc/solution', { cookie })).status).toBe(403);
    for (let i = 0; i < 3; i++) await post('/api/exercises/dns-dmarc/attempts', { answer: '_dmarc TXT "v=DMARC1; p=none"' }, cookie);
    const open = await call('/api/exercises/dns-dmarc/solution', { cookie });
    expect(open.status).toBe(200);
    expect(open.body.solution).toContain('p=quarantine');
    expect((await call('/api/exercises/dns-dmarc/solution')).status).toBe(403);
  });
});

describe('protocol exercises through the API', () => {
  it('grades smtp-send from what this learner really typed in the terminal', async () => {
    const cookie = await newLearner();
    const before = await post('/api/exercises/smtp-send/attempts', {}, cookie);
    expect(before.body.passed).toBe(false);
    expect((await post('/api/exercises/smtp-send/opened', {}, cookie)).status).toBe(200);
    await runScript(lab, lab.exercises.get('smtp-send')!.solution as ProtocolScript, { cookie });
    const after = await post('/api/exercises/smtp-send/attempts', {}, cookie);
    expect(after.body.passed).toBe(true);
    expect(after.body.feedback.map((f: { code: string }) => f.code)).toEqual(['smtp.dialogue', 'smtp.delivered']);
    // The transcript belongs to this learner.
    const sandbox = await lab.sandboxes.get('default');
    const { readTranscripts } = await import('../../lab-server/src/world/transcriptFiles.js');
    const me = (await call('/api/progress', { cookie })).body.learner.id;
    expect((await readTranscripts(sandbox)).some((t) => t.header.owner === me)).toBe(true);
  });
});

describe('what a protocol exercise grades', () => {
  const script = (): ProtocolScript => lab.exercises.get('smtp-send')!.solution as ProtocolScript;
  const attempt = async (cookie: string): Promise<{ passed: boolean; codes: string[]; text: string }> => {
    const r = await post('/api/exercises/smtp-send/attempts', {}, cookie);
    return { passed: r.body.passed, codes: r.body.feedback.map((f: { code: string }) => f.code), text: JSON.stringify(r.body.feedback) };
  };

  it('counts only sessions from the exercise\'s own terminals or typed after it was opened, and only the learner\'s own', async () => {
    await freshSandbox(lab);
    const cookie = await newLearner();
    // The dialogue typed on /lab/ before the exercise was ever opened: not done for it.
    await runScript(lab, script(), { cookie });
    const early = await attempt(cookie);
    expect(early.passed).toBe(false);
    expect(early.codes).toEqual(['smtp.no-session']);
    expect(early.text).toContain('earlier ones do not');
    // Opening it now does not make the earlier session count.
    const opened = await post('/api/exercises/smtp-send/opened', {}, cookie);
    expect(Date.parse(opened.body.openedAt)).toBeLessThanOrEqual(Date.now());
    expect((await attempt(cookie)).passed).toBe(false);
    // A session typed afterwards, in any terminal, does.
    await runScript(lab, script(), { cookie });
    expect((await attempt(cookie)).passed).toBe(true);

    // Another learner in the same shared sandbox (single mode) gets no credit for it.
    const other = await newLearner();
    await post('/api/exercises/smtp-send/opened', {}, other);
    expect((await attempt(other)).passed).toBe(false);
    // The exercise page's own terminal counts even without the opening being known (a restart).
    await runScript(lab, script(), { cookie: other }, 'smtp-send');
    expect((await attempt(other)).passed).toBe(true);
    // A terminal opened on another exercise's page does not count for this one.
    const third = await newLearner();
    await runScript(lab, script(), { cookie: third }, 'pop3-delete');
    expect((await attempt(third)).passed).toBe(false);
  });

  it('refuses to mark an exercise that does not exist as opened', async () => {
    expect((await post('/api/exercises/nope/opened', {}, await newLearner())).status).toBe(404);
  });
});

describe('progress', () => {
  it('counts passed exercises by chapter and survives a restart of the lab', async () => {
    const cookie = await newLearner();
    await post('/api/exercises/dns-ptr/attempts', { answer: '25 IN PTR mail.example.com.' }, cookie);
    await post('/api/exercises/roles/attempts', { answer: { thunderbird: 'mua', postfix: 'mta', lmtp: 'mda', webmail: 'mua' } }, cookie);
    const p = (await call('/api/progress', { cookie })).body;
    expect(p.summary.passed).toBe(2);
    expect(p.chapters.find((c: { chapter: number }) => c.chapter === 6).passed).toBe(1);
    expect(p.chapters.find((c: { chapter: number }) => c.chapter === 2).passed).toBe(1);
    const oldPort = lab.httpPort;
    lab = await lab.restart();
    expect(lab.httpPort).not.toBe(0);
    void oldPort;
    const again = (await call('/api/progress', { cookie })).body;
    expect(again.learner.id).toBe(p.learner.id);
    expect(again.summary.passed).toBe(2);
    expect(again.exercises.find((e: { id: string }) => e.id === 'dns-ptr')).toMatchObject({ status: 'passed', attempts: 1 });
  });
});
