/**
 * Which database the tests run on: SQLite in the data dir (the "sqlite" project), or a fresh
 * database in the run's private PostgreSQL cluster (the "postgres" project, see vitest.config.ts).
 */
import { createDatabase, dropDatabase } from './postgres.js';

export const TEST_BACK_END: 'sqlite' | 'postgres' = process.env.MAILLAB_TEST_DATABASE === 'postgres' ? 'postgres' : 'sqlite';

/** A new empty PostgreSQL database of the run's cluster, and how to drop it. */
export async function freshPostgresDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  // Imported here so the benchmark, which runs outside vitest, can load this file.
  const { inject } = await import('vitest');
  const admin = inject('postgresAdminUrl');
  const url = await createDatabase(admin);
  return { url, drop: () => dropDatabase(admin, url) };
}

/**
 * The database URL a test lab should use: undefined on SQLite; on PostgreSQL a fresh database,
 * also put in MAILLAB_DATABASE_URL so `maillab` commands the test runs reach the same one.
 */
export async function testDatabase(): Promise<{ url: string | undefined; drop(): Promise<void> }> {
  if (TEST_BACK_END === 'sqlite') return { url: undefined, drop: async () => undefined };
  const made = await freshPostgresDatabase();
  process.env.MAILLAB_DATABASE_URL = made.url;
  return made;
}
