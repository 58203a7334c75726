/**
 * Login throttling that slows a password guesser down without letting anyone lock somebody
 * else out. It counts wrong passwords per (account, address) pair, as real servers do (compare
 * Dovecot's auth penalty or OWASP's per-client lockouts), never per account: a stranger's
 * guesses from elsewhere never delay the account's owner. After a few free failures each next
 * try of that pair must wait, the wait doubling up to a cap; a right password clears the pair.
 * When the whole server sees many failures a minute (a guesser spread over many addresses),
 * every pair's waits start at its first wrong password, and a right first try still works.
 * Both counts live in the database, so every lab node of a cluster sees the same ones.
 */
import type { LabLimits } from '../limits.js';
import type { LoginFailures } from '../store/loginFailures.js';
import { nameKey } from '../store/nameKey.js';
import type { RateLimitCounters } from '../store/rateLimits.js';
import { LabBusy, WorkQueue } from '../workers/workQueue.js';

type Options = Pick<LabLimits, 'loginFreeFailures' | 'loginFirstDelayMs' | 'loginMaxDelayMs' | 'loginBusyFailuresPerMinute' | 'passwordChecksAtOnce' | 'passwordChecksWaiting'>;

/** What became of a login: right or wrong password, told to wait (seconds), or the lab is busy. */
export interface LoginOutcome {
  ok: boolean;
  /** Seconds this pair must wait first (the password was not checked). */
  wait?: number;
  /** Too many checks queued (the password was not checked). */
  busy?: boolean;
}

/** The server-wide count of failures, in the shared rate-limit counters. */
const ALL_FAILURES = 'login failures';

/** The account a learner's logins are counted under: their class and name, in any case. */
export function learnerAccount(classIdOrCode: string, displayName: string): string {
  return `learner ${classIdOrCode} ${nameKey(displayName)}`;
}

export class LoginThrottle {
  /** scrypt runs on the thread pool; a few at a time leaves room for everyone's file reads. */
  private readonly checks: WorkQueue;

  constructor(
    private readonly o: Options,
    private readonly failures: LoginFailures,
    private readonly counters: RateLimitCounters,
  ) {
    this.checks = new WorkQueue(o.passwordChecksAtOnce, o.passwordChecksWaiting);
  }

  /** One login try of `account` from `address`: throttled, queued, then `verify` decides. */
  async attempt(account: string, address: string, verify: () => Promise<boolean>, now = Date.now()): Promise<LoginOutcome> {
    const wait = await this.begin(account, address, now);
    if (wait) return { ok: false, wait };
    let right: boolean;
    try {
      right = await this.checks.run(verify);
    } catch (err) {
      // Not a wrong password: the try did not happen.
      await this.failures.uncount(account, address);
      if (err instanceof LabBusy) return { ok: false, busy: true };
      throw err;
    }
    if (right) await this.failures.clear(account, address);
    return { ok: right };
  }

  /** A new password was set for the account: the waits its old one earned end. */
  forget(account: string): Promise<void> {
    return this.failures.clearAccount(account);
  }

  /**
   * Called before a password is checked. Returns the seconds to wait (the try is refused), or
   * 0: the try goes ahead and counts as a failure until the password proves right.
   */
  async begin(account: string, address: string, now = Date.now()): Promise<number> {
    const busy = (await this.counters.recent(ALL_FAILURES, 60_000, now)) > this.o.loginBusyFailuresPerMinute;
    const wait = await this.failures.begin(account, address, { free: busy ? 1 : this.o.loginFreeFailures, firstDelayMs: this.o.loginFirstDelayMs, maxDelayMs: this.o.loginMaxDelayMs }, now);
    if (!wait) await this.counters.count(ALL_FAILURES, 60_000, now);
    return wait;
  }
}
