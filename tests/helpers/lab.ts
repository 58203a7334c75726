/**
 * Starts a real lab for a test: a fresh data dir, every listener on 127.0.0.1 on a free port
 * (port 0), so test files can run in parallel without colliding.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultConfig, startLab, type Lab, type LabConfig } from '../../lab-server/src/lab.js';
import { errorsOnlyLogger } from '../../lab-server/src/log.js';
import { SERVICES } from '../../lab-server/src/services.js';
import { testDatabase } from './database.js';

export interface TestLab extends Lab {
  dataDir: string;
  /** Stops the lab and removes its data dir. */
  dispose(): Promise<void>;
  /** Stops and starts the lab again on the same data dir (ports change). */
  restart(): Promise<TestLab>;
}

/**
 * Starts a lab on a fresh data dir (or `dataDir`). In the "postgres" test project it also gets
 * a fresh PostgreSQL database, kept across restart() and dropped by dispose().
 */
export async function startTestLab(overrides: Partial<LabConfig> = {}, dataDir?: string): Promise<TestLab> {
  const dir = dataDir ?? (await mkdtemp(join(tmpdir(), 'maillab-test-')));
  const database = overrides.database === undefined && !dataDir ? await testDatabase() : { url: overrides.database, drop: async () => undefined };
  const withDatabase = database.url ? { ...overrides, database: database.url } : overrides;
  const ports = Object.fromEntries([...SERVICES.map((s) => [s.id, 0]), ['http', 0], ['dns', 0]]);
  const lab = await startLab(defaultConfig({ dataDir: dir, host: '127.0.0.1', ports, log: errorsOnlyLogger, ...withDatabase }));
  const testLab: TestLab = Object.assign(lab, {
    dataDir: dir,
    async dispose() {
      // stop() waits for the POP3/IMAP sessions it cut off; the removal still retries, as
      // operations.test.ts once met ENOTEMPTY in a .Sent folder after stop (another writer).
      await lab.stop();
      await rm(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
      await database.drop();
    },
    async restart() {
      await lab.stop();
      return startTestLab(withDatabase, dir);
    },
  });
  return testLab;
}
