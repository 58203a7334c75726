/**
 * Work that may take long — parsing a hostile message, verifying DKIM over megabytes — runs in
 * a small pool of worker threads, so the event loop that serves every learner never waits for
 * it. A job names a module and an exported function; its arguments and result are copied
 * between threads (structured clone), and a job may call back into the main thread through
 * named functions (the lab's DNS, for DKIM keys).
 *
 * Fair and bounded: jobs wait in one queue per lane (a sandbox), served in turn, so one
 * learner's flood cannot push another's job to the back; a job that runs too long or blows its
 * memory limit takes its worker down with it and fails alone; a worker that did heavy work, or
 * sat idle, is ended, so its memory goes back to the system.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';

export interface Job {
  /** file: URL of the module (import.meta.url based). */
  module: string;
  /** Name of the exported function; it gets `args`, then the calls object. */
  fn: string;
  args: unknown[];
  /** Queue of the sandbox the work is for; lanes take turns. */
  lane?: string;
  /** Functions the job may call on the main thread (they must return structured-cloneable values). */
  calls?: Record<string, (...args: never[]) => Promise<unknown>>;
  /** Bytes of input, roughly: a worker that handled a big job is replaced afterwards. */
  weight?: number;
  /** Longest the job may run (default: the pool's). */
  timeoutMs?: number;
  /**
   * Memory blocks among the arguments that the caller gives up: moved to the worker rather
   * than copied (see ownBytes). The caller must not touch them afterwards.
   */
  transfer?: ArrayBuffer[];
}

/**
 * The memory block of some bytes, when they are its only content and can be moved to another
 * thread (a Buffer sliced from a shared slab cannot).
 */
export function movableBlock(bytes: Uint8Array): ArrayBuffer[] {
  const whole = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength;
  // Not instanceof: a block made in another context (a vm, a test runner) is still movable.
  return whole && Object.prototype.toString.call(bytes.buffer) === '[object ArrayBuffer]' ? [bytes.buffer as ArrayBuffer] : [];
}

export class WorkerJobFailed extends Error {
  constructor(
    message: string,
    /** 'timeout', 'crashed', or the name of the error the job threw. */
    readonly reason: string,
    readonly code?: string,
  ) {
    super(message);
  }
}

export interface PoolOptions {
  size: number;
  /** A job running longer than this fails and its worker is ended. */
  jobTimeoutMs: number;
  /** A worker idle this long is ended. */
  idleMs: number;
  /** A worker that ran a job of at least this weight is replaced after it. */
  recycleWeight: number;
  /** V8 heap limit of a worker; a job that needs more fails alone. */
  maxHeapMb: number;
}

interface Queued {
  job: Job;
  resolve: (value: unknown) => void;
  reject: (err: Error) => void;
}

interface Thread {
  worker: Worker;
  busy?: Queued & { id: number; timer?: NodeJS.Timeout };
  idleTimer?: NodeJS.Timeout;
}

const THREAD_ENTRY = new URL('./thread.mjs', import.meta.url);

export class WorkerPool {
  private readonly threads = new Set<Thread>();
  private readonly lanes = new Map<string, Queued[]>();
  /** When each lane last had a job started (a count of starts), for taking turns. */
  private readonly lastServed = new Map<string, number>();
  private starts = 0;
  private nextJob = 0;

  constructor(private readonly options: PoolOptions) {}

