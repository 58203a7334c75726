/**
 * The fault experiments test themselves for real: each step of a reference solution or
 * known-wrong answer is done the way a learner does it — faults armed through PUT /api/faults,
 * messages typed into the submission terminal over the bridge, "Flush queue", waiting — and the
 * grader then reads the sandbox (logs, mailboxes). The queue runs on a manual clock with the
 * lab's default retry timing, so "wait two minutes" takes no time.
 */
import { afterAll, beforeAll, expect } from 'vitest';
import { ManualClock } from '../../lab-server/src/mta/clock.js';
import { DEFAULT_RETRY } from '../../lab-server/src/mta/mta.js';
import { describeExperiments } from '../helpers/experiments.js';
import { startTestLab, type TestLab } from '../helpers/lab.js';
import { freshSandbox, runSession } from '../helpers/protocolScript.js';
import { api, LogWatch, mtasSettled } from '../helpers/world.js';

type Step = { faults: unknown[] } | { session: { service: string; lines: string[] } } | { flush: true } | { wait: number } | { expect: 'sent' | 'deferred' | 'bounced' };

const clock = new ManualClock();
let lab: TestLab;
let log: LogWatch;
beforeAll(async () => {
  lab = await startTestLab({ world: { clock, retry: DEFAULT_RETRY, timeoutMs: 5000 } });
  log = new LogWatch(lab);
});
afterAll(async () => {
  log?.stop();
  await lab?.dispose();
});

const settled = (): Promise<void> => mtasSettled(lab);

async function perform(steps: Step[]): Promise<void> {
  await freshSandbox(lab);
  // Lines from an earlier run must not answer this run's expectations.
  log.stop();
  log = new LogWatch(lab);
  for (const step of steps) {
    if ('faults' in step) {
      const r = await api(lab, 'PUT', '/api/faults', { faults: step.faults });
      expect(r.status, JSON.stringify(r.body)).toBe(200);
    } else if ('session' in step) {
      await runSession(lab, step.session.service, step.session.lines);
    } else if ('flush' in step) {
      await settled();
      await api(lab, 'POST', '/api/queue/flush');
    } else if ('wait' in step) {
      // The learner waits; the queue's own retries run as the minutes pass.
      for (let s = 0; s < step.wait * 60; s += 10) {
        await settled();
        clock.advance(10_000);
      }
    } else {
      // What the learner watches for in the log: the next attempt that ended this way.
      await log.next(new RegExp(`mail\\.example\\.com postfix/smtp\\[\\d+\\]: [0-9A-F]{10}: to=<carol@otherdomain\\.com>.*status=${step.expect} `), { sandboxId: 'default' });
    }
  }
  await settled();
}

const ids = ['world-greylisting', 'world-mailbox-full', 'world-dns-outage', 'world-dropped-before-dot'];

describeExperiments<Step>(ids, () => lab, perform);
