/**
 * "Another learner works while the attack runs": a loop of small requests (any protocol) whose
 * reply times are recorded, with a watch on the lab's event loop (see neighbour.ts), so a test
 * can assert that one client's attack did not stall everyone else.
 */
import { cpuWaitMs, percentile, watchEventLoop } from './neighbour.js';

export interface BystanderReport {
  replies: number;
  worstMs: number;
  /**
   * Every reply time, in order, less the time the event-loop thread spent waiting for a CPU
   * meanwhile (as neighbour.ts measures): on a machine shared with other test runs that wait
   * is the machine's, not the lab's. A lab that stalls is busy on its CPU, and still counts.
   */
  timesMs: number[];
  /** Errors the bystander met (a refused or dropped request counts). */
  errors: string[];
  /** The longest stretch the lab's event loop was kept busy (CPU time, not waiting for a CPU). */
  loopBusyMs: number;
}

export interface Bystander {
  stop(): Promise<BystanderReport>;
}

/** Repeats `step` (one request and its reply) every `pauseMs` until stopped. */
export function startBystander(step: () => Promise<void>, pauseMs = 20): Bystander {
  const report: BystanderReport = { replies: 0, worstMs: 0, timesMs: [], errors: [], loopBusyMs: 0 };
  const loop = watchEventLoop();
  let running = true;
  const work = (async () => {
    while (running) {
      const started = performance.now();
      const waited = cpuWaitMs();
      try {
        await step();
        const ms = Math.max(0, performance.now() - started - (cpuWaitMs() - waited));
        report.replies++;
        report.timesMs.push(ms);
        report.worstMs = Math.max(report.worstMs, ms);
      } catch (err) {
        report.errors.push((err as Error).message);
      }
      await new Promise((r) => setTimeout(r, pauseMs));
    }
  })();
  return {
    async stop() {
      running = false;
      await work;
      report.loopBusyMs = loop.worstBusyMs();
      loop.stop();
      return report;
    },
  };
}

/**
 * The learner next door was not held up: no errors, replies kept coming, the lab's event loop
 * was never busy for 100 ms at a stretch (what keeps replies within 200 ms on a machine of its
 * own), 95% of replies within 500 ms and none over a second. Reply times leave out the event
 * loop's waits for a CPU, and the bounds leave room for the rest (other processes' waits, the
 * disk) when other test runs share the machine; a stalled lab misses them by far.
 */
export function unhurt(report: BystanderReport): string[] {
  const problems: string[] = [];
  const p95 = percentile(report.timesMs, 95);
  if (report.errors.length) problems.push(`errors: ${report.errors.slice(0, 3).join('; ')}`);
  if (report.replies < 3) problems.push(`only ${report.replies} replies`);
  if (report.loopBusyMs >= 100) problems.push(`event loop busy for ${Math.round(report.loopBusyMs)} ms`);
  if (p95 >= 500) problems.push(`95% of replies within ${Math.round(p95)} ms`);
  if (report.worstMs >= 1000) problems.push(`a reply took ${Math.round(report.worstMs)} ms`);
  return problems;
}
