/**
 * The lab's own records in SQLite (better-sqlite3, WAL) at <dataDir>/maillab.sqlite: learners,
 * the tokens their browsers hold, and every graded attempt. Schema changes are numbered
 * migrations applied in order at start-up, so classroom mode can add instructors and classes
 * as further migrations.
 */
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { CLASSROOM_MIGRATION } from './classroom.js';

export const DATABASE_FILE = 'maillab.sqlite';

/** Each entry runs once, in a transaction, and is recorded in schema_migrations. */
export const MIGRATIONS: ReadonlyArray<{ version: number; name: string; sql: string }> = [
  {
    version: 1,
    name: 'learners and attempts',
    sql: `
      CREATE TABLE learners (
        id TEXT PRIMARY KEY,
        sandbox_id TEXT NOT NULL,
        anonymous INTEGER NOT NULL DEFAULT 1,
        display_name TEXT,
        created_at TEXT NOT NULL,
        last_seen_at TEXT NOT NULL
      );
      -- A browser proves who it is with a random token; only its SHA-256 is stored.
      CREATE TABLE learner_tokens (
        token_hash TEXT PRIMARY KEY,
        learner_id TEXT NOT NULL REFERENCES learners(id) ON DELETE CASCADE,
        created_at TEXT NOT NULL
      );
      CREATE TABLE attempts (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        learner_id TEXT NOT NULL REFERENCES learners(id) ON DELETE CASCADE,
        exercise_id TEXT NOT NULL,
        answer TEXT NOT NULL,
        passed INTEGER NOT NULL,
        score INTEGER NOT NULL,
        feedback TEXT NOT NULL,
        created_at TEXT NOT NULL
      );
      CREATE INDEX attempts_by_learner ON attempts (learner_id, exercise_id, id);
    `,
  },
  CLASSROOM_MIGRATION,
];

export function openDatabase(dataDir: string): Database.Database {
  mkdirSync(dataDir, { recursive: true });
  const db = new Database(join(dataDir, DATABASE_FILE));
  db.pragma('journal_mode = WAL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  migrate(db);
  return db;
}

export function migrate(db: Database.Database): void {
  db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)');
  const applied = new Set((db.prepare('SELECT version FROM schema_migrations').all() as Array<{ version: number }>).map((r) => r.version));
  for (const m of MIGRATIONS) {
    if (applied.has(m.version)) continue;
    db.transaction(() => {
      db.exec(m.sql);
      db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(m.version, m.name, new Date().toISOString());
    })();
  }
}
