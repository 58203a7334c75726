/**
 * The share of the CPU that parsing sandboxes' zone files may take. Loaded zone sets share a
 * memory budget (labDns.ts); past it, a set asked again after being let go is parsed again from
 * its files, and a 64 KB zone of short records takes 40-100 ms to parse, on the event loop every
 * learner shares. A few sandboxes with full zones asked in turn (a stranger with a join code and
 * dig in a loop) had each question parse again: the lab did nothing else. Now parses take turns,
 * first come first served, so that together they take at most PARSE_SHARE of the time after a
 * burst of BURST_MS (a lab starting up, a class arriving, loads its sandboxes at once); a
 * sandbox's questions that arrive while its parse waits share that one parse. Saving a zone
 * parses it too (the check), in the same turns: one learner saving a full zone in a loop kept
 * the loop busy as well.
 */

/** Milliseconds of parsing allowed per millisecond: a quarter of one core. */
export const PARSE_SHARE = 0.25;
/** Parsing allowed at once before turns are taken (a full bucket). */
export const BURST_MS = 1000;

export class ZoneParseShare {
  private credit = BURST_MS;
  private at = performance.now();
  private readonly waiting: Array<() => void> = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly share = PARSE_SHARE,
    private readonly burst = BURST_MS,
  ) {}

  /** Resolves when a parse may start (at once while there is credit and nobody waits). */
  turn(): Promise<void> {
    this.refill();
    if (this.waiting.length === 0 && this.credit > 0) return Promise.resolve();
    return new Promise((resolve) => {
      this.waiting.push(resolve);
      this.schedule();
    });
  }

  /** Parses `work` synchronously in its turn, charging the time it took. */
  async parse<T>(work: () => T): Promise<T> {
    await this.turn();
    const started = performance.now();
    try {
      return work();
    } finally {
      this.credit -= performance.now() - started;
    }
  }

  private refill(): void {
    const now = performance.now();
    this.credit = Math.min(this.burst, this.credit + (now - this.at) * this.share);
    this.at = now;
  }

  /** Lets the first waiting parse go once the credit is back above zero. */
  private schedule(): void {
    if (this.timer || this.waiting.length === 0) return;
    this.refill();
    const wait = this.credit > 0 ? 0 : Math.ceil(-this.credit / this.share) + 1;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.refill();
      if (this.credit > 0) this.waiting.shift()?.();
      // The next one waits for the credit the parse just let go spends.
      setImmediate(() => this.schedule());
    }, wait);
  }
}
