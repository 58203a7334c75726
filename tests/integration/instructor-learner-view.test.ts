/**
 * The instructor's view of one learner stays small whatever the learner submitted: every
 * exercise tried again and again with answers as large as the lab takes (64 KB).
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { hashPassword } from '../../lab-server/src/classroom/passwords.js';
import { defaultWorld } from '../../lab-server/src/world/definition.js';
import { startTestLab, type TestLab } from '../helpers/lab.js';

let lab: TestLab;
beforeAll(async () => {
  lab = await startTestLab({ mode: 'classroom' });
}, 30_000);
afterAll(async () => {
  await lab?.dispose();
});

it('sends the attempts of a learner without their answers: what went wrong, not 35 MB of answers', async () => {
  const instructor = await lab.classroom.addInstructor('wang', await hashPassword('instructor password'));
  const klass = await lab.classroom.createClass('Big answers', instructor.id);
  const token = await lab.classroom.startInstructorSession(instructor.id);
  const sandboxId = `learner-${randomBytes(6).toString('hex')}`;
  await lab.sandboxes.create(sandboxId, defaultWorld());
  const { learner } = await lab.classroom.join(klass.id, { sandboxId, displayName: '李四', passwordHash: await hashPassword('learner password') });
  // Twelve answers of 60 KB to every exercise: the store keeps the latest ten and the first pass.
  const answer = `${'x'.repeat(60_000)}`;
  const exercises = lab.exercises.list.map((e) => e.id);
  for (const exerciseId of exercises) {
    for (let i = 0; i < 12; i++) {
      const feedback = [{ level: 'error' as const, code: 'mx-missing', message: { en: `Attempt ${i}: the MX record is missing.`, 'zh-CN': `第 ${i} 次：缺少 MX 记录。` } }];
      await lab.learners.recordAttempt({ learnerId: learner.id, exerciseId, answer, passed: i === 0, score: i === 0 ? 100 : 0, feedback });
    }
  }
  const response = await fetch(`http://127.0.0.1:${lab.httpPort}/api/classes/${klass.id}/learners/${learner.id}`, { headers: { cookie: `maillab_instructor=${token}` } });
  expect(response.status).toBe(200);
  const raw = await response.text();
  // Ten and the first pass of each exercise, each with its feedback; the answers (the page shows none) stay out.
  const view = JSON.parse(raw) as { attempts: Array<Record<string, unknown>>; attemptCounts: Record<string, number> };
  expect(view.attempts).toHaveLength(exercises.length * 11);
  expect(view.attempts.every((a) => !('answer' in a))).toBe(true);
  expect(view.attempts.find((a) => a.passed)).toMatchObject({ score: 100, feedback: [{ message: { en: 'Attempt 0: the MX record is missing.' } }] });
  expect(Object.values(view.attemptCounts).every((n) => n === 12)).toBe(true);
  expect(raw.length).toBeLessThan(1024 * 1024);
}, 120_000);
