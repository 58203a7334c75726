/**
 * The data-access layer, on whichever back end this test project runs (SQLite, or the private
 * PostgreSQL cluster): migrations run once, learners are found by token (stored hashed),
 * attempts and progress survive reopening, constraints hold against concurrent writers, the
 * rate limits are shared, and transactions are all or nothing.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SESSIONS_KEPT } from '../../lab-server/src/store/browserSessions.js';
import { ClassroomStore } from '../../lab-server/src/store/classroom.js';
import { openDatabase } from '../../lab-server/src/store/database.js';
import { ATTEMPTS_KEPT, LearnerStore } from '../../lab-server/src/store/learners.js';
import { MIGRATIONS } from '../../lab-server/src/store/migrations.js';
import { RateLimitCounters } from '../../lab-server/src/store/rateLimits.js';
import { ConstraintViolation, TextWithNul, type Database } from '../../lab-server/src/store/sql.js';
import { TEST_BACK_END, testDatabase } from '../helpers/database.js';

let dir: string;
let url: string | undefined;
let drop: () => Promise<void>;
const open: Database[] = [];
/**
 * A second writer: on PostgreSQL another connection pool, as another node has; SQLite's other
 * writers are other processes (a lab and a `maillab` command), so in one process it is the same one.
 */
const secondWriter = async (first: Database): Promise<Database> => (TEST_BACK_END === 'sqlite' ? first : reopen());
const reopen = async (): Promise<Database> => {
  const db = await openDatabase(dir, url);
  open.push(db);
  return db;
};

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'maillab-store-'));
  ({ url, drop } = await testDatabase());
});
afterEach(async () => {
  for (const db of open.splice(0)) await db.close();
  await rm(dir, { recursive: true, force: true });
  await drop();
});

