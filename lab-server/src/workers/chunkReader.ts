/**
 * Work on many files done on a thread of its own, ahead of the event loop that needs it: a big
 * first FETCH ENVELOPE reads and parses thousands of message headers, and on the event loop
 * those system calls and that parsing held every other learner up.
 *
 * The files come in chunks, which the threads work through in order, ahead of the caller: each
 * claims the next chunk nobody has through shared memory, and the caller claims those it
 * reaches first and does them itself rather than wait. Two threads per kind of work for the
 * whole lab (one on a single core), their code a bundle (bundledThread.ts), started at the
 * lab's first quiet moment (or by the first request) and kept; requests take turns.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { bundleFailure, bundleThread } from './bundledThread.js';
import { atQuietMoment } from './quietMoment.js';

/**
 * Who does a chunk: nobody yet, the caller, or a thread (one slot per chunk, shared; a thread
 * sets its own mark, THREAD_MARK + its place in the crew, so the chunks of one that stops are known).
 */
const FREE = 0;
const CALLER = 2;
const THREAD_MARK = 3;

/** A request under way: which chunks each side does, and the thread's answers. */
export class ChunkReading<T> {
  private readonly claims: Int32Array;
  private readonly read = new Map<number, T>();
  /** Chunks a thread answered, and those a thread claimed but stopped before answering (the caller's now). */
  private readonly answeredChunks = new Set<number>();
  private readonly orphans = new Set<number>();
  private wake: (() => void) | undefined;
  /** Threads still at this request. */
  private working: number;
  done = false;
  /** How many chunks the threads have answered so far. */
  answers = 0;
  /** The threads (by threadId) that answered some chunk of this request. */
  readonly answeredBy = new Set<number>();

  constructor(
    private readonly chunks: number,
    threads = 1,
  ) {
    // A slot per chunk, then two shared by the threads: 0 until one starts on this request, and
    // what they have sent back for it in all (so a budget holds for the request, not per thread).
    this.claims = new Int32Array(new SharedArrayBuffer(4 * (chunks + 2)));
    this.working = threads;
  }

  /** A thread has started on this request (they work through the chunks in order from then on). */
  get begun(): boolean {
    return Atomics.load(this.claims, this.chunks) !== 0;
  }

