/**
 * The SQLite store: migrations run once, learners are found by token (stored hashed), and
 * attempts and progress survive closing and reopening the database.
 */
import Database from 'better-sqlite3';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DATABASE_FILE, MIGRATIONS, openDatabase } from '../../lab-server/src/store/database.js';
import { LearnerStore } from '../../lab-server/src/store/learners.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'maillab-store-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('the store', () => {
  it('opens in WAL mode and applies each migration once', () => {
    const db = openDatabase(dir);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    db.close();
    const again = openDatabase(dir);
    const applied = again.prepare('SELECT version FROM schema_migrations ORDER BY version').all() as Array<{ version: number }>;
    expect(applied.map((r) => r.version)).toEqual(MIGRATIONS.map((m) => m.version));
    again.close();
  });

  it('finds learners by token and keeps only the token\'s hash', () => {
    const db = openDatabase(dir);
    const store = new LearnerStore(db);
    const { learner, token } = store.create({ sandboxId: 'default' });
    expect(learner).toMatchObject({ sandboxId: 'default', anonymous: true });
    expect(store.byToken(token)?.id).toBe(learner.id);
    expect(store.byToken('not-a-token')).toBeUndefined();
    const raw = JSON.stringify(db.prepare('SELECT * FROM learner_tokens').all());
    expect(raw).not.toContain(token);
    db.close();
  });

  it('keeps attempts and progress across a reopen', () => {
    let db = openDatabase(dir);
    let store = new LearnerStore(db);
    const { learner } = store.create({ sandboxId: 'default' });
    store.recordAttempt({ learnerId: learner.id, exerciseId: 'dns-mx', answer: 'wrong', passed: false, score: 40, feedback: [{ level: 'error', code: 'mx.order', message: { en: 'x', 'zh-CN': '叉' } }] });
    store.recordAttempt({ learnerId: learner.id, exerciseId: 'dns-mx', answer: 'right', passed: true, score: 100, feedback: [] });
    store.recordAttempt({ learnerId: learner.id, exerciseId: 'ports', answer: { p25: 'relay' }, passed: false, score: 10, feedback: [] });
    db.close();
    db = new Database(join(dir, DATABASE_FILE));
    store = new LearnerStore(db);
    const progress = store.progress(learner.id).sort((a, b) => a.exerciseId.localeCompare(b.exerciseId));
    expect(progress).toMatchObject([
      { exerciseId: 'dns-mx', attempts: 2, passed: true, bestScore: 100 },
      { exerciseId: 'ports', attempts: 1, passed: false, bestScore: 10 },
    ]);
    expect(progress[0]!.firstPassedAt).toBeDefined();
    const attempts = store.attempts(learner.id, 'dns-mx');
    expect(attempts.map((a) => a.answer)).toEqual(['wrong', 'right']);
    expect(attempts[0]!.feedback[0]!.code).toBe('mx.order');
    expect(store.attempts(learner.id, 'ports')[0]!.answer).toEqual({ p25: 'relay' });
    db.close();
  });

  it('refuses an attempt for a learner that does not exist', () => {
    const db = openDatabase(dir);
    const store = new LearnerStore(db);
    expect(() => store.recordAttempt({ learnerId: 'ghost', exerciseId: 'x', answer: null, passed: false, score: 0, feedback: [] })).toThrow(/FOREIGN KEY/);
    db.close();
  });
});
