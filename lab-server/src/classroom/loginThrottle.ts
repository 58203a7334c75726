/**
 * Login throttling that slows a password guesser down without letting anyone lock somebody
 * else out. It counts wrong passwords per (account, address) pair, as real servers do (compare
 * Dovecot's auth penalty or OWASP's per-client lockouts), never per account: a stranger's
 * guesses from elsewhere never delay the account's owner. After a few free failures each next
 * try of that pair must wait, the wait doubling up to a cap; a right password clears the pair.
 * When the whole server sees many failures a minute (a guesser spread over many addresses),
 * every pair's waits start at its first wrong password, and a right first try still works.
 */
import type { LabLimits } from '../limits.js';
import { LabBusy, WorkQueue } from './workQueue.js';

type Options = Pick<LabLimits, 'loginFreeFailures' | 'loginFirstDelayMs' | 'loginMaxDelayMs' | 'loginBusyFailuresPerMinute' | 'passwordChecksAtOnce' | 'passwordChecksWaiting'>;

/** What became of a login: right or wrong password, told to wait (seconds), or the lab is busy. */
export interface LoginOutcome {
  ok: boolean;
  /** Seconds this pair must wait first (the password was not checked). */
  wait?: number;
  /** Too many checks queued (the password was not checked). */
  busy?: boolean;
}

interface Pair {
  failures: number;
  lastAt: number;
}

/** A pair quiet for this long is forgotten. */
const FORGET_AFTER_MS = 60 * 60_000;
/** Pairs remembered at most (a flood of new pairs evicts the oldest). */
const MAX_PAIRS = 100_000;

export class LoginThrottle {
  private readonly pairs = new Map<string, Pair>();
  /** Failures in each of the last 60 seconds, for the server-wide rate. */
  private readonly perSecond = new Array<number>(60).fill(0);
  private second = 0;

  /** scrypt runs on the thread pool; a few at a time leaves room for everyone's file reads. */
  private readonly checks: WorkQueue;

  constructor(private readonly o: Options) {
    this.checks = new WorkQueue(o.passwordChecksAtOnce, o.passwordChecksWaiting);
  }

  /** One login try of `account` from `address`: throttled, queued, then `verify` decides. */
  async attempt(account: string, address: string, verify: () => Promise<boolean>): Promise<LoginOutcome> {
    const wait = this.begin(account, address);
    if (wait) return { ok: false, wait };
    let right: boolean;
    try {
      right = await this.checks.run(verify);
    } catch (err) {
      // Not a wrong password: the try did not happen.
      const pair = this.pairs.get(`${account}\n${address}`);
      if (pair) pair.failures--;
      if (err instanceof LabBusy) return { ok: false, busy: true };
      throw err;
    }
    if (right) this.succeeded(account, address);
    return { ok: right };
  }

  /**
   * Called before a password is checked. Returns the seconds to wait (the try is refused), or
   * 0: the try goes ahead and counts as a failure until succeeded() says otherwise, so
   * parallel tries of one pair cannot all slip through before the first result is known.
   */
  begin(account: string, address: string, now = Date.now()): number {
    const key = `${account}\n${address}`;
    const pair = this.pairs.get(key);
    if (pair && now - pair.lastAt > FORGET_AFTER_MS) this.pairs.delete(key);
    const current = this.pairs.get(key) ?? { failures: 0, lastAt: 0 };
    const free = this.busy(now) ? 1 : this.o.loginFreeFailures;
    if (current.failures >= free) {
      const delay = Math.min(this.o.loginMaxDelayMs, this.o.loginFirstDelayMs * 2 ** (current.failures - free));
      const left = current.lastAt + delay - now;
      if (left > 0) return Math.ceil(left / 1000);
    }
    current.failures++;
    current.lastAt = now;
    this.pairs.delete(key);
    this.pairs.set(key, current);
    this.count(now);
    if (this.pairs.size > MAX_PAIRS) this.pairs.delete(this.pairs.keys().next().value!);
    return 0;
  }

  /** The password was right: the pair starts afresh. */
  succeeded(account: string, address: string): void {
    this.pairs.delete(`${account}\n${address}`);
  }

  private count(now: number): void {
    this.advance(now);
    this.perSecond[this.second % 60]!++;
  }

  private busy(now: number): boolean {
    this.advance(now);
    return this.perSecond.reduce((a, b) => a + b, 0) > this.o.loginBusyFailuresPerMinute;
  }

  /** Moves the 60-second window to now, clearing the seconds that passed. */
  private advance(now: number): void {
    const s = Math.floor(now / 1000);
    if (s - this.second >= 60) this.perSecond.fill(0);
    else for (let t = this.second + 1; t <= s; t++) this.perSecond[t % 60] = 0;
    this.second = Math.max(this.second, s);
  }
}
