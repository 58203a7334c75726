/**
 * Starts a real lab for a test: a fresh data dir, every listener on 127.0.0.1 on a free port
 * (port 0), so test files can run in parallel without colliding.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultConfig, startLab, type Lab, type LabConfig } from '../../lab-server/src/lab.js';
import { silentLogger } from '../../lab-server/src/log.js';
import { SERVICES } from '../../lab-server/src/services.js';

export interface TestLab extends Lab {
  dataDir: string;
  /** Stops the lab and removes its data dir. */
  dispose(): Promise<void>;
  /** Stops and starts the lab again on the same data dir (ports change). */
  restart(): Promise<TestLab>;
}

export async function startTestLab(overrides: Partial<LabConfig> = {}, dataDir?: string): Promise<TestLab> {
  const dir = dataDir ?? (await mkdtemp(join(tmpdir(), 'maillab-test-')));
  const ports = Object.fromEntries([...SERVICES.map((s) => [s.id, 0]), ['http', 0], ['dns', 0]]);
  const lab = await startLab(defaultConfig({ dataDir: dir, host: '127.0.0.1', ports, log: silentLogger, ...overrides }));
  const testLab: TestLab = Object.assign(lab, {
    dataDir: dir,
    async dispose() {
      await lab.stop();
      await rm(dir, { recursive: true, force: true });
    },
    async restart() {
      await lab.stop();
      return startTestLab(overrides, dir);
    },
  });
  return testLab;
}
