/** Runs async work one piece at a time, in call order; a piece that fails does not stop the next. */
export class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();
  /** Pieces queued or running. */
  private pending = 0;
  private readonly settled = (): void => {
    this.pending--;
  };

  run<T>(work: () => Promise<T>): Promise<T> {
    this.pending++;
    const run = this.tail.then(work, work);
    this.tail = run.then(this.settled, this.settled);
    return run;
  }

  /** Something is queued or running (true until a moment after the last piece settles). */
  get busy(): boolean {
    return this.pending > 0;
  }

  /** Resolves once everything queued so far has finished. */
  idle(): Promise<unknown> {
    return this.tail;
  }
}
