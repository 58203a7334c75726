/**
 * What one classroom server holds: 200 learners with sandboxes (time to create one, memory and
 * disk per sandbox) and the dashboard's response time with 200 learners × 24 exercises of
 * attempts, then a big class's (1,000 × 34, in SQLite). Runs a lab in this process: learners are created through the same store and
 * sandbox API the join route uses (the join route's rate limit would otherwise pace it).
 */
import { randomBytes } from 'node:crypto';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { generatePassword, hashPassword } from '../../lab-server/src/classroom/passwords.js';
import { defaultWorld } from '../../lab-server/src/world/definition.js';
import { startTestLab } from '../helpers/lab.js';
import { BIG_CLASS_EXERCISES, seedBigClass, timeDashboard } from './bigClass.js';

const LEARNERS = 200;
const EXERCISES = 24;

async function du(path: string): Promise<number> {
  let total = 0;
  for (const entry of await readdir(path, { withFileTypes: true })) {
    const p = join(path, entry.name);
    total += entry.isDirectory() ? await du(p) : (await stat(p)).size;
  }
  return total;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

export async function benchClassroom(): Promise<Record<string, number>> {
  const lab = await startTestLab({ mode: 'classroom' });
  try {
    const instructor = await lab.classroom.addInstructor('bench', await hashPassword('bench password'));
    const klass = await lab.classroom.createClass('Bench class', instructor.id);
    const token = await lab.classroom.startInstructorSession(instructor.id);
    const passwordHash = await hashPassword('learner password');
    global.gc?.();
    const rssBefore = process.memoryUsage().rss;
    const createMs: number[] = [];
    const sandboxIds: string[] = [];
    for (let i = 0; i < LEARNERS; i++) {
      const started = performance.now();
      const world = defaultWorld();
      world.users = world.users.map((u) => ({ ...u, password: generatePassword() }));
      const sandboxId = `learner-${randomBytes(6).toString('hex')}`;
      await lab.sandboxes.create(sandboxId, world);
      const { learner } = await lab.classroom.join(klass.id, { sandboxId, displayName: `学生 ${i}`, passwordHash });
      createMs.push(performance.now() - started);
      sandboxIds.push(sandboxId);
      const exercises = lab.exercises.list.slice(0, EXERCISES);
      for (const [j, e] of exercises.entries()) {
        await lab.learners.recordAttempt({ learnerId: learner.id, exerciseId: e.id, answer: 'x', passed: (i + j) % 3 === 0, score: 50, feedback: [] });
      }
    }
    global.gc?.();
    const rssAfter = process.memoryUsage().rss;
    const disk = await du(join(lab.dataDir, 'sandboxes', sandboxIds[0]!));

    const url = `http://127.0.0.1:${lab.httpPort}/api/classes/${klass.id}/progress`;
    const times: number[] = [];
    for (let i = 0; i < 20; i++) {
      const started = performance.now();
      const response = await fetch(url, { headers: { cookie: `maillab_instructor=${token}` } });
      const body = (await response.json()) as { learners: unknown[] };
      if (body.learners.length !== LEARNERS) throw new Error('dashboard did not list every learner');
      times.push(performance.now() - started);
    }
    const csvStarted = performance.now();
    await (await fetch(`${url}.csv`, { headers: { cookie: `maillab_instructor=${token}` } })).text();
    const csvMs = performance.now() - csvStarted;

    const big = await seedBigClass(lab.db, lab.classroom, instructor.id, lab.exercises.list.slice(0, BIG_CLASS_EXERCISES).map((e) => e.id));
    const bigTimes = await timeDashboard([`http://127.0.0.1:${lab.httpPort}`], big, token);

    return {
      learners: LEARNERS,
      exercises_with_attempts: Math.min(EXERCISES, lab.exercises.list.length),
      sandbox_create_ms_median: Math.round(median(createMs)),
      sandbox_create_ms_max: Math.round(Math.max(...createMs)),
      rss_mb_per_sandbox: Math.round(((rssAfter - rssBefore) / LEARNERS / 1024 / 1024) * 100) / 100,
      disk_kb_per_sandbox: Math.round(disk / 1024),
      dashboard_progress_ms_median: Math.round(median(times) * 10) / 10,
      dashboard_progress_ms_max: Math.round(Math.max(...times) * 10) / 10,
      dashboard_csv_ms: Math.round(csvMs * 10) / 10,
      big_class_dashboard_ms_median: Math.round(median(bigTimes) * 10) / 10,
      big_class_dashboard_ms_max: Math.round(Math.max(...bigTimes) * 10) / 10,
    };
  } finally {
    await lab.dispose();
  }
}
