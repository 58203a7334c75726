/**
 * Time for the mail queue: when a message is due for its next attempt. The lab runs on the
 * system clock; tests pass a ManualClock and move time forward themselves, so a retry "an
 * hour later" takes no time at all.
 */

export interface Timer {
  cancel(): void;
}

export interface Clock {
  now(): number;
  /** Runs `fn` once `ms` have passed on this clock. */
  after(ms: number, fn: () => void): Timer;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  after(ms, fn) {
    // Node's timers hold at most ~24.8 days; the queue never waits that long.
    const handle = setTimeout(fn, Math.max(0, Math.min(ms, 2 ** 31 - 1)));
    handle.unref();
    return { cancel: () => clearTimeout(handle) };
  },
};

/** A clock that moves only when told to (tests). */
export class ManualClock implements Clock {
  private time: number;
  private timers: Array<{ at: number; fn: () => void; seq: number }> = [];
  private seq = 0;

  constructor(start = Date.now()) {
    this.time = start;
  }

  now(): number {
    return this.time;
  }

  after(ms: number, fn: () => void): Timer {
    const timer = { at: this.time + Math.max(0, ms), fn, seq: this.seq++ };
    this.timers.push(timer);
    return { cancel: () => (this.timers = this.timers.filter((t) => t !== timer)) };
  }

  /** Moves time forward, running every timer that falls due, in order. */
  advance(ms: number): void {
    const until = this.time + ms;
    for (;;) {
      const due = this.timers.filter((t) => t.at <= until).sort((a, b) => a.at - b.at || a.seq - b.seq)[0];
      if (!due) break;
      this.timers = this.timers.filter((t) => t !== due);
      this.time = Math.max(this.time, due.at);
      due.fn();
    }
    this.time = until;
  }

  /** Timers waiting to run. */
  get pending(): number {
    return this.timers.length;
  }
}
