/**
 * Wrong mail passwords from one remote address, shared by SMTP AUTH, POP3 and IMAP (after
 * Dovecot's auth_penalty): past a few free failures, each further login try from the address
 * waits its turn, the turns doubling apart up to a cap, so guessing over many parallel or
 * fresh connections is no faster than on one. The turns are timers, never sleeps.
 *
 * Keyed by address, not (address, user name): every learner's world has the same user names
 * (alice@example.com…), so a class behind one NAT address shares both. What keeps that class
 * working while one member guesses is that a login already proven right from the address
 * skips the queue (OWASP's "device cookie" idea, with the credentials as the cookie): mail
 * clients reconnect with the same password all the time. The free failures, forgotten after a
 * quiet while, keep a few careless typos from delaying anyone. The price: while a guesser
 * keeps the queue full, a login never yet proven right from that address waits its turn like
 * any other (at most maxDelayMs) or is told when to come back, as every try is in Dovecot.
 * The table is one Map in least-recently-used order, capped, so a stranger with many
 * addresses cannot grow it.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { isIPv6 } from 'node:net';
import { DEFAULT_LIMITS, type LabLimits } from '../limits.js';

export interface PenaltyLimits {
  /** Wrong passwords from one address that cost nothing. */
  freeFailures: number;
  /** The first turn's spacing; it doubles with each further failure up to maxDelayMs. */
  firstDelayMs: number;
  /** No try waits longer than this: one whose turn is further away is refused at once. */
  maxDelayMs: number;
  /** An address without a wrong password for this long starts afresh. */
  quietMs: number;
  /** Addresses remembered at most (the least recently seen are forgotten first). */
  addresses: number;
}

/** Logins proven right remembered per address: a class of 300 with a few mailboxes each. */
const KNOWN_LOGINS = 1000;

interface AddressRecord {
  failures: number;
  lastFailureAt: number;
  /** When the next queued try may be checked. */
  nextTurnAt: number;
  /** Fingerprints of the logins that succeeded from this address, oldest first. */
  known: Set<string>;
}

/**
 * The key an address's failures count under. An IPv6 client owns a whole /64 or more, so as in
 * Dovecot its failures count under its /48: walking through addresses gains nothing. An IPv4
 * address written as IPv6 (::ffff:192.0.2.1) is that IPv4 address.
 */
export function penaltyAddress(remote: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(remote);
  if (mapped) return mapped[1]!;
  if (!isIPv6(remote)) return remote;
  const [head = '', tail = ''] = remote.toLowerCase().split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups = remote.includes('::') ? [...left, ...Array(8 - left.length - right.length).fill('0'), ...right] : left;
  return `${groups.slice(0, 3).map((g) => Number.parseInt(g, 16).toString(16)).join(':')}::/48`;
}

/** Check now (waitMs 0), after a wait, or not at all: the address must retry in retryMs. */
export type Turn = { waitMs: number } | { retryMs: number };

export class AuthPenalty {
  private readonly records = new Map<string, AddressRecord>();
  /** Fingerprints are keyed per process, so the table never holds a reusable password hash. */
  private readonly key = randomBytes(32);

  constructor(readonly limits: PenaltyLimits) {}

  /** The penalty as the lab's limits set it. */
  static from(limits: LabLimits = DEFAULT_LIMITS): AuthPenalty {
    return new AuthPenalty({
      freeFailures: limits.mailAuthFreeFailures,
      firstDelayMs: 1000,
      maxDelayMs: limits.mailAuthPenaltyMaxDelayMs,
      quietMs: limits.mailAuthPenaltyQuietMs,
      addresses: limits.mailAuthPenaltyAddresses,
    });
  }

  /** Addresses remembered now (for tests and metrics). */
  get size(): number {
    return this.records.size;
  }

  /**
   * Before a password is checked: when this try from `address` may be checked. A try let
   * through counts as a failure until succeeded() or uncount() says otherwise, so tries
   * arriving together cannot all slip through before the first answer is known.
   */
  turn(address: string, login: string, password: string, now = Date.now()): Turn {
    const record = this.recent(address, now) ?? this.add(address);
    const known = record.known.has(this.fingerprint(login, password));
    if (!known && record.failures >= this.limits.freeFailures) {
      const start = Math.max(now, record.nextTurnAt);
      if (start - now > this.limits.maxDelayMs) return { retryMs: start - now };
      const spacing = this.limits.firstDelayMs * 2 ** (record.failures - this.limits.freeFailures);
      record.nextTurnAt = start + Math.min(this.limits.maxDelayMs, spacing);
      this.count(record, now);
      return { waitMs: start - now };
    }
    this.count(record, now);
    return { waitMs: 0 };
  }

  /** The try let through did not test a password after all (e.g. the mailbox is on another node). */
  uncount(address: string): void {
    const record = this.records.get(address);
    if (record && record.failures > 0) record.failures--;
  }

  /** A right password: not a failure, and this login skips the queue from this address from now on. */
  succeeded(address: string, login: string, password: string): void {
    this.uncount(address);
    const record = this.records.get(address);
    if (!record) return;
    const print = this.fingerprint(login, password);
    record.known.delete(print);
    record.known.add(print);
    if (record.known.size > KNOWN_LOGINS) record.known.delete(record.known.values().next().value!);
  }

  /** The address's record, marked most recently used; its failures forgotten after a quiet while. */
  private recent(address: string, now: number): AddressRecord | undefined {
    const record = this.records.get(address);
    if (!record) return undefined;
    this.records.delete(address);
    this.records.set(address, record);
    if (record.failures > 0 && now - record.lastFailureAt > this.limits.quietMs) {
      record.failures = 0;
      record.nextTurnAt = 0;
    }
    return record;
  }

  private count(record: AddressRecord, now: number): void {
    record.failures++;
    record.lastFailureAt = now;
  }

  private add(address: string): AddressRecord {
    const record: AddressRecord = { failures: 0, lastFailureAt: 0, nextTurnAt: 0, known: new Set() };
    this.records.set(address, record);
    if (this.records.size > this.limits.addresses) this.records.delete(this.records.keys().next().value!);
    return record;
  }

  private fingerprint(login: string, password: string): string {
    return createHmac('sha256', this.key).update(`${login.trim().toLowerCase()}\0${password}`).digest('base64');
  }
}
