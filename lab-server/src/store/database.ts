/**
 * Opens the lab's database: SQLite at <dataDir>/maillab.sqlite by default (nothing to set up),
 * or PostgreSQL when a postgres:// URL is given (--database, or MAILLAB_DATABASE_URL), which
 * several lab nodes share. Either way the numbered migrations run before anything else.
 */
import { join } from 'node:path';
import { migrate } from './migrations.js';
import type { Database } from './sql.js';

export const DATABASE_FILE = 'maillab.sqlite';

/** True for a URL that names a PostgreSQL database. */
export function isPostgresUrl(url: string | undefined): url is string {
  return typeof url === 'string' && /^postgres(ql)?:\/\//i.test(url);
}

/** The database a lab (or a `maillab` command) uses: `url` if given, else SQLite in the data dir. */
export async function openDatabase(dataDir: string, url?: string): Promise<Database> {
  // Only the driver in use is loaded: a `maillab` command on SQLite never pays for pg's.
  const db = isPostgresUrl(url) ? new (await import('./postgres.js')).PostgresDatabase(url) : (await import('./sqlite.js')).SqliteDatabase.open(join(dataDir, DATABASE_FILE));
  try {
    await migrate(db);
  } catch (err) {
    await db.close().catch(() => undefined);
    throw err;
  }
  return db;
}
