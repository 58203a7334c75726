/**
 * The start of many files (a header each, say), read on a thread of its own so the event loop
 * thread spends no time in the open, read and close of each: a big first FETCH ENVELOPE opens
 * thousands of files, and those system calls were a third of its time.
 *
 * The files come in chunks, which the thread reads in order, ahead of the caller: the caller
 * says through shared memory which chunk it has reached, and the thread skips those (a caller
 * that finds a chunk not read yet reads it itself rather than wait). One thread for the whole
 * lab, started when first needed (plain JavaScript: a few tens of milliseconds) and ended
 * after a minute with nothing to do; requests take turns.
 */
import { Worker } from 'node:worker_threads';

export interface FileStarts {
  /** The files' starts one after the other. */
  data: Uint8Array;
  /** Per file, two numbers: its length in `data` (-1: it could not be read), and 1 if the read reached its end. */
  sizes: Int32Array;
}

/** A request under way: where the caller is, and what the thread is reading. */
export class ChunkReading {
  private readonly shared = new Int32Array(new SharedArrayBuffer(12));
  private readonly read = new Map<number, FileStarts>();
  private wake: (() => void) | undefined;
  done = false;

  constructor() {
    // No chunk reached, none being read, none answered.
    this.shared.fill(-1);
  }

  /** The caller has reached this chunk: the thread stops before it. */
  reached(chunk: number): void {
    if (chunk > Atomics.load(this.shared, 0)) Atomics.store(this.shared, 0, chunk);
  }

  /** A chunk the thread has answered, handed over once. */
  take(chunk: number): FileStarts | undefined {
    const starts = this.read.get(chunk);
    this.read.delete(chunk);
    return starts;
  }

  has(chunk: number): boolean {
    return this.read.has(chunk);
  }

  /** The thread answered a chunk. */
  answered(chunk: number, starts: FileStarts): void {
    this.read.set(chunk, starts);
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

  /** The thread is reading this chunk now, or has answered it (the answer may still be on its way). */
  coming(chunk: number): boolean {
    return Atomics.load(this.shared, 1) === chunk || Atomics.load(this.shared, 2) >= chunk;
  }

  get memory(): Int32Array {
    return this.shared;
  }
}

interface Reader {
  worker: Worker;
  requests: Map<number, ChunkReading>;
  idle?: NodeJS.Timeout;
}

/** A reader with nothing to do for this long is ended. */
const IDLE_MS = 60_000;
const THREAD = new URL('./fileStarts.mjs', import.meta.url);
let reader: Reader | undefined;
let nextRequest = 0;

/**
 * Starts reading up to `max` bytes from the start of each file, chunk by chunk in order:
 * up to the first blank line (the end of a header) when there is one. A file whose start is
 * long (over 8 KB), and every file once 4 MB were sent, is left out (-1): the caller reads those.
 */
export function readFileStarts(chunks: ReadonlyArray<readonly string[]>, max: number): ChunkReading {
  const r = (reader ??= startReader());
  clearTimeout(r.idle);
  const reading = new ChunkReading();
  const id = nextRequest++;
  r.requests.set(id, reading);
  r.worker.postMessage({ id, chunks, max, shared: reading.memory });
  return reading;
}

function idleFor(r: Reader): void {
  clearTimeout(r.idle);
  r.idle = setTimeout(() => void r.worker.terminate(), IDLE_MS).unref();
}

function startReader(): Reader {
  // No execArgv: the thread needs no TypeScript loader, which would make it slow to start.
  const worker = new Worker(THREAD, { execArgv: [], stdout: false, stderr: false, resourceLimits: { maxOldGenerationSizeMb: 64 } });
  worker.unref();
  const r: Reader = { worker, requests: new Map() };
  worker.on('message', (msg: { id: number; done?: true; chunk: number } & FileStarts) => {
    const reading = r.requests.get(msg.id);
    if (!reading) return;
    if (!msg.done) {
      reading.answered(msg.chunk, { data: msg.data, sizes: msg.sizes });
      return;
    }
    reading.finished();
    r.requests.delete(msg.id);
    if (r.requests.size === 0) idleFor(r);
  });
  const stopped = (): void => {
    if (reader === r) reader = undefined;
    clearTimeout(r.idle);
    for (const reading of r.requests.values()) reading.finished();
    r.requests.clear();
  };
  worker.on('error', stopped);
  worker.on('exit', stopped);
  return r;
}
