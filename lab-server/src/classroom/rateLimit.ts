/**
 * A sliding-window rate limit per key (e.g. "login:<ip>"): at most `limit` events in `windowMs`.
 * In memory, like the sessions it protects; a restart forgets it.
 */

export class RateLimit {
  private events = new Map<string, number[]>();

  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
  ) {}

  /** Records an event; returns the seconds to wait if the key is over its limit, else 0. */
  hit(key: string, now = Date.now()): number {
    const since = now - this.windowMs;
    const recent = (this.events.get(key) ?? []).filter((t) => t > since);
    if (recent.length >= this.limit) {
      this.events.set(key, recent);
      return Math.ceil((recent[0]! + this.windowMs - now) / 1000);
    }
    recent.push(now);
    this.events.set(key, recent);
    // Forget idle keys now and then so the map cannot grow without bound.
    if (this.events.size > 10_000) {
      for (const [k, times] of this.events) if (times[times.length - 1]! <= since) this.events.delete(k);
    }
    return 0;
  }
}