describe(`the store on ${TEST_BACK_END}`, () => {
  it('applies each migration once, even when two nodes start at the same moment', async () => {
    const [a, b] = TEST_BACK_END === 'sqlite' ? [await reopen(), await reopen()] : await Promise.all([reopen(), reopen()]);
    expect(a.dialect).toBe(TEST_BACK_END);
    const applied = await b.all<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version');
    expect(applied.map((r) => r.version)).toEqual(MIGRATIONS.map((m) => m.version));
    await a.close();
    const again = await reopen();
    expect((await again.all('SELECT version FROM schema_migrations')).length).toBe(MIGRATIONS.length);
  });

  it("finds learners by token and keeps only the token's hash", async () => {
    const db = await reopen();
    const store = new LearnerStore(db);
    const { learner, token } = await store.create({ sandboxId: 'default' });
    expect(learner).toMatchObject({ sandboxId: 'default', anonymous: true });
    expect((await store.byToken(token))?.id).toBe(learner.id);
    expect(await store.byToken('not-a-token')).toBeUndefined();
    const raw = JSON.stringify(await db.all('SELECT * FROM learner_tokens'));
    expect(raw).not.toContain(token);
  });

  it('keeps attempts and progress across a reopen', async () => {
    let db = await reopen();
    let store = new LearnerStore(db);
    const { learner } = await store.create({ sandboxId: 'default' });
    await store.recordAttempt({ learnerId: learner.id, exerciseId: 'dns-mx', answer: 'wrong', passed: false, score: 40, feedback: [{ level: 'error', code: 'mx.order', message: { en: 'x', 'zh-CN': '叉' } }] });
    const right = await store.recordAttempt({ learnerId: learner.id, exerciseId: 'dns-mx', answer: 'right', passed: true, score: 100, feedback: [] });
    expect(right.id).toBeGreaterThan(0);
    await store.recordAttempt({ learnerId: learner.id, exerciseId: 'ports', answer: { p25: 'relay' }, passed: false, score: 10, feedback: [] });
    await db.close();
    db = await reopen();
    store = new LearnerStore(db);
    const progress = (await store.progress(learner.id)).sort((a, b) => a.exerciseId.localeCompare(b.exerciseId));
    expect(progress).toMatchObject([
      { exerciseId: 'dns-mx', attempts: 2, passed: true, bestScore: 100 },
      { exerciseId: 'ports', attempts: 1, passed: false, bestScore: 10 },
    ]);
    expect(typeof progress[0]!.attempts).toBe('number');
    expect(progress[0]!.firstPassedAt).toBeDefined();
    const attempts = await store.attempts(learner.id, 'dns-mx');
    expect(attempts.map((a) => a.answer)).toEqual(['wrong', 'right']);
    expect(attempts[0]!.feedback[0]!.code).toBe('mx.order');
    expect((await store.attempts(learner.id, 'ports'))[0]!.answer).toEqual({ p25: 'relay' });
    expect((await store.attempts(learner.id)).length).toBe(3);
  });

  it('keeps the latest ten attempts of each exercise and the first pass, and counts them all', async () => {
    const db = await reopen();
    const store = new LearnerStore(db);
    const { learner } = await store.create({ sandboxId: 'default' });
    const attempt = (exerciseId: string, n: number, passed = false) => store.recordAttempt({ learnerId: learner.id, exerciseId, answer: n, passed, score: passed ? 100 : 0, feedback: [] });
    for (let n = 1; n <= 25; n++) await attempt('dns-mx', n, n === 3 || n === 7);
    await attempt('ports', 1);
    expect((await store.attempts(learner.id, 'dns-mx')).map((a) => a.answer)).toEqual([3, ...Array.from({ length: ATTEMPTS_KEPT }, (_, i) => 16 + i)]);
    expect((await store.attempts(learner.id, 'ports')).map((a) => a.answer)).toEqual([1]);
    const mx = (await store.progress(learner.id)).find((p) => p.exerciseId === 'dns-mx');
    expect(mx).toMatchObject({ attempts: 25, passed: true, bestScore: 100 });
    expect(mx!.firstPassedAt).toBe((await store.attempts(learner.id, 'dns-mx'))[0]!.createdAt);
  });

  it('lets go of the attempts a database from before the bound kept', async () => {
    let db = await reopen();
    const { learner } = await new LearnerStore(db).create({ sandboxId: 'default' });
    await db.run('DELETE FROM schema_migrations WHERE version = 7');
    for (let n = 1; n <= 30; n++) {
      await db.run("INSERT INTO attempts (learner_id, exercise_id, answer, passed, score, feedback, created_at) VALUES (?, 'dns-mx', ?, ?, 0, '[]', ?)", [learner.id, String(n), n === 5 || n === 6 ? 1 : 0, new Date(Date.UTC(2026, 0, 1, 0, n)).toISOString()]);
    }
    await db.run("INSERT INTO attempts (learner_id, exercise_id, answer, passed, score, feedback, created_at) VALUES (?, 'ports', '1', 0, 0, '[]', '2026-01-02T00:00:00.000Z')", [learner.id]);
    await db.close();
    db = await reopen();
    const store = new LearnerStore(db);
    expect((await store.attempts(learner.id, 'dns-mx')).map((a) => a.answer)).toEqual([5, ...Array.from({ length: 10 }, (_, i) => 21 + i)]);
    expect((await store.attempts(learner.id, 'ports')).map((a) => a.answer)).toEqual([1]);
  });

  it('refuses an attempt for a learner that does not exist', async () => {
    const store = new LearnerStore(await reopen());
    await expect(store.recordAttempt({ learnerId: 'ghost', exerciseId: 'x', answer: null, passed: false, score: 0, feedback: [] })).rejects.toThrow(/FOREIGN KEY/);
  });

  it('lets only one of two learners joining at once take a display name, in any case', async () => {
    const a = await reopen();
    const b = await secondWriter(a);
    const classroom = new ClassroomStore(a);
    const instructor = await classroom.addInstructor('Ms Wang', 'hash');
    await expect(classroom.addInstructor('MS WANG', 'hash')).rejects.toBeInstanceOf(ConstraintViolation);
    expect((await classroom.instructorLogin('ms wang'))?.instructor.id).toBe(instructor.id);
    const klass = await classroom.createClass('Mail 101', instructor.id);
    const results = await Promise.allSettled([
      new ClassroomStore(a).join(klass.id, { sandboxId: 's1', displayName: '张三 Li', passwordHash: 'h1' }),
      new ClassroomStore(b).join(klass.id, { sandboxId: 's2', displayName: '张三 LI', passwordHash: 'h2' }),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const refused = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect(refused.reason).toBeInstanceOf(ConstraintViolation);
    // The loser left nothing behind: no learner row without a class.
    expect((await a.all('SELECT id FROM learners')).length).toBe(1);
    expect(await classroom.members(klass.id)).toHaveLength(1);
    expect(await classroom.memberLogin(klass.id, '张三 li')).toBeDefined();
    expect((await classroom.classesOf(instructor.id))[0]).toMatchObject({ name: 'Mail 101', learners: 1 });
  });

  it('lists a class\'s members as a class list is read, on either engine: Student 2 before Student 10, Chinese names by pinyin', async () => {
    const classroom = new ClassroomStore(await reopen());
    const instructor = await classroom.addInstructor('Ms Zhao', 'hash');
    const klass = await classroom.createClass('Mail 102', instructor.id);
    // Joined in an order of their own; the database's lower() order put 10 before 2, and 张 before 李 and 王 (code points).
    const names = ['Student 10', '王芳', 'student 2', 'Émile', '张伟', 'Student 1', '安娜', 'Zoe', '李雷'];
    for (const [i, displayName] of names.entries()) await classroom.join(klass.id, { sandboxId: `s${i}`, displayName, passwordHash: 'h' });
    expect((await classroom.members(klass.id)).map((m) => m.displayName)).toEqual(['安娜', '李雷', '王芳', '张伟', 'Émile', 'Student 1', 'student 2', 'Student 10', 'Zoe']);
  });

  it('keeps each person\'s newest browser sessions only, so logging in again and again does not grow the tables', async () => {
    const db = await reopen();
    const classroom = new ClassroomStore(db);
    const learners = new LearnerStore(db);
    const instructor = await classroom.addInstructor('Ms Qian', 'hash');
    const klass = await classroom.createClass('Mail 103', instructor.id);
    const { learner, token: joined } = await classroom.join(klass.id, { sandboxId: 's1', displayName: 'Sun', passwordHash: 'h' });
    const other = await classroom.join(klass.id, { sandboxId: 's2', displayName: 'Zhou', passwordHash: 'h' });
    // The join's session is the oldest: an hour ago.
    await db.run('UPDATE learner_tokens SET created_at = ? WHERE learner_id = ?', [new Date(Date.now() - 3600_000).toISOString(), learner.id]);
    const tokens: string[] = [];
    for (let i = 0; i < SESSIONS_KEPT + 5; i++) tokens.push(await classroom.startLearnerSession(learner.id));
    const rows = async (table: string, column: string, id: string) => (await db.all(`SELECT token_hash FROM ${table} WHERE ${column} = ?`, [id])).length;
    expect(await rows('learner_tokens', 'learner_id', learner.id)).toBe(SESSIONS_KEPT);
    expect(await learners.byToken(joined)).toBeUndefined();
    expect((await learners.byToken(tokens.at(-1)!))?.id).toBe(learner.id);
    expect((await Promise.all(tokens.map((t) => learners.byToken(t)))).filter(Boolean)).toHaveLength(SESSIONS_KEPT);
    // Another learner's session is not theirs to end.
    expect((await learners.byToken(other.token))?.id).toBe(other.learner.id);
    const first = await classroom.startInstructorSession(instructor.id);
    await db.run('UPDATE instructor_tokens SET created_at = ? WHERE instructor_id = ?', [new Date(Date.now() - 3600_000).toISOString(), instructor.id]);
    for (let i = 0; i < SESSIONS_KEPT + 5; i++) await classroom.startInstructorSession(instructor.id);
    expect(await rows('instructor_tokens', 'instructor_id', instructor.id)).toBe(SESSIONS_KEPT);
    expect(await classroom.instructorByToken(first)).toBeUndefined();
  });

  it('refuses a NUL in a text parameter alike on both engines, before the query (PostgreSQL\'s text cannot hold one)', async () => {
    const db = await reopen();
    await expect(db.get('SELECT id FROM learners WHERE id = ?', ['A\u0000B'])).rejects.toBeInstanceOf(TextWithNul);
    await expect(db.run('UPDATE learners SET display_name = ? WHERE id = ?', ['A\u0000B', 'x'])).rejects.toBeInstanceOf(TextWithNul);
    await expect(db.transaction((tx) => tx.all('SELECT id FROM learners WHERE id = ?', ['\u0000']))).rejects.toBeInstanceOf(TextWithNul);
    expect(await db.get('SELECT id FROM learners WHERE id = ?', ['A\\u0000B'])).toBeUndefined();
  });

  it('rolls a transaction back whole when any part fails', async () => {
    const db = await reopen();
    const learners = new LearnerStore(db);
    const { learner } = await learners.create({ sandboxId: 'default' });
    await expect(
      db.transaction(async (tx) => {
        await tx.run('UPDATE learners SET display_name = ? WHERE id = ?', ['changed', learner.id]);
        await tx.run('INSERT INTO learner_tokens (token_hash, learner_id, created_at) VALUES (?, ?, ?)', ['x', 'ghost', 'now']);
      }),
    ).rejects.toBeInstanceOf(ConstraintViolation);
    expect((await learners.get(learner.id))?.displayName).toBeUndefined();
  });

  it('counts rate-limited tries across nodes, and lets them through again later', async () => {
    const first = await reopen();
    const [a, b] = [new RateLimitCounters(first), new RateLimitCounters(await secondWriter(first))];
    const t = 1_000_000_000_000;
    const waits = [];
    for (let i = 0; i < 6; i++) waits.push(await (i % 2 ? a : b).hit('login:1.2.3.4', 5, 60_000, t + i));
    expect(waits.slice(0, 5)).toEqual([0, 0, 0, 0, 0]);
    expect(waits[5]).toBeGreaterThan(0);
    expect(waits[5]).toBeLessThanOrEqual(60);
    expect(await a.hit('login:5.6.7.8', 5, 60_000, t + 10)).toBe(0);
    // Two windows later nothing of it is left.
    expect(await b.hit('login:1.2.3.4', 5, 60_000, t + 130_000)).toBe(0);
  });

  it('tells a refused try the true wait, and refusals do not lengthen it', async () => {
    const counters = new RateLimitCounters(await reopen());
    const start = 1_000_000_020_000; // a window's first millisecond (a multiple of 60,000)
    const now = start + 5_000;
    for (let i = 0; i < 60; i++) expect(await counters.hit('attempt:l1', 60, 60_000, now)).toBe(0);
    // Five more clicks are refused; none of them counts, so each is told the same wait.
    const waits = [];
    for (let i = 0; i < 5; i++) waits.push(await counters.hit('attempt:l1', 60, 60_000, now));
    expect(new Set(waits).size).toBe(1);
    const wait = waits[0]!;
    // The 60 of this window fade in the next one: a whole try of them has faded a second into it.
    expect(wait).toBe(56);
    expect(await counters.hit('attempt:l1', 60, 60_000, now + (wait - 1) * 1000)).toBeGreaterThan(0);
    expect(await counters.hit('attempt:l1', 60, 60_000, now + wait * 1000)).toBe(0);
    // Now the window's new tries and the last one's fading ones are both counted: a slot frees
    // as the old ones fade, about one a second, and the wait says so.
    const later = now + wait * 1000;
    let refused = 0;
    for (let i = 0; i < 3 && !refused; i++) refused = await counters.hit('attempt:l1', 60, 60_000, later + 1);
    expect(refused).toBeGreaterThan(0);
    expect(refused).toBeLessThanOrEqual(2);
    expect(await counters.hit('attempt:l1', 60, 60_000, later + 1 + refused * 1000)).toBe(0);
  });
  it('counts the tries just before a window edge as whole tries just after it', async () => {
    // CI: five new passwords per ten minutes, two set 2 s before an edge and four after it all went
    // through, the two weighed 1.99 (3 + 1.99 < 5). A try is in the window or not: it counts whole.
    const counters = new RateLimitCounters(await reopen());
    const window = 10 * 60_000;
    const edge = 1_000_000_200_000; // a window's first millisecond (a multiple of 600,000)
    const waits = [];
    for (const at of [edge - 2000, edge - 1000, edge + 1000, edge + 1500, edge + 2000, edge + 2500]) waits.push(await counters.hit('new password:i1', 5, window, at));
    // The sixth is refused until half the window on, when one of the two has faded.
    expect(waits).toEqual([0, 0, 0, 0, 0, 298]);
    expect(await counters.recent('new password:i1', window, edge + 2500)).toBe(5);
    const wait = waits[5]!;
    expect(await counters.hit('new password:i1', 5, window, edge + 2500 + (wait - 1) * 1000)).toBeGreaterThan(0);
    expect(await counters.hit('new password:i1', 5, window, edge + 2500 + wait * 1000)).toBe(0);
  });

  it("keeps each learner's progress per exercise as attempts arrive from two nodes at once", async () => {
    const a = await reopen();
    const b = await secondWriter(a);
    const classroom = new ClassroomStore(a);
    const instructor = await classroom.addInstructor('Ms Li', 'hash');
    const klass = await classroom.createClass('Mail 102', instructor.id);
    const { learner } = await classroom.join(klass.id, { sandboxId: 's1', displayName: 'Zhao', passwordHash: 'h' });
    const other = await classroom.join(klass.id, { sandboxId: 's2', displayName: 'Qian', passwordHash: 'h' });
    const tries = Array.from({ length: 10 }, (_, i) => new LearnerStore(i % 2 ? a : b).recordAttempt({ learnerId: learner.id, exerciseId: 'dns-mx', answer: i, passed: i === 7, score: i * 10, feedback: [] }));
    await Promise.all(tries);
    await new LearnerStore(a).recordAttempt({ learnerId: other.learner.id, exerciseId: 'ports', answer: 'x', passed: false, score: 5, feedback: [] });
    const [mx] = await new LearnerStore(b).progress(learner.id);
    expect(mx).toMatchObject({ exerciseId: 'dns-mx', attempts: 10, passed: true, bestScore: 90 });
    const attempts = await new LearnerStore(a).attempts(learner.id);
    expect(mx!.firstPassedAt).toBe(attempts.find((t) => t.passed)!.createdAt);
    expect(mx!.lastAttemptAt).toBe(attempts.map((t) => t.createdAt).sort().at(-1));

    // The dashboard's cells: JSON per learner, late against the due date, only the exercises asked for.
    await classroom.setAssignment(klass.id, 'ports', '2000-01-01T00:00:00.000Z');
    const cells = await classroom.progressCells(klass.id, ['dns-mx', 'ports']);
    expect(JSON.parse(cells.get(learner.id)!)).toEqual({ 'dns-mx': { passed: true, attempts: 10, lastAttemptAt: mx!.lastAttemptAt, late: false } });
    expect(JSON.parse(cells.get(other.learner.id)!).ports).toMatchObject({ passed: false, attempts: 1, late: true });
    expect((await classroom.progressCells(klass.id, ['ports'])).has(learner.id)).toBe(false);
    expect(Object.fromEntries(await classroom.passCounts(klass.id))).toEqual({ 'dns-mx': 1 });
  });

  it('works out the progress of attempts recorded before progress was kept', async () => {
    let db = await reopen();
    const { learner } = await new LearnerStore(db).create({ sandboxId: 'default' });
    // A database from before migration 5: attempts only.
    await db.script('DROP TABLE exercise_progress');
    await db.run('DELETE FROM schema_migrations WHERE version = 5');
    for (const [i, passed] of [0, 1, 0].entries()) {
      await db.run("INSERT INTO attempts (learner_id, exercise_id, answer, passed, score, feedback, created_at) VALUES (?, 'smtp-send', 'null', ?, ?, '[]', ?)", [learner.id, passed, 30 + i, `2026-01-0${i + 1}T00:00:00.000Z`]);
    }
    await db.close();
    db = await reopen();
    expect(await new LearnerStore(db).progress(learner.id)).toEqual([
      { exerciseId: 'smtp-send', attempts: 3, passed: true, bestScore: 32, firstPassedAt: '2026-01-02T00:00:00.000Z', lastAttemptAt: '2026-01-03T00:00:00.000Z' },
    ]);
  });
});
