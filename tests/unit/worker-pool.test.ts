/**
 * The worker pool (workers/pool.ts): jobs run on real worker threads; results come back with
 * their bytes moved, not copied; a failing or runaway job fails alone; lanes take turns so one
 * sandbox's flood cannot push another's job to the back; jobs can ask the main thread.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { movableBlock, WorkerJobFailed, WorkerPool } from '../../lab-server/src/workers/pool.js';

const JOBS = new URL('../helpers/poolJobs.ts', import.meta.url).href;
let pool: WorkerPool;
const makePool = (size: number, jobTimeoutMs = 10_000): WorkerPool =>
  (pool = new WorkerPool({ size, jobTimeoutMs, idleMs: 60_000, recycleWeight: 1024 * 1024, maxHeapMb: 128 }));

afterEach(async () => {
  await pool?.close();
});

describe('the worker pool', () => {
  it('runs a job on a worker thread, moving the bytes both ways', { timeout: 30_000 }, async () => {
    makePool(1);
    const input = new Uint8Array([1, 2, 3]);
    const out = await pool.run<Uint8Array>({ module: JOBS, fn: 'double', args: [input], transfer: movableBlock(input) });
    expect([...out]).toEqual([1, 2, 3, 1, 2, 3]);
    // Moved to the worker: this side's block is gone.
    expect(input.byteLength).toBe(0);
  });

  it('fails a job that throws, and only that job', { timeout: 30_000 }, async () => {
    makePool(1);
    const failed = pool.run({ module: JOBS, fn: 'fail', args: ['bad input'] });
    await expect(failed).rejects.toMatchObject({ reason: 'RangeError', message: 'bad input' });
    expect(await pool.run({ module: JOBS, fn: 'spin', args: [0, 'after'] })).toBe('after');
  });

  it('stops a job that runs too long, ends its worker and goes on with a fresh one', { timeout: 30_000 }, async () => {
    makePool(1, 1500);
    const runaway = pool.run({ module: JOBS, fn: 'spin', args: [60_000, 'never'] });
    const next = pool.run({ module: JOBS, fn: 'spin', args: [0, 'next'] });
    const err = await runaway.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WorkerJobFailed);
    expect((err as WorkerJobFailed).reason).toBe('timeout');
    expect(await next).toBe('next');
  });

  it('serves lanes in turn: a flood in one lane does not hold up another', { timeout: 30_000 }, async () => {
    makePool(1);
    await pool.run({ module: JOBS, fn: 'spin', args: [0, 'warm'] });
    const finished: string[] = [];
    const flood = Array.from({ length: 6 }, (_, i) => pool.run<string>({ module: JOBS, fn: 'spin', args: [100, `flood ${i}`], lane: 'mallory' }).then((l) => finished.push(l)));
    const neighbour = pool.run<string>({ module: JOBS, fn: 'spin', args: [0, 'neighbour'], lane: 'alice' }).then((l) => finished.push(l));
    await Promise.all([...flood, neighbour]);
    // The first flood job was running; the neighbour's comes right after it.
    expect(finished.indexOf('neighbour')).toBe(1);
  });

  it('lets a job call functions on the main thread', { timeout: 30_000 }, async () => {
    makePool(1);
    const asked: string[] = [];
    const lookup = async (name: string): Promise<string> => {
      asked.push(name);
      return `answer for ${name}`;
    };
    expect(await pool.run({ module: JOBS, fn: 'ask', args: ['key'], calls: { lookup } })).toEqual(['answer for key', 'answer for key!']);
    expect(asked).toEqual(['key', 'key!']);
  });
});
