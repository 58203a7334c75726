/**
 * Work on many files done on a thread of its own, ahead of the event loop that needs it: a big
 * first FETCH ENVELOPE reads and parses thousands of message headers, and on the event loop
 * those system calls and that parsing held every other learner up.
 *
 * The files come in chunks, which the thread works through in order, ahead of the caller: the
 * caller says through shared memory which chunk it has reached, and the thread skips those (a
 * caller that finds a chunk not done yet does it itself rather than wait). One thread per kind
 * of work for the whole lab, its code a bundle (bundledThread.ts), started when first needed
 * and ended after a minute with nothing to do; requests take turns.
 */
import { Worker } from 'node:worker_threads';
import { bundleFailure, bundleThread } from './bundledThread.js';

/** Who does a chunk: nobody yet, the thread, or the caller (one slot per chunk, shared). */
const FREE = 0;
const THREAD = 1;
const CALLER = 2;

/** A request under way: which chunks each side does, and the thread's answers. */
export class ChunkReading<T> {
  private readonly claims: Int32Array;
  private readonly read = new Map<number, T>();
  private wake: (() => void) | undefined;
  done = false;
  /** How many chunks the thread has answered so far. */
  answers = 0;

  constructor(chunks: number) {
    // A slot per chunk, and one past them: 0 until the thread starts on this request.
    this.claims = new Int32Array(new SharedArrayBuffer(4 * (chunks + 1)));
  }

  /** The thread has started on this request (it works through the chunks in order from then on). */
  get begun(): boolean {
    return Atomics.load(this.claims, this.claims.length - 1) !== 0;
  }

  /** True when the caller gets this chunk to do itself: the thread has not started it, and now never will. */
  claim(chunk: number): boolean {
    return Atomics.compareExchange(this.claims, chunk, FREE, CALLER) === FREE;
  }

  /** The thread does this chunk (it is at it, or its answer is on its way or here). */
  coming(chunk: number): boolean {
    return Atomics.load(this.claims, chunk) === THREAD;
  }

  /** A chunk the thread has answered, handed over once. */
  take(chunk: number): T | undefined {
    const answer = this.read.get(chunk);
    this.read.delete(chunk);
    return answer;
  }

  has(chunk: number): boolean {
    return this.read.has(chunk);
  }

  /** The thread answered a chunk. */
  answered(chunk: number, answer: T): void {
    this.read.set(chunk, answer);
    this.answers++;
    this.wake?.();
  }

  /** Resolves when the thread answers a chunk or is done, or after `ms`. */
  async next(ms: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    await new Promise<void>((resolve) => {
      this.wake = resolve;
      timer = setTimeout(resolve, ms);
    });
    clearTimeout(timer);
    this.wake = undefined;
  }

  /** The thread has finished with this request. */
  finished(): void {
    this.done = true;
    this.wake?.();
  }

  get memory(): Int32Array {
    return this.claims;
  }
}

interface Reader {
  worker: Worker;
  requests: Map<number, ChunkReading<unknown>>;
  idle?: NodeJS.Timeout;
}

/** A reader with nothing to do for this long is ended. */
const IDLE_MS = 60_000;
const readers = new Map<string, Reader>();
const code = new Map<string, string>();
let nextRequest = 0;

/** Entries whose missing bundle was told of: once per process. */
const told = new Set<string>();

/**
 * Makes the bundle of a thread entry ready (see bundledThread.ts), so that readChunks() finds
 * it: the lab calls this once it listens, while nothing waits on it. `unavailable` is told once
 * per process why there is none, so whoever runs the lab learns why that work stays on the event loop.
 */
export async function prepareChunkReader(entry: URL, unavailable?: (reason: string) => void): Promise<boolean> {
  const bundle = await bundleThread(entry);
  if (bundle !== undefined) code.set(entry.href, bundle);
  else if (unavailable && !told.has(entry.href)) {
    told.add(entry.href);
    unavailable(bundleFailure(entry) ?? 'no bundle');
  }
  return bundle !== undefined;
}

/**
 * Starts the thread of `entry` now, with nothing to do yet, when work for it is likely soon: its
 * start (a few tens of milliseconds) then overlaps what comes before that work. Ended after
 * IDLE_MS if nothing comes.
 */
export function warmChunkReader(entry: URL): void {
  const bundle = code.get(entry.href);
  if (bundle !== undefined && !readers.has(entry.href)) idleFor(startReader(entry.href, bundle));
}

/**
 * Starts the thread of `entry` on the chunks, in order: each answer the thread posts for a chunk
 * is handed to the caller through the ChunkReading. Undefined when the thread's bundle is not
 * ready (prepareChunkReader): the caller does all the work itself then.
 */
export function readChunks<T>(entry: URL, chunks: ReadonlyArray<readonly string[]>): ChunkReading<T> | undefined {
  let r = readers.get(entry.href);
  if (!r) {
    const bundle = code.get(entry.href);
    if (bundle === undefined) {
      void bundleThread(entry);
      return undefined;
    }
    r = startReader(entry.href, bundle);
  }
  clearTimeout(r.idle);
  const reading = new ChunkReading<T>(chunks.length);
  const id = nextRequest++;
  r.requests.set(id, reading as ChunkReading<unknown>);
  r.worker.postMessage({ id, chunks, claims: reading.memory });
  return reading;
}

function idleFor(r: Reader): void {
  clearTimeout(r.idle);
  r.idle = setTimeout(() => void r.worker.terminate(), IDLE_MS).unref();
}

function startReader(href: string, bundle: string): Reader {
  // No execArgv: the thread needs no TypeScript loader, which would make it slow to start.
  const worker = new Worker(bundle, { eval: true, execArgv: [], stdout: false, stderr: false, resourceLimits: { maxOldGenerationSizeMb: 64 } });
  worker.unref();
  const r: Reader = { worker, requests: new Map() };
  readers.set(href, r);
  worker.on('message', (msg: { id: number; done?: true; chunk: number; answer: unknown }) => {
    const reading = r.requests.get(msg.id);
    if (!reading) return;
    if (!msg.done) {
      reading.answered(msg.chunk, msg.answer);
      return;
    }
    reading.finished();
    r.requests.delete(msg.id);
    if (r.requests.size === 0) idleFor(r);
  });
  const stopped = (): void => {
    if (readers.get(href) === r) readers.delete(href);
    clearTimeout(r.idle);
    for (const reading of r.requests.values()) reading.finished();
    r.requests.clear();
  };
  worker.on('error', stopped);
  worker.on('exit', stopped);
  return r;
}
