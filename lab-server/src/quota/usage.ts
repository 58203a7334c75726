/**
 * A sandbox's disk quota: how much its Maildirs, mail queues, transcripts and logs take, and
 * whether more may be written. Everything that writes mail asks first (`reserve`), and says
 * how much it wrote; what it cannot be told about (an expunge, a log rotated away) is found
 * by looking at the disk again, which happens whenever the count is old or a write would be
 * refused, so a learner who deletes mail gets their space back at once.
 *
 * Two resources, as RFC 9208 names them: STORAGE (bytes on disk, file sizes as Dovecot's
 * quota counts them) and MESSAGE (messages in all folders).
 */
import { measureSandbox } from './scan.js';

export interface QuotaLimits {
  /** Bytes the whole sandbox may take on disk. */
  bytes: number;
  /** Messages in all the sandbox's folders. */
  messages: number;
}

/** Sized for a course: hundreds of small messages a learner sends by hand, and room to spare. */
export const DEFAULT_QUOTA: QuotaLimits = { bytes: 64 * 1024 * 1024, messages: 10_000 };

export interface Usage {
  bytes: number;
  messages: number;
  limits: QuotaLimits;
}

/** A write the quota refused. */
export class OverQuota extends Error {
  constructor(
    /** 'full': not now, there is not enough room left; 'too-large': never, it is bigger than the quota. */
    readonly kind: 'full' | 'too-large',
    readonly resource: 'STORAGE' | 'MESSAGE',
    readonly usage: Usage,
    /** Bytes that were asked for. */
    readonly wanted: number,
  ) {
    super(kind === 'too-large' ? 'Quota exceeded: the message is larger than the whole quota' : 'Quota exceeded (mailbox for user is full)');
  }
}

/** Space held for a write in progress; settle it once the write is done or has failed. */
export interface Reservation {
  /** The write happened (with its real size when known). */
  commit(bytes?: number): void;
  /** The write did not happen. */
  release(): void;
}

/** A count older than this is read from the disk again before it is shown. */
const FRESH_MS = 60_000;
/** Before a write is refused the disk is read again, at most this often. */
const RECHECK_MS = 2_000;

export class SandboxUsage {
  private measured = { bytes: 0, messages: 0 };
  /** Written since the last measurement. */
  private added = { bytes: 0, messages: 0 };
  /** Held by writes in progress. */
  private held = { bytes: 0, messages: 0 };
  private measuredAt = -Infinity;
  private measuring: Promise<void> | undefined;

  constructor(
    readonly dir: string,
    readonly limits: QuotaLimits,
  ) {}

  /** What the sandbox takes now. */
  async usage(): Promise<Usage> {
    if (Date.now() - this.measuredAt > FRESH_MS) await this.measure();
    return this.current();
  }

  /** The last known count, without looking at the disk (for a dashboard of hundreds). */
  known(): Usage | undefined {
    return this.measuredAt === -Infinity ? undefined : this.current();
  }

  /**
   * Holds room for `bytes` in `messages` new messages, or throws OverQuota. A write that would
   * not fit is refused only after the disk has been looked at again, so space freed by
   * deletions counts.
   */
  async reserve(bytes: number, messages = 1): Promise<Reservation> {
    if (this.measuredAt === -Infinity) await this.measure();
    // Asked again after the awaits, in the turn that holds the room, so that concurrent
    // writers cannot both fit.
    const refusal = (await this.refusalAfterRecheck(bytes, messages)) ?? this.refusal(bytes, messages);
    if (refusal) throw refusal;
    this.held.bytes += bytes;
    this.held.messages += messages;
    let settled = false;
    const settle = (): boolean => {
      if (settled) return false;
      settled = true;
      this.held.bytes -= bytes;
      this.held.messages -= messages;
      return true;
    };
    return {
      commit: (actual = bytes) => {
        if (settle()) this.add(actual, messages);
      },
      release: () => void settle(),
    };
  }

  /** Throws OverQuota when `bytes` more would not fit now (nothing is held). */
  async check(bytes: number, messages = 1): Promise<void> {
    (await this.reserve(bytes, messages)).release();
  }

  /**
   * An early answer (RCPT TO, before any data): the refusal `reserve` would give, worked out
   * from what is known without waiting for the disk, unless the answer is no. Nothing is
   * known yet about a sandbox nobody wrote to: then the write itself decides.
   */
  async precheck(bytes: number, messages = 1): Promise<OverQuota | undefined> {
    if (this.measuredAt === -Infinity) {
      void this.measure().catch(() => undefined);
      return undefined;
    }
    return this.refusalAfterRecheck(bytes, messages);
  }

  /** Records a write (or, negative, a removal) made without a reservation. */
  add(bytes: number, messages = 0): void {
    this.added.bytes += bytes;
    this.added.messages += messages;
  }

  /** The files changed behind our back (a reset): count again at the next question. */
  forget(): void {
    this.measuredAt = -Infinity;
  }

  private current(): Usage {
    const bytes = this.measured.bytes + this.added.bytes + this.held.bytes;
    const messages = this.measured.messages + this.added.messages + this.held.messages;
    return { bytes: Math.max(0, bytes), messages: Math.max(0, messages), limits: this.limits };
  }

  /**
   * The refusal for a write, if any. The count is brought up to date in the background when
   * it is old; the disk is waited for only when the answer would be no, so a write that fits
   * never waits behind other writers' disk work.
   */
  private async refusalAfterRecheck(bytes: number, messages: number): Promise<OverQuota | undefined> {
    if (Date.now() - this.measuredAt > FRESH_MS) void this.measure().catch(() => undefined);
    const refusal = this.refusal(bytes, messages);
    if (!refusal || Date.now() - this.measuredAt <= RECHECK_MS) return refusal;
    await this.measure();
    return this.refusal(bytes, messages);
  }

  private refusal(bytes: number, messages: number): OverQuota | undefined {
    const now = this.current();
    if (bytes > this.limits.bytes) return new OverQuota('too-large', 'STORAGE', now, bytes);
    if (now.bytes + bytes > this.limits.bytes) return new OverQuota('full', 'STORAGE', now, bytes);
    if (now.messages + messages > this.limits.messages) return new OverQuota('full', 'MESSAGE', now, bytes);
    return undefined;
  }

  private measure(): Promise<void> {
    this.measuring ??= (async () => {
      try {
        // What is written while the disk is read may be counted twice until the next look;
        // never less than the truth.
        const before = { ...this.added };
        const found = await measureSandbox(this.dir);
        this.measured = found;
        this.added = { bytes: this.added.bytes - before.bytes, messages: this.added.messages - before.messages };
        this.measuredAt = Date.now();
      } finally {
        this.measuring = undefined;
      }
    })();
    return this.measuring;
  }
}
