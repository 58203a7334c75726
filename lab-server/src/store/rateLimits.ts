/**
 * Rate-limit counters in the database, so every lab node counts the same tries: one row per
 * key and fixed window, bumped with one atomic upsert. The previous window's count is weighed
 * by how much of it still overlaps the sliding window, as in the usual sliding-window estimate.
 */
import type { Sql } from './sql.js';

/** Rows older than this are swept now and then. */
const KEEP_MS = 24 * 3600 * 1000;

export class RateLimitCounters {
  private hitsSinceSweep = 0;

  constructor(private readonly db: Sql) {}

  /** Counts one event for `key`; resolves to the seconds to wait if it is over `limit` per `windowMs`, else 0. */
  async hit(key: string, limit: number, windowMs: number, now = Date.now()): Promise<number> {
    if ((await this.count(key, windowMs, now)) < limit) return 0;
    // Wait until the estimate drops below the limit: at the latest when this window ends.
    const start = Math.floor(now / windowMs) * windowMs;
    return Math.max(1, Math.ceil((start + windowMs - now) / 1000));
  }

  /** Counts one event for `key`; resolves to the estimate of the events in the `windowMs` before it. */
  async count(key: string, windowMs: number, now = Date.now()): Promise<number> {
    const start = Math.floor(now / windowMs) * windowMs;
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
    return (row?.hits ?? 1) - 1 + (await this.previous(key, windowMs, now));
  }

  /** The estimate of the events for `key` in the last `windowMs`, without counting one. */
  async recent(key: string, windowMs: number, now = Date.now()): Promise<number> {
    const start = Math.floor(now / windowMs) * windowMs;
    const row = await this.db.get<{ hits: number }>('SELECT hits FROM rate_limits WHERE key = ? AND window_start = ?', [key, start]);
    return (row?.hits ?? 0) + (await this.previous(key, windowMs, now));
  }

  /** The previous window's events, weighed by how much of it the sliding window still covers. */
  private async previous(key: string, windowMs: number, now: number): Promise<number> {
    const start = Math.floor(now / windowMs) * windowMs;
    const row = await this.db.get<{ hits: number }>('SELECT hits FROM rate_limits WHERE key = ? AND window_start = ?', [key, start - windowMs]);
    return (row?.hits ?? 0) * (1 - (now - start) / windowMs);
  }
}
