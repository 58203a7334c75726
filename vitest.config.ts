import { relative } from 'node:path';
import { BaseSequencer, type TestSpecification } from 'vitest/node';
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
const STORE_SUITES = ['tests/unit/store.test.ts', 'tests/unit/login-throttle.test.ts', 'tests/integration/classroom.test.ts', 'tests/integration/exercises-api.test.ts', 'tests/integration/classroom-scoping.test.ts', 'tests/integration/learner-password.test.ts', 'tests/unit/name-keys.test.ts', 'tests/integration/instructor-password.test.ts', 'tests/integration/instructor-names.test.ts', 'tests/**/*.pg.test.ts'];

/**
 * The files that take minutes, longest first. They start before everything else: on a fresh
 * clone (CI) vitest knows no durations and starts the biggest files first, which left these
 * small files to run last, alone.
 */
const LONG_POLES = ['tests/integration/exercises-realtools.test.ts', 'tests/e2e/phone.test.ts', 'tests/e2e/site-quality.test.ts', 'tests/integration/connection-caps.test.ts'];

/**
 * Work that is heavy by design, in files that judge the lab's event loop meanwhile (never busy
 * 100 ms at a stretch): floods of thousands of sockets that all act at once, messages of many
 * megabytes, answers built to keep the grader busy, and terminals flooding their transcripts. Node alone spends 20-35 us of CPU on each socket's read and hang-up here, all
 * in one turn (libuv reads every ready socket before it looks at timers), and that cost doubles
 * when the machine's two cores are shared with Chromium and the other test files: a bare Node
 * server facing the same 3,000 hang-ups was busy 60-230 ms at load 12. So these files run
 * last and one at a time, where what they measure is the lab, not the load.
 */
const HEAVY = ['tests/integration/tls-flood.test.ts', 'tests/integration/connection-flood.test.ts', 'tests/integration/imap-big-append.test.ts', 'tests/integration/quota.test.ts', 'tests/integration/grader-bombs.test.ts', 'tests/integration/transcript-flood.test.ts'];

class LongPolesFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const rank = (f: TestSpecification): number => {
      const i = LONG_POLES.indexOf(relative(f.project.config.root, f.moduleId));
      return i < 0 ? LONG_POLES.length : i;
    };
    // Array.prototype.sort is stable: the rest keep vitest's own order.
    return (await super.sort(files)).sort((a, b) => rank(a) - rank(b));
  }
}

export default defineConfig({
  test: {
    ...shared,
    // vitest's default on two cores is one worker, so every file ran after the other. Most
    // files mostly wait (for servers, tool processes, Chromium): two share the cores well.
    maxWorkers: 2,
    sequence: { sequencer: LongPolesFirst },
    projects: [
      { test: { ...shared, name: 'sqlite', include: ['tests/**/*.test.ts', 'lab-server/src/**/*.test.ts'], exclude: ['tests/**/*.pg.test.ts', '**/node_modules/**', ...HEAVY], maxWorkers: 2, sequence: { groupOrder: 0 } } },
      { test: { ...shared, name: 'postgres', include: STORE_SUITES, env: { MAILLAB_TEST_DATABASE: 'postgres' }, globalSetup: ['tests/helpers/postgresSetup.ts'], maxWorkers: 2, sequence: { groupOrder: 0 } } },
      { test: { ...shared, name: 'heavy', include: HEAVY, maxWorkers: 1, sequence: { groupOrder: 1 } } },
    ],
  },
});
