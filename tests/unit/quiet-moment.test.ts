/**
 * Background work waits for a quiet moment of the event loop (workers/quietMoment.ts): never
 * while the loop is busy serving, and soon once it is not.
 */
import { describe, expect, it } from 'vitest';
import { atQuietMoment } from '../../lab-server/src/workers/quietMoment.js';

/** Keeps the event loop ~90% busy for `ms`: 9 ms of work in every 10, as a loaded lab would. */
async function busyFor(ms: number): Promise<void> {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    const slice = performance.now() + 9;
    while (performance.now() < slice) {
      // work
    }
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}

describe('a quiet moment', () => {
  it('does not come while the event loop is busy, and comes soon once it is quiet', async () => {
    let at: number | undefined;
    atQuietMoment(() => (at = performance.now()));
    const started = performance.now();
    await busyFor(1500);
    expect(at, 'started while the event loop was busy').toBeUndefined();
    const quietFrom = performance.now();
    while (at === undefined && performance.now() - quietFrom < 5000) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(at).toBeDefined();
    expect(at! - quietFrom).toBeLessThan(3000);
    expect(at! - started).toBeGreaterThan(1500);
  });
});
