/**
 * Expensive work done a few at a time (scrypt password checks, making a learner's sandbox
 * with its RSA keys, checking a learner's zone saves), so a flood of requests cannot fill the
 * thread pool that every learner's file reads also wait on, nor keep the event loop busy.
 * Beyond `waiting` queued jobs the caller is told the lab is busy.
 */

export class LabBusy extends Error {}

export class WorkQueue {
  private running = 0;
  private readonly queue: Array<() => void> = [];

  constructor(
    private readonly atOnce: number,
    private readonly waiting: number,
  ) {}

  /** Nothing running, nothing waiting. */
  get idle(): boolean {
    return this.running === 0;
  }

  /** Runs job when a slot is free; throws LabBusy at once when too many are waiting. */
  async run<T>(job: () => Promise<T>): Promise<T> {
    if (this.running >= this.atOnce) {
      if (this.queue.length >= this.waiting) throw new LabBusy('too many requests waiting');
      await new Promise<void>((resolve) => this.queue.push(resolve));
    } else {
      this.running++;
    }
    try {
      return await job();
    } finally {
      const next = this.queue.shift();
      if (next) next();
      else this.running--;
    }
  }
}
