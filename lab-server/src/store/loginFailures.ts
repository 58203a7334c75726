/**
 * Wrong passwords per (account, address) pair, in the database every lab node shares: a guesser
 * who spreads tries over the nodes behind the load balancer meets one count, not one per node.
 * Each try is let through or refused by a single conditional upsert, so two nodes' tries of
 * one pair cannot both slip past a wait (the engine orders writes to the row).
 */
import type { Sql } from './sql.js';

/** How long tries of a pair must wait once it has failed `failures` times (see LoginThrottle). */
export interface LoginWaits {
  /** Failures that cost nothing. */
  free: number;
  firstDelayMs: number;
  maxDelayMs: number;
}

/** A pair quiet for this long is forgotten. */
export const FORGET_AFTER_MS = 60 * 60_000;

export class LoginFailures {
  private triesSinceSweep = 0;

  constructor(private readonly db: Sql) {}

  /**
   * One try of the pair: counted as a failure until clear() says otherwise, so parallel tries
   * cannot all slip through before the first result is known. Resolves to 0 when the try may
   * go ahead, else the seconds to wait (and the try is not counted).
   */
  async begin(account: string, address: string, waits: LoginWaits, now = Date.now()): Promise<number> {
    const forgetBefore = now - FORGET_AFTER_MS;
    // The wait after `failures` failures: none while free, then doubling from the first, capped.
    const delay = (failures: string): string =>
      `CASE WHEN ${failures} < ? THEN 0 ELSE CASE WHEN ? * power(2, ${failures} - ?) > ? THEN ? ELSE ? * power(2, ${failures} - ?) END END`;
    const delayParams = [waits.free, waits.firstDelayMs, waits.free, waits.maxDelayMs, waits.maxDelayMs, waits.firstDelayMs, waits.free];
    const row = await this.db.get<{ failures: number }>(
      `INSERT INTO login_failures (account, address, failures, last_at) VALUES (?, ?, 1, ?)
       ON CONFLICT (account, address) DO UPDATE SET
         failures = CASE WHEN login_failures.last_at < ? THEN 1 ELSE login_failures.failures + 1 END,
         last_at = excluded.last_at
       WHERE login_failures.last_at < ? OR login_failures.last_at + ${delay('login_failures.failures')} <= excluded.last_at
       RETURNING failures`,
      [account, address, now, forgetBefore, forgetBefore, ...delayParams],
    );
    if (++this.triesSinceSweep >= 1000) {
      this.triesSinceSweep = 0;
      await this.db.run('DELETE FROM login_failures WHERE last_at < ?', [forgetBefore]);
    }
    if (row) return 0;
    // Refused: the wait left, for the answer (reading it after the refusal is only for the message).
    const pair = await this.db.get<{ failures: number; last_at: number }>('SELECT failures, last_at FROM login_failures WHERE account = ? AND address = ?', [account, address]);
    if (!pair) return 1;
    const delayMs = Math.min(waits.maxDelayMs, waits.firstDelayMs * 2 ** (pair.failures - waits.free));
    return Math.max(1, Math.ceil((pair.last_at + delayMs - now) / 1000));
  }

  /** The try did not happen after all (the lab was too busy to check the password). */
  async uncount(account: string, address: string): Promise<void> {
    await this.db.run('UPDATE login_failures SET failures = failures - 1 WHERE account = ? AND address = ? AND failures > 0', [account, address]);
  }

  /** The account's password was changed: whatever its pairs failed with the old one is forgotten. */
  async clearAccount(account: string): Promise<void> {
    await this.db.run('DELETE FROM login_failures WHERE account = ?', [account]);
  }

  /** The password was right: the pair starts afresh. */
  async clear(account: string, address: string): Promise<void> {
    await this.db.run('DELETE FROM login_failures WHERE account = ? AND address = ?', [account, address]);
  }
}
