import { defineConfig } from 'vitest/config';

const shared = {
  // Integration tests start real servers and real client processes.
  testTimeout: 30_000,
  hookTimeout: 30_000,
  pool: 'forks' as const,
};

/**
 * Suites that touch the database run a second time on PostgreSQL (a private cluster per run);
 * *.pg.test.ts files run on PostgreSQL only (backups with pg_dump, several lab nodes).
 */
const STORE_SUITES = ['tests/unit/store.test.ts', 'tests/unit/login-throttle.test.ts', 'tests/integration/classroom.test.ts', 'tests/integration/exercises-api.test.ts', 'tests/**/*.pg.test.ts'];

export default defineConfig({
  test: {
    ...shared,
    projects: [
      { test: { ...shared, name: 'sqlite', include: ['tests/**/*.test.ts', 'lab-server/src/**/*.test.ts'], exclude: ['tests/**/*.pg.test.ts', '**/node_modules/**'] } },
      { test: { ...shared, name: 'postgres', include: STORE_SUITES, env: { MAILLAB_TEST_DATABASE: 'postgres' }, globalSetup: ['tests/helpers/postgresSetup.ts'] } },
    ],
  },
});
