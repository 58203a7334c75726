/** Runs async work one piece at a time, in call order; a piece that fails does not stop the next. */
export class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(work: () => Promise<T>): Promise<T> {
    const run = this.tail.then(work, work);
    this.tail = run.catch(() => undefined);
    return run;
  }

  /** Resolves once everything queued so far has finished. */
  idle(): Promise<unknown> {
    return this.tail;
  }
}