  /** Runs a job on a worker thread; rejects with WorkerJobFailed. */
  run<T>(job: Job): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const lane = job.lane ?? '';
      let queue = this.lanes.get(lane);
      if (!queue) this.lanes.set(lane, (queue = []));
      queue.push({ job, resolve: resolve as (v: unknown) => void, reject });
      this.dispatch();
    });
  }

  /** Jobs waiting for a worker (all lanes). */
  get waiting(): number {
    let n = 0;
    for (const q of this.lanes.values()) n += q.length;
    return n;
  }

  /** Ends every worker; jobs in progress fail. */
  async close(): Promise<void> {
    for (const queue of this.lanes.values()) for (const q of queue.splice(0)) q.reject(new WorkerJobFailed('The worker pool was closed', 'closed'));
    await Promise.all([...this.threads].map((t) => this.end(t, new WorkerJobFailed('The worker pool was closed', 'closed'))));
  }

  /** Takes the next job, lanes in turn: from the waiting lane served longest ago. */
  private nextQueued(): Queued | undefined {
    let chosen: string | undefined;
    for (const lane of this.lanes.keys()) {
      if (chosen === undefined || (this.lastServed.get(lane) ?? -1) < (this.lastServed.get(chosen) ?? -1)) chosen = lane;
    }
    if (chosen === undefined) return undefined;
    const queue = this.lanes.get(chosen)!;
    const next = queue.shift();
    if (queue.length === 0) this.lanes.delete(chosen);
    this.lastServed.set(chosen, this.starts++);
    // Remember only recent lanes: the oldest entries would be served first anyway.
    if (this.lastServed.size > 10_000) for (const lane of [...this.lastServed.keys()].slice(0, 5_000)) if (!this.lanes.has(lane)) this.lastServed.delete(lane);
    return next;
  }

  private dispatch(): void {
    while (this.waiting > 0) {
      let thread = [...this.threads].find((t) => !t.busy);
      if (!thread) {
        if (this.threads.size >= this.options.size) return;
        thread = this.spawn();
      }
      this.start(thread, this.nextQueued()!);
    }
  }

  private spawn(): Thread {
    const worker = new Worker(THREAD_ENTRY, {
      resourceLimits: { maxOldGenerationSizeMb: this.options.maxHeapMb, maxYoungGenerationSizeMb: 32 },
      stdout: false,
      stderr: false,
    });
    const thread: Thread = { worker };
    this.threads.add(thread);
    worker.unref();
    worker.on('message', (msg: WorkerMessage) => this.onMessage(thread, msg));
    worker.on('error', (err) => void this.end(thread, new WorkerJobFailed(`The worker failed: ${err.message}`, 'crashed')));
    worker.on('exit', () => void this.end(thread, new WorkerJobFailed('The worker stopped', 'crashed')));
    return thread;
  }

  private start(thread: Thread, queued: Queued): void {
    clearTimeout(thread.idleTimer);
    const id = this.nextJob++;
    thread.busy = { ...queued, id };
    thread.worker.ref();
    const { module, fn, args, calls, transfer } = queued.job;
    thread.worker.postMessage({ type: 'job', id, module, fn, args, calls: Object.keys(calls ?? {}) }, transfer ?? []);
  }

  private onMessage(thread: Thread, msg: WorkerMessage): void {
    const busy = thread.busy;
    if (!busy || msg.job !== busy.id) return;
    if (msg.type === 'started') {
      const limit = busy.job.timeoutMs ?? this.options.jobTimeoutMs;
      busy.timer = setTimeout(() => {
        void this.end(thread, new WorkerJobFailed(`The work took longer than ${Math.round(limit / 1000)} seconds and was stopped`, 'timeout'));
      }, limit);
      return;
    }
    if (msg.type === 'call') {
      const call = busy.job.calls?.[msg.name] as ((...args: unknown[]) => Promise<unknown>) | undefined;
      const answer = (reply: { value?: unknown; error?: { name: string; message: string; code?: string } }): void => {
        if (thread.busy === busy) thread.worker.postMessage({ type: 'answer', call: msg.call, ...reply });
      };
      if (!call) return answer({ error: { name: 'Error', message: `no call ${msg.name}` } });
      call(...msg.args).then(
        (value) => answer({ value }),
        (err: NodeJS.ErrnoException) => answer({ error: { name: err.name, message: err.message, ...(err.code ? { code: err.code } : {}) } }),
      );
      return;
    }
    clearTimeout(busy.timer);
    thread.busy = undefined;
    thread.worker.unref();
    if (msg.error) busy.reject(new WorkerJobFailed(msg.error.message, msg.error.name, msg.error.code));
    else busy.resolve(msg.value);
    // A heavy job leaves a big heap behind: a fresh worker gives that memory back.
    if ((busy.job.weight ?? 0) >= this.options.recycleWeight) void this.end(thread);
    else this.idle(thread);
    this.dispatch();
  }

  private idle(thread: Thread): void {
    clearTimeout(thread.idleTimer);
    thread.idleTimer = setTimeout(() => void this.end(thread), this.options.idleMs).unref();
  }

  /** Ends a worker; a job it was running fails with `why`. */
  private async end(thread: Thread, why?: WorkerJobFailed): Promise<void> {
    if (!this.threads.delete(thread)) return;
    clearTimeout(thread.idleTimer);
    const busy = thread.busy;
    thread.busy = undefined;
    if (busy) {
      clearTimeout(busy.timer);
      busy.reject(why ?? new WorkerJobFailed('The worker stopped', 'crashed'));
    }
    await thread.worker.terminate().catch(() => undefined);
    this.dispatch();
  }
}

type WorkerMessage =
  | { type: 'started'; job: number }
  | { type: 'done'; job: number; value?: unknown; error?: { name: string; message: string; code?: string } }
  | { type: 'call'; job: number; call: number; name: string; args: unknown[] };

/**
 * The lab's pool. Two workers at least, so one long job never holds up every other; idle
 * workers end after a minute.
 */
export const mailWorkers = new WorkerPool({
  size: Math.max(2, Math.min(4, availableParallelism() - 1)),
  jobTimeoutMs: 30_000,
  idleMs: 60_000,
  recycleWeight: 4 * 1024 * 1024,
  maxHeapMb: 512,
});
