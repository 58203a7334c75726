/**
 * Rate-limit counters in the database, so every lab node counts the same tries: one row per
 * key and fixed window, bumped with one atomic upsert. The previous window's count is weighed
 * by how much of it still overlaps the sliding window, as in the usual sliding-window estimate,
 * and rounded up: a try is whole, so while any part of one may still be in the window it counts.
 * Unrounded, two tries just before an edge weighed 1.99 just after it, and with a limit of five
 * a sixth went through seconds after the fifth.
 */
import type { Sql } from './sql.js';

/** Rows older than this are swept now and then. */
const KEEP_MS = 24 * 3600 * 1000;

export class RateLimitCounters {
  private hitsSinceSweep = 0;

  constructor(private readonly db: Sql) {}

  /**
   * Counts one event for `key` if it fits under `limit` per `windowMs` and resolves to 0; else
   * counts nothing (a refusal must not lengthen the refusal) and resolves to the whole seconds
   * after which the next event fits, if nothing else is counted meanwhile.
   */
  async hit(key: string, limit: number, windowMs: number, now = Date.now()): Promise<number> {
    const start = Math.floor(now / windowMs) * windowMs;
    const hits = await this.bump(key, start, now);
    const before = await this.previousHits(key, start - windowMs);
    const current = hits - 1;
    if (current + stillIn(before, now - start, windowMs) < limit) return 0;
    // Taken back in one statement, so tries racing on several nodes never let more through.
    await this.db.run('UPDATE rate_limits SET hits = hits - 1 WHERE key = ? AND window_start = ?', [key, start]);
    return Math.max(1, Math.ceil((fitsAt(current, before, limit, start, windowMs) - now) / 1000));
  }

  /** Counts one event for `key`; resolves to the estimate of the events in the `windowMs` before it. */
  async count(key: string, windowMs: number, now = Date.now()): Promise<number> {
    const hits = await this.bump(key, Math.floor(now / windowMs) * windowMs, now);
    return hits - 1 + (await this.previous(key, windowMs, now));
  }

  /** Adds one to the row of `key` and the window starting at `start`; resolves to its new count. */
  private async bump(key: string, start: number, now: number): Promise<number> {
    const row = await this.db.get<{ hits: number }>(
      `INSERT INTO rate_limits (key, window_start, hits) VALUES (?, ?, 1)
       ON CONFLICT (key, window_start) DO UPDATE SET hits = rate_limits.hits + 1
       RETURNING hits`,
      [key, start],
    );
    if (++this.hitsSinceSweep >= 1000) {
      this.hitsSinceSweep = 0;
      await this.db.run('DELETE FROM rate_limits WHERE window_start < ?', [now - KEEP_MS]);
    }
    return Number(row?.hits ?? 1);
  }

  /** The estimate of the events for `key` in the last `windowMs`, without counting one. */
  async recent(key: string, windowMs: number, now = Date.now()): Promise<number> {
    const start = Math.floor(now / windowMs) * windowMs;
    const row = await this.db.get<{ hits: number }>('SELECT hits FROM rate_limits WHERE key = ? AND window_start = ?', [key, start]);
    return (row?.hits ?? 0) + (await this.previous(key, windowMs, now));
  }

  /** The previous window's events the sliding window may still hold (see stillIn). */
  private async previous(key: string, windowMs: number, now: number): Promise<number> {
    const start = Math.floor(now / windowMs) * windowMs;
    return stillIn(await this.previousHits(key, start - windowMs), now - start, windowMs);
  }

  private async previousHits(key: string, start: number): Promise<number> {
    const row = await this.db.get<{ hits: number }>('SELECT hits FROM rate_limits WHERE key = ? AND window_start = ?', [key, start]);
    return Number(row?.hits ?? 0);
  }
}

/**
 * Of `before` events in the previous window, how many the sliding window still holds `elapsed`
 * ms into this one: the share it still covers, rounded up to whole events. Exact in integers
 * (the quotient is a whole number only when the product divides evenly).
 */
function stillIn(before: number, elapsed: number, windowMs: number): number {
  return Math.ceil((before * (windowMs - elapsed)) / windowMs);
}

/**
 * The first millisecond at which `current + stillIn(before, …)` is below `limit` again, if
 * nothing else is counted: within this window once enough of `before` has faded to leave room
 * for one more, else in the next one, where this window's `current` is the `before` that fades.
 */
function fitsAt(current: number, before: number, limit: number, start: number, windowMs: number): number {
  // stillIn(b, e) <= room  ⇔  b × (window − e) <= room × window  ⇔  e >= window × (b − room) / b.
  const firstWith = (b: number, room: number): number => (b <= room ? 0 : Math.ceil((windowMs * (b - room)) / b));
  const room = limit - 1 - current;
  if (room > 0) return start + firstWith(before, room);
  return start + windowMs + firstWith(current, limit - 1);
}
