/**
 * The dashboard of a big class: 1,000 learners × 34 exercises of attempts written straight into
 * the store (no sandboxes), then its progress matrix fetched over HTTP. Shared by the one-node
 * (SQLite) and two-node (PostgreSQL) benchmarks.
 */
import { hashPassword } from '../../lab-server/src/classroom/passwords.js';
import type { ClassroomStore } from '../../lab-server/src/store/classroom.js';
import { LearnerStore } from '../../lab-server/src/store/learners.js';
import type { Sql } from '../../lab-server/src/store/sql.js';

export const BIG_CLASS_LEARNERS = 1000;
export const BIG_CLASS_EXERCISES = 34;

/** Makes the class and its attempts; resolves to the class id. */
export async function seedBigClass(db: Sql, classroom: ClassroomStore, instructorId: string, exerciseIds: readonly string[]): Promise<string> {
  const big = await classroom.createClass('Big', instructorId);
  const hash = await hashPassword('x');
  for (let i = 0; i < BIG_CLASS_LEARNERS; i++) {
    const { learner } = await classroom.join(big.id, { sandboxId: `bench-${i}`, displayName: `learner ${i}`, passwordHash: hash });
    await db.transaction(async (tx) => {
      const store = new LearnerStore(tx);
      for (const [e, exerciseId] of exerciseIds.entries()) await store.recordAttempt({ learnerId: learner.id, exerciseId, answer: 'x', passed: (i + e) % 3 === 0, score: 50, feedback: [] });
    });
  }
  return big.id;
}

/** Milliseconds of `times` fetches of the class's matrix, taking turns over `bases`. */
export async function timeDashboard(bases: readonly string[], classId: string, token: string, times = 20): Promise<number[]> {
  const ms: number[] = [];
  for (let i = 0; i < times; i++) {
    const t = performance.now();
    const r = await fetch(`${bases[i % bases.length]!.replace(/\/$/, '')}/api/classes/${classId}/progress`, { headers: { cookie: `maillab_instructor=${token}` } });
    const body = (await r.json()) as { learners: unknown[] };
    if (body.learners.length !== BIG_CLASS_LEARNERS) throw new Error('the dashboard did not list every learner');
    ms.push(performance.now() - t);
  }
  return ms;
}
