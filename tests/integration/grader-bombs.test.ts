/**
 * Answers built to keep the exercise grader busy (Postfix configurations whose $names multiply,
 * a 60 KB parameter name, sections nested 9,000 deep, 60 KB of ")"), graded over real HTTP while
 * a bystander's requests are answered. In the heavy group (vitest.config.ts): the bystander
 * judges the lab's event loop, and beside the other test files it once measured their load
 * (busy 100 ms, on PostgreSQL, at load ~30) rather than the grader's.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBystander, unhurt } from '../helpers/bystander.js';
import { run } from '../helpers/clients.js';
import { startTestLab, type TestLab } from '../helpers/lab.js';
import { exercisesApi } from '../helpers/exercisesApi.js';

let lab: TestLab;
beforeAll(async () => {
  lab = await startTestLab();
});
afterAll(async () => {
  await lab?.dispose();
});

const { call, post, newLearner } = exercisesApi(() => lab);

describe('configuration answers built to keep the grader busy', () => {
  // "x1 = $x0 $x0 ...": each step multiplies by 8; mydestination = $x6 is 262 144 copies.
  const laugh = ['x0 = example.com', ...Array.from({ length: 6 }, (_, i) => `x${i + 1} = ${Array(8).fill(`$x${i}`).join(' ')}`), 'mydestination = $x6', 'smtpd_relay_restrictions = permit_mynetworks, permit_sasl_authenticated, reject_unauth_destination'].join('\n');

  it('$names that multiply at every step, a 60 KB parameter name and sections nested 9 000 deep are graded at once, and hold up nobody', async () => {
    const learner = startBystander(async () => {
      const r = await fetch(`http://127.0.0.1:${lab.httpPort}/api/exercises`);
      if (r.status !== 200) throw new Error(`GET /api/exercises: ${r.status}`);
      await r.arrayBuffer();
    });
    let bomb, longName, deep;
    for (let round = 0; round < 3; round++) {
      bomb = await post('/api/exercises/postfix-relay/attempts', { answer: laugh });
      longName = await post('/api/exercises/postfix-relay/attempts', { answer: `${'a'.repeat(60_000)} = 1\nsmtpd_relay_restrictions = permit_mynetworks, permit_sasl_authenticated, reject_unauth_destination` });
      deep = await post('/api/exercises/dovecot-auth/attempts', { answer: `${'a{\n'.repeat(9_000)}${'}\n'.repeat(9_000)}` });
    }
    if (!bomb || !longName || !deep) throw new Error('no attempts made');
    const report = await learner.stop();
    expect(unhurt(report)).toEqual([]);

    expect(bomb.status).toBe(200);
    expect(bomb.body.passed).toBe(false);
    const grows = bomb.body.feedback.find((f: { code: string }) => f.code === 'postfix.syntax');
    expect(grows.message.en).toMatch(/^Line 6: x5 grows to more than 100,000 characters once its \$names are expanded/);
    expect(grows.message['zh-CN']).toMatch(/^第 6 行：x5 展开/);
    expect(longName.status).toBe(200);
    expect(longName.body.passed).toBe(true);
    expect(longName.body.feedback).toContainEqual(expect.objectContaining({ level: 'warn', code: 'postfix.notice' }));
    expect(deep.status).toBe(200);
    expect(deep.body.passed).toBe(false);
    expect(deep.body.feedback.map((f: { message: { en: string } }) => f.message.en).join('\n')).toMatch(/nested more than 32 deep/);
  }, 60_000);

  it('60 KB of ")" gets the first 40 of its 60 000 problems and a count of the rest, not 28 MB of feedback sent back and stored with the attempt', async () => {
    const cookie = await newLearner();
    const r = await call('/api/exercises/dns-dmarc/attempts', { method: 'POST', body: JSON.stringify({ answer: ')'.repeat(60_000) }), headers: { 'content-type': 'application/json' }, cookie });
    expect(r.status).toBe(200);
    expect(JSON.stringify(r.body).length).toBeLessThan(100_000);
    expect(r.body.passed).toBe(false);
    expect(r.body.feedback).toHaveLength(41);
    expect(r.body.feedback[0].message.en).toMatch(/^Line 1: "\)" without a matching "\("/);
    expect(r.body.feedback[40]).toMatchObject({ level: 'error', code: 'feedback.more', message: { en: '…and 59960 more lines (59960 errors) not shown.', 'zh-CN': '……还有 59960 行没有显示（其中 59960 个错误）。' } });
    // What the attempt keeps is what was shown.
    const progress = (await call('/api/progress', { cookie })).body;
    const stored = await lab.learners.attempts(progress.learner.id, 'dns-dmarc');
    expect(stored.map((a) => a.feedback)).toEqual([r.body.feedback]);
  });

  it('postconf agrees the value grows past the limit (Postfix itself expands it all, 3 MB of it)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'maillab-laugh-'));
    try {
      await writeFile(join(dir, 'main.cf'), `${laugh}\n`);
      await writeFile(join(dir, 'master.cf'), '');
      const r = await run('postconf', ['-c', dir, '-x', '-h', 'mydestination']);
      expect(r.code).toBe(0);
      expect(r.stdout.trim().length).toBeGreaterThan(100_000);
      expect(r.stdout.trim().split(' ').length).toBe(8 ** 6);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
