/**
 * The lab of the fault-injection files: its queue on a manual clock (a deferred message waits
 * for the test to move the clock or flush, never for a timer), the MTA log watched, and after
 * every test the faults disarmed and the queue flushed and settled.
 */
import { afterAll, beforeAll } from 'vitest';
import { ManualClock } from '../../lab-server/src/mta/clock.js';
import { useLabFile, type LabFile } from './labFile.js';
import type { TestLab } from './lab.js';
import { api, armFaults, LogWatch, mtasSettled, type FaultView } from './world.js';

/** The queue's first retry; later ones double up to 8 times this. */
export const FIRST_RETRY = 60_000;

export interface FaultsLab extends LabFile {
  /** The queue's clock: `advance` it to run the retries that are due. */
  clock: ManualClock;
  /** The lab's MTA log, read line by line. */
  log(): LogWatch;
  /** Arms these faults (and only these) as the world page does, through PUT /api/faults. */
  arm(faults: unknown[]): Promise<FaultView[]>;
  /** Resolves once every lab MTA is idle. */
  settled(): Promise<void>;
}

/** Registers the file's hooks around one such lab; call it at the top level of a test file. */
export function useFaultsLab(): FaultsLab {
  const clock = new ManualClock();
  let log: LogWatch | undefined;
  const arm = (faults: unknown[]): Promise<FaultView[]> => armFaults(file.lab(), faults);
  const settled = (): Promise<void> => mtasSettled(file.lab());
  const file = useLabFile({
    config: { world: { clock, retry: { firstRetryMs: FIRST_RETRY, maxRetryMs: 8 * FIRST_RETRY, maxAttempts: 6 }, timeoutMs: 5000 } },
    afterEach: async (lab: TestLab) => {
      await arm([]);
      await api(lab, 'POST', '/api/queue/flush');
      await settled();
    },
  });
  beforeAll(() => {
    log = new LogWatch(file.lab());
  });
  // Registered after the lab's own hooks, so it runs before the lab stops.
  afterAll(() => log?.stop());
  return {
    ...file,
    clock,
    log: () => log!,
    arm,
    settled,
  };
}
