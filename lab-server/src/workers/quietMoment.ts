/**
 * Background work that may wait (compiling code ahead of need) is started at a quiet moment: when
 * the event loop has been under QUIET busy for two checks in a row. Started at once, it took the
 * CPU that the clients of a just-restarted lab were waiting on (measured: SELECT and FETCH of a
 * 5,000-message folder right after a restart, 52-65 ms alone, 116-233 ms beside a warm-up).
 */
import { performance, type EventLoopUtilization } from 'node:perf_hooks';

/**
 * 100 ms: a lab that has just started and gone quiet is warm ~0.55 s after it listens. With 250 ms
 * checks the warm-up ended ~0.75 s after, and 5,000 messages delivered and FETCHed within that
 * second met it half done (first FETCH ENVELOPE 148 ms against 112 ms warm, in the bench).
 */
const CHECK_MS = 100;
/** Share of the last check's time the event loop was busy, below which it counts as quiet. */
const QUIET = 0.1;

/** Calls `then` once, at the first quiet moment; never keeps the process alive for it. */
export function atQuietMoment(then: () => void): void {
  let last: EventLoopUtilization = performance.eventLoopUtilization();
  let quietChecks = 0;
  const timer = setInterval(() => {
    const now = performance.eventLoopUtilization();
    quietChecks = performance.eventLoopUtilization(now, last).utilization < QUIET ? quietChecks + 1 : 0;
    last = now;
    if (quietChecks < 2) return;
    clearInterval(timer);
    then();
  }, CHECK_MS);
  timer.unref();
}
