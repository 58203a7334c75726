/**
 * The limits a class keeps across lab nodes: two labs on one PostgreSQL each take an
 * instructor's class creations, or learners' joins, at once. Counted in one process only, each
 * node saw 199 classes (or a free place in a class) and both made one; the database now settles
 * it, so an instructor never has more classes, nor a class more learners, than the limit.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_CLASSES_PER_INSTRUCTOR } from '../../lab-server/src/classroom/classNames.js';
import { hashPassword } from '../../lab-server/src/classroom/passwords.js';
import { freshPostgresDatabase } from '../helpers/database.js';
import { startTestLab, type TestLab } from '../helpers/lab.js';

let database: { url: string; drop(): Promise<void> };
let nodes: TestLab[] = [];

async function post(lab: TestLab, path: string, body: unknown, cookie = ''): Promise<{ status: number; cookie: string }> {
  const response = await fetch(`http://127.0.0.1:${lab.httpPort}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...(cookie ? { cookie } : {}) }, body: JSON.stringify(body) });
  await response.arrayBuffer();
  return { status: response.status, cookie: (response.headers.get('set-cookie') ?? '').split(';')[0]! };
}

beforeAll(async () => {
  database = await freshPostgresDatabase();
  // Classes of one learner: every join of two at once races for the last place.
  const options = { mode: 'classroom' as const, database: database.url, limits: { classLearners: 1 } };
  nodes = await Promise.all([startTestLab(options), startTestLab(options)]);
}, 60_000);
afterAll(async () => {
  for (const lab of nodes) await lab.dispose();
  await database?.drop();
});

describe('classes of one instructor on two nodes', () => {
  it(`never pass ${MAX_CLASSES_PER_INSTRUCTOR} when both nodes create at once`, async () => {
    const [a, b] = nodes as [TestLab, TestLab];
    const zhou = await a.classroom.addInstructor('Ms Zhou', await hashPassword('zhou password 1'));
    for (let i = 1; i < MAX_CLASSES_PER_INSTRUCTOR; i++) await a.classroom.createClass(`Group ${i}`, zhou.id);
    const cookies = [(await post(a, '/api/instructor/login', { name: 'Ms Zhou', password: 'zhou password 1' })).cookie, (await post(b, '/api/instructor/login', { name: 'Ms Zhou', password: 'zhou password 1' })).cookie];
    // Rounds at one short of the limit: two creations on each node at once, so each node's own
    // queue takes them in turn but the two nodes race. Exactly one of the four may pass.
    const counts: number[] = [];
    for (let round = 0; round < 20; round++) {
      const burst = await Promise.all(Array.from({ length: 4 }, (_, i) => post(i % 2 ? b : a, '/api/classes', { name: `Burst ${round}.${i}` }, cookies[i % 2])));
      counts.push(await a.db.get<{ n: number }>('SELECT COUNT(*) AS n FROM classes WHERE instructor_id = ?', [zhou.id]).then((r) => r!.n));
      expect(burst.map((r) => r.status).sort()).toEqual([201, 403, 403, 403]);
      await a.db.run("DELETE FROM classes WHERE instructor_id = ? AND name LIKE 'Burst %'", [zhou.id]);
    }
    expect(counts).toEqual(Array(20).fill(MAX_CLASSES_PER_INSTRUCTOR));
  });

  it('never take more learners into a class than it holds when both nodes take joins at once', async () => {
    const [a, b] = nodes as [TestLab, TestLab];
    const wu = await a.classroom.addInstructor('Mr Wu', 'hash');
    for (let round = 0; round < 3; round++) {
      const klass = await a.classroom.createClass(`Tiny ${round}`, wu.id);
      const joins = await Promise.all([a, b].map((lab, i) => post(lab, '/api/join', { code: klass.joinCode, displayName: `Learner ${round}.${i}`, password: 'learner password 1' })));
      expect(joins.map((j) => j.status).sort()).toEqual([201, 403]);
      expect(await a.classroom.memberCount(klass.id)).toBe(1);
    }
    // The loser's sandbox was made, then removed: no sandbox is left without a learner.
    const sandboxes = [...(await a.sandboxes.list()), ...(await b.sandboxes.list())].filter((id) => id !== 'default');
    expect(sandboxes.sort()).toEqual((await a.db.all<{ sandbox_id: string }>('SELECT sandbox_id FROM learners')).map((r) => r.sandbox_id).sort());
  }, 120_000);
});
