/**
 * How fast one browser terminal may send. A person typing, or pasting a message, stays far
 * below it; a script sending lines as fast as its socket drains would otherwise have the lab
 * relay (and the service parse) megabytes a second on the one event loop every learner
 * shares. A token bucket of bytes, each line also costing a fixed amount so a flood of short
 * lines is held back too. Past the burst the terminal is paused, not cut off: TCP pushes back
 * on the sender and no line is lost.
 */
export interface TypingLimits {
  /** Bytes a terminal may send per second, once its burst is spent. */
  bytesPerSecond: number;
  /** Bytes a terminal may send at once (a pasted message). */
  burstBytes: number;
}

/** What one line costs beyond its own length: a flood of empty lines is still a flood. */
export const LINE_COST = 1024;

export class TypingRate {
  private tokens: number;
  private last = performance.now();

  constructor(private readonly limits: TypingLimits) {
    this.tokens = limits.burstBytes;
  }

  /** Charges one line; says how many ms to wait before reading the next (0: go on). */
  charge(line: string): number {
    const now = performance.now();
    this.tokens = Math.min(this.limits.burstBytes, this.tokens + ((now - this.last) * this.limits.bytesPerSecond) / 1000);
    this.last = now;
    this.tokens -= line.length + LINE_COST;
    return this.tokens >= 0 ? 0 : Math.ceil((-this.tokens * 1000) / this.limits.bytesPerSecond);
  }
}