  /** True when the caller gets this chunk to do itself: the thread has not started it, and now never will. */
  claim(chunk: number): boolean {
    return Atomics.compareExchange(this.claims, chunk, FREE, CALLER) === FREE;
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

  /** A thread answered a chunk. */
  answered(chunk: number, answer: T, by: number): void {
    this.read.set(chunk, answer);
    this.answeredChunks.add(chunk);
    this.answers++;
    this.answeredBy.add(by);
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

  /**
   * The thread of `mark` stopped (an error, its memory limit): the chunks it claimed and never
   * answered are the caller's now, at once. They waited for the other thread to finish the whole
   * request (316-423 ms measured), since a claimed chunk could not be claimed again.
   */
  lost(mark: number): void {
    for (let chunk = 0; chunk < this.chunks; chunk++) {
      if (!this.answeredChunks.has(chunk) && Atomics.compareExchange(this.claims, chunk, mark, CALLER) === mark) this.orphans.add(chunk);
    }
    if (this.orphans.size > 0) this.wake?.();
  }

  /** A thread claimed this chunk and stopped before answering it: the caller does it. */
  orphaned(chunk: number): boolean {
    return this.orphans.has(chunk);
  }

  /** A thread has finished with this request: it is done when every one has. */
  finished(): void {
    if (--this.working > 0) return;
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
}

/** A crew's places: a thread, or none while one that stopped is not replaced yet. */
type Crew = Array<Reader | undefined>;

/**
 * Threads per kind of work: each takes the next chunk nobody has claimed, so on two cores two
 * read files and parse at once while the event loop keeps and sends what they answer.
 */
export const READER_THREADS = Math.max(1, Math.min(2, availableParallelism()));
const crews = new Map<string, Crew>();
/** Replacements warmed up at a quiet moment, per crew place: past this, a thread that keeps stopping is replaced only by the next request. */
const WARM_REPLACEMENTS = 3;
/** Each crew's warm replacements so far, per place, whoever started the thread each time. */
const warmed = new WeakMap<Crew, number[]>();

/** How many of `entry`'s threads were replaced warm so far (at most WARM_REPLACEMENTS a place). */
export const warmReplacements = (entry: URL): number => (warmed.get(crews.get(entry.href) ?? []) ?? []).reduce((sum, n) => sum + n, 0);
const code = new Map<string, string>();
let nextRequest = 0;

/** Entries whose missing bundle was told of: once per process. */
const told = new Set<string>();

/**
 * Makes the bundle of a thread entry ready (see bundledThread.ts), so that readChunks() finds
 * it: the lab calls this once it listens, while nothing waits on it. At the lab's first quiet
 * moment the threads are started and run their entry's warm-up (a `{ warm: true }` message), so
 * their code is compiled before the first big request rather than during it, when compiling it
 * on V8's background threads took the CPU the work needed (about a third of it, measured with
 * perf). The threads are then kept for the life of the process. `unavailable` is told once per
 * process why there is no bundle, so whoever runs the lab learns why that work stays on the event loop.
 */
export async function prepareChunkReader(entry: URL, unavailable?: (reason: string) => void): Promise<boolean> {
  const bundle = await bundleThread(entry);
  if (bundle !== undefined) {
    code.set(entry.href, bundle);
    // Started by a request meanwhile: compiled by that work already.
    atQuietMoment(() => crews.has(entry.href) || crewOf(entry.href, bundle, true));
  } else if (unavailable && !told.has(entry.href)) {
    told.add(entry.href);
    unavailable(bundleFailure(entry) ?? 'no bundle');
  }
  return bundle !== undefined;
}

/**
 * Starts the threads of `entry` on the chunks, in order: each answer a thread posts for a chunk
 * is handed to the caller through the ChunkReading. Undefined when the threads' bundle is not
 * ready (prepareChunkReader): the caller does all the work itself then.
 */
export function readChunks<T>(entry: URL, chunks: ReadonlyArray<readonly string[]>): ChunkReading<T> | undefined {
  const bundle = code.get(entry.href);
  if (bundle === undefined) {
    void bundleThread(entry);
    return undefined;
  }
  const crew = crewOf(entry.href, bundle);
  const reading = new ChunkReading<T>(chunks.length, crew.length);
  const id = nextRequest++;
  for (const [slot, r] of crew.entries()) {
    r.requests.set(id, reading as ChunkReading<unknown>);
    r.worker.postMessage({ id, chunks, claims: reading.memory, mark: THREAD_MARK + slot });
  }
  return reading;
}

/**
 * The entry's threads, any that ended (an error, its memory limit) started again; warmed up
 * first when `warm` (never ahead of a request that waits).
 */
function crewOf(href: string, bundle: string, warm = false): Reader[] {
  let crew = crews.get(href);
  if (!crew) crews.set(href, (crew = []));
  const readers: Reader[] = [];
  for (let i = 0; i < READER_THREADS; i++) readers.push((crew[i] ??= startReader(crew, i, bundle, warm)));
  return readers;
}

function startReader(crew: Crew, slot: number, bundle: string, warm: boolean): Reader {
  // No execArgv: the thread needs no TypeScript loader, which would make it slow to start.
  const worker = new Worker(bundle, { eval: true, execArgv: [], stdout: false, stderr: false, resourceLimits: { maxOldGenerationSizeMb: 64 } });
  // Kept, but never what keeps the process alive.
  worker.unref();
  if (warm) worker.postMessage({ warm: true });
  const r: Reader = { worker, requests: new Map() };
  worker.on('message', (msg: { id: number; done?: true; chunk: number; answer: unknown }) => {
    const reading = r.requests.get(msg.id);
    if (!reading) return;
    if (!msg.done) {
      reading.answered(msg.chunk, msg.answer, worker.threadId);
      return;
    }
    reading.finished();
    r.requests.delete(msg.id);
  });
  const stopped = (): void => {
    if (crew[slot] !== r) return;
    crew[slot] = undefined;
    for (const reading of r.requests.values()) {
      reading.lost(THREAD_MARK + slot);
      reading.finished();
    }
    r.requests.clear();
    // Replaced and warmed up at the next quiet moment, not by the next request, which would
    // pay for compiling its code (a few times a place, counted whoever replaced it: then only by
    // a request, as at the start).
    const used = warmed.get(crew) ?? [];
    warmed.set(crew, used);
    if ((used[slot] ?? 0) >= WARM_REPLACEMENTS) return;
    atQuietMoment(() => {
      if (crew[slot] !== undefined) return;
      used[slot] = (used[slot] ?? 0) + 1;
      crew[slot] = startReader(crew, slot, bundle, true);
    });
  };
  worker.on('error', stopped);
  worker.on('exit', stopped);
  return r;
}
