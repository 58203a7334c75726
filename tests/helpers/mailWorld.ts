/**
 * The lab the mail-world tests share: a manual clock for the queue's retries, short retry
 * limits, two learners told apart by a header (as classroom mode tells them apart by cookie),
 * and after each test the seeded zones, both servers running and empty queues.
 */
import type { IncomingMessage } from 'node:http';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { ManualClock } from '../../lab-server/src/mta/clock.js';
import type { QueueEntry } from '../../lab-server/src/mta/queue.js';
import { startTestLab, type TestLab } from './lab.js';
import { maildirPath, readAllMessages } from './maildir.js';
import { api, LogWatch, mtasSettled } from './world.js';

export const FIRST_RETRY = 60_000;

export interface MailWorld {
  /** The lab and its log watch: both change at restart(). */
  readonly lab: TestLab;
  readonly log: LogWatch;
  readonly clock: ManualClock;
  /** Stops and starts the lab on the same data dir, with a new log watch. */
  restart(): Promise<void>;
  /** The default sandbox's queue, as the web API lists it. */
  queue(): Promise<Array<QueueEntry & { host: string }>>;
  /** Waits until no delivery attempt is running in the default sandbox. */
  settled(): Promise<void>;
  carolMessages(folder?: string): Promise<string[]>;
  aliceMessages(): Promise<string[]>;
}

/** Starts the shared lab for the test file that calls it (in its top level). */
export function useMailWorld(): MailWorld {
  const clock = new ManualClock();
  const requester = async (req: IncomingMessage) => (req.headers['x-learner'] === 'zhang' ? { sandboxId: 'zhang', learnerId: 'zhang' } : { sandboxId: 'default', learnerId: 'default' });
  const overrides = { world: { clock, retry: { firstRetryMs: FIRST_RETRY, maxRetryMs: 8 * FIRST_RETRY, maxAttempts: 4 }, timeoutMs: 5000 }, terminalRequester: requester };
  let lab: TestLab;
  let log: LogWatch;
  const world: MailWorld = {
    get lab() {
      return lab;
    },
    get log() {
      return log;
    },
    clock,
    async restart() {
      log.stop();
      lab = await lab.restart();
      log = new LogWatch(lab);
    },
    async queue() {
      return (await api<{ entries: Array<QueueEntry & { host: string }> }>(lab, 'GET', '/api/queue')).body.entries;
    },
    settled: () => mtasSettled(lab),
    carolMessages: (folder = '') => readAllMessages(maildirPath(lab.dataDir, 'default', 'carol@otherdomain.com', folder)),
    aliceMessages: () => readAllMessages(maildirPath(lab.dataDir, 'default', 'alice@example.com')),
  };
  beforeAll(async () => {
    lab = await startTestLab(overrides);
    log = new LogWatch(lab);
  });
  afterAll(async () => {
    log?.stop();
    await lab?.dispose();
  });
  afterEach(async () => {
    for (const zone of ['example.com', 'otherdomain.com']) await api(lab, 'POST', `/api/zones/${zone}/restore`);
    await api(lab, 'POST', '/api/world/mtas/otherdomain.com/start');
    await api(lab, 'POST', '/api/queue/flush');
    await world.settled();
  });
  return world;
}
