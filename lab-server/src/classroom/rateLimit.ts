/**
 * A rate limit per key (e.g. "login:<ip>"): at most `limit` events in `windowMs`. The counts
 * live in the database, so a learner who is refused on one node is refused on every node.
 */
import type { RateLimitCounters } from '../store/rateLimits.js';

export class RateLimit {
  constructor(
    private readonly counters: RateLimitCounters,
    private readonly limit: number,
    private readonly windowMs: number,
  ) {}

  /** Records an event; resolves to the seconds to wait if the key is over its limit, else 0. */
  hit(key: string, now = Date.now()): Promise<number> {
    return this.counters.hit(key, this.limit, this.windowMs, now);
  }
}
