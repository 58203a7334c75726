/**
 * The "break it on purpose" exercises test themselves for real: each step of a reference
 * solution or known-wrong answer is done the way a learner does it — zone edits and server
 * stop/start through the HTTP API, messages typed into the submission terminal over the
 * bridge — and the grader then reads the sandbox (logs, SPF/DKIM/DMARC reports, mailboxes).
 */
import { afterAll, beforeAll, expect } from 'vitest';
import { describeExperiments } from '../helpers/experiments.js';
import { startTestLab, type TestLab } from '../helpers/lab.js';
import { freshSandbox, runSession } from '../helpers/protocolScript.js';
import { api, editZone, LogWatch, mtasSettled } from '../helpers/world.js';

type Step =
  | { zone: string; replace?: [string, string]; regex?: [string, string]; restore?: boolean }
  | { mta: string; action: 'stop' | 'start' }
  | { session: { service: string; lines: string[] } }
  | { flush: true }
  | { expect: 'sent' | 'deferred' | 'bounced' };

let lab: TestLab;
let log: LogWatch;
beforeAll(async () => {
  lab = await startTestLab();
  log = new LogWatch(lab);
});
afterAll(async () => {
  log?.stop();
  await lab?.dispose();
});

async function perform(steps: Step[]): Promise<void> {
  await freshSandbox(lab);
  for (const step of steps) {
    if ('zone' in step) {
      if (step.restore) {
        expect((await api(lab, 'POST', `/api/zones/${step.zone}/restore`)).status).toBe(200);
        continue;
      }
      const saved = await editZone(lab, step.zone, (text) => {
        const changed = step.replace ? text.replace(step.replace[0], step.replace[1]) : text.replace(new RegExp(step.regex![0]), step.regex![1]);
        expect(changed, `the step ${JSON.stringify(step)} changes the zone`).not.toBe(text);
        return changed;
      });
      expect(saved.status, JSON.stringify(saved.body)).toBe(200);
    } else if ('mta' in step) {
      expect((await api(lab, 'POST', `/api/world/mtas/${step.mta}/${step.action}`)).status).toBe(200);
    } else if ('session' in step) {
      await runSession(lab, step.session.service, step.session.lines);
    } else if ('flush' in step) {
      await api(lab, 'POST', '/api/queue/flush');
    } else {
      expect(await log.next(/mail\.example\.com postfix\/smtp\[\d+\]: [0-9A-F]{10}: to=<carol@otherdomain\.com>/, { sandboxId: 'default' })).toContain(`status=${step.expect}`);
    }
  }
  await mtasSettled(lab);
}

const ids = ['world-server-down', 'world-no-mx', 'world-spf-fail', 'world-dkim-fail', 'world-dmarc-reject'];

describeExperiments<Step>(ids, () => lab, perform);
