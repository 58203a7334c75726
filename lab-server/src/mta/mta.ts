/**
 * One mail server of one sandbox — mail.example.com or mail.otherdomain.com — as far as
 * sending goes: its queue, the queue manager's schedule (Postfix's qmgr: first attempt at
 * once, then retries with doubling back-off), local delivery for its own domain
 * (localDelivery.ts), relaying to the other lab MTA (relay.ts), and bounces (RFC 3464) when
 * a message cannot be delivered.
 * Everything it does is written to its log in Postfix's words.
 */
import type { EventEmitter } from 'node:events';
import { join } from 'node:path';
import type { Logger } from '../log.js';
import type { LabMetrics } from '../operations/metrics.js';
import { OverQuota } from '../quota/usage.js';
import { splitAddress } from '../world/definition.js';
import { mtaLogFile } from '../world/mailLogFiles.js';
import { homeMta, type LabMta } from '../world/network.js';
import type { Sandbox } from '../world/sandbox.js';
import type { Clock, Timer } from './clock.js';
import { bounceMessage } from './dsn.js';
import { deliverLocally } from './localDelivery.js';
import { MailLog } from './mailLog.js';
import { MailQueue, type QueuedRecipient, type QueueEntry } from './queue.js';
import { relayToDomain, type RelayDeps, type Verdict } from './relay.js';

export interface RetryPolicy {
  /** Wait after the first failed attempt (Postfix: minimal_backoff_time). */
  firstRetryMs: number;
  /** Longest wait between attempts (maximal_backoff_time). */
  maxRetryMs: number;
  /** Attempts before a message is returned to its sender. */
  maxAttempts: number;
}

export const DEFAULT_RETRY: RetryPolicy = { firstRetryMs: 30_000, maxRetryMs: 5 * 60_000, maxAttempts: 8 };

export interface MtaContext extends RelayDeps {
  clock: Clock;
  retry: RetryPolicy;
  events: EventEmitter;
  labLog: Logger;
  metrics?: LabMetrics;
}

/** Delay after `attempts` failed attempts: first, 2×first, 4×first ... at most max. */
export function backoff(policy: RetryPolicy, attempts: number): number {
  return Math.min(policy.maxRetryMs, policy.firstRetryMs * 2 ** Math.max(0, attempts - 1));
}

/** What a queued message's state file takes besides the message, about. */
const QUEUE_STATE_BYTES = 1024;

/** Attempts one MTA runs at once (Postfix: default_destination_concurrency_limit = 20). */
export const MAX_PARALLEL_ATTEMPTS = 20;

const secs = (ms: number): string => (ms / 1000).toFixed(ms < 10_000 ? 2 : 1).replace(/\.?0+$/, '') || '0';

export class Mta {
  running = true;
  /** The sandbox's world this MTA was loaded for (see Sandbox.writeState). */
  readonly generation: number;
  readonly queue: MailQueue;
  readonly log: MailLog;
  private entries = new Map<string, QueueEntry>();
  private timers = new Map<string, Timer>();
  private active = new Map<string, Promise<void>>();
  /** Messages flushed while an attempt was running: tried again as soon as it ends. */
  private flushAfterAttempt = new Set<string>();
  /** Due attempts waiting for a free slot, oldest first (a Set: a flush of a queue of thousands looks each one up). */
  private waiting = new Set<string>();
  private closed = false;

  constructor(
    readonly sandbox: Sandbox,
    readonly identity: LabMta,
    private readonly ctx: MtaContext,
  ) {
    this.generation = sandbox.generation;
    // Queue writes of a world the learner has reset since are dropped, never written back.
    this.queue = new MailQueue(join(sandbox.dir, 'queue', identity.domain), (write) => sandbox.writeState(this.generation, write));
    this.log = new MailLog(mtaLogFile(sandbox, identity.host), identity.host, sandbox.id, ctx.clock, ctx.events);
  }

  /** Reads the queue from disk and schedules every message (used at start). */
  async loadQueue(): Promise<void> {
    for (const entry of await this.queue.load()) {
      this.entries.set(entry.id, entry);
      this.schedule(entry.id, Math.max(0, entry.nextAttempt - this.ctx.clock.now()));
    }
  }

  /** The queue as `mailq` shows it, oldest first. */
  list(): QueueEntry[] {
    return [...this.entries.values()].sort((a, b) => a.arrival - b.arrival);
  }

  isActive(id: string): boolean {
    return this.active.has(id);
  }

  /** Puts a message (CRLF line ends) in the queue and starts delivering it. */
  async enqueue(sender: string, recipients: string[], message: Buffer, info: { messageId?: string; subject?: string; id?: string } = {}): Promise<QueueEntry> {
    const now = this.ctx.clock.now();
    const { id, ...described } = info;
    // The queue is part of the sandbox's quota (throws OverQuota when there is no room).
    const hold = await this.sandbox.usage.reserve(message.length + QUEUE_STATE_BYTES, 0);
    const entry = await this.queue.add({ sender, recipients: recipients.map((address) => ({ address, status: 'pending' })), arrival: now, attempts: 0, nextAttempt: now, ...described }, message, id).then(
      (added) => {
        hold.commit();
        return added;
      },
      (err: unknown) => {
        hold.release();
        throw err;
      },
    );
    this.entries.set(entry.id, entry);
    this.log.write('qmgr', `${entry.id}: from=<${sender}>, size=${entry.size}, nrcpt=${recipients.length} (queue active)`);
    this.schedule(entry.id, 0);
    return entry;
  }

  /** `postqueue -f`: attempts every deferred message now; one being attempted right now, again once that attempt ends. */
  flush(): void {
    for (const id of this.entries.keys()) {
      if (this.active.has(id)) this.flushAfterAttempt.add(id);
      else if (!this.waiting.has(id)) this.schedule(id, 0);
    }
  }

  /** Stops scheduling (lab shutdown) and waits for attempts in progress. */
  async close(): Promise<void> {
    this.closed = true;
    for (const t of this.timers.values()) t.cancel();
    this.timers.clear();
    this.waiting.clear();
    await Promise.allSettled([...this.active.values()]);
    await this.log.close();
  }

  /** Resolves when no attempt is running (tests, benchmarks). */
  async idle(): Promise<void> {
    while (this.active.size > 0 || this.waiting.size > 0) {
      if (this.active.size === 0) await new Promise((r) => setImmediate(r));
      else await Promise.allSettled([...this.active.values()]);
    }
  }

  private schedule(id: string, delayMs: number): void {
    if (this.closed) return;
    this.timers.get(id)?.cancel();
    // "Now" is not a matter of the clock: a manual clock (tests) only governs the retries.
    const after = (ms: number, fn: () => void): Timer => {
      if (ms > 0) return this.ctx.clock.after(ms, fn);
      const handle = setImmediate(fn);
      return { cancel: () => clearImmediate(handle) };
    };
    const timer = after(delayMs, () => {
      this.timers.delete(id);
      if (this.active.has(id) || this.closed || this.waiting.has(id)) return;
      this.waiting.add(id);
      this.startWaiting();
    });
    this.timers.set(id, timer);
  }

  /** Starts due attempts while fewer than MAX_PARALLEL_ATTEMPTS run (Postfix's destination concurrency). */
  private startWaiting(): void {
    while (this.active.size < MAX_PARALLEL_ATTEMPTS && this.waiting.size > 0 && !this.closed) {
      const id = this.waiting.values().next().value!;
      this.waiting.delete(id);
      if (this.active.has(id)) continue;
      const run = this.attempt(id)
        .catch((err: Error) => {
          this.ctx.labLog(`mta/${this.identity.host}`, `${this.sandbox.id} ${id}: attempt failed: ${err.message}`);
          const entry = this.entries.get(id);
          if (entry && !this.closed) this.schedule(id, backoff(this.ctx.retry, entry.attempts));
        })
        .finally(() => {
          this.active.delete(id);
          this.startWaiting();
        });
      this.active.set(id, run);
    }
  }

  private async attempt(id: string): Promise<void> {
    const entry = this.entries.get(id);
    if (!entry) return;
    let message: Buffer;
    try {
      message = await this.queue.message(id);
    } catch {
      // The sandbox was reset under us: the message is gone.
      this.entries.delete(id);
      return;
    }
    entry.attempts++;
    const pending = entry.recipients.filter((r) => r.status === 'pending');
    const byDomain = new Map<string, QueuedRecipient[]>();
    for (const r of pending) {
      const domain = splitAddress(r.address)?.domain ?? '';
      byDomain.set(domain, [...(byDomain.get(domain) ?? []), r]);
    }
    const newlyBounced: QueuedRecipient[] = [];
    for (const [domain, recipients] of byDomain) {
      const verdicts = homeMta(domain).domain === this.identity.domain && this.sandbox.isLocalDomain(domain)
        ? await deliverLocally({ sandbox: this.sandbox, identity: this.identity, metrics: this.ctx.metrics }, entry, recipients, message)
        : await relayToDomain(this.ctx, { sandbox: this.sandbox, identity: this.identity, log: this.log, sender: entry.sender, domain, recipients: recipients.map((r) => r.address), message });
      for (const r of recipients) {
        const v = verdicts.get(r.address)!;
        r.reason = v.reason;
        r.dsn = v.dsn;
        if (v.remoteMta) r.remoteMta = v.remoteMta;
        if (v.diagnostic) r.diagnostic = v.diagnostic;
        if (v.status === 'sent') r.status = 'sent';
        else if (v.status === 'bounced') {
          r.status = 'bounced';
          newlyBounced.push(r);
        }
        this.logDelivery(entry, r, v);
      }
    }
    const stillPending = entry.recipients.filter((r) => r.status === 'pending');
    if (stillPending.length > 0 && entry.attempts >= this.ctx.retry.maxAttempts) {
      for (const r of stillPending) {
        r.status = 'bounced';
        r.dsn = r.dsn?.replace(/^4/, '5') ?? '5.4.7';
        r.reason = `message expired after ${entry.attempts} delivery attempts: ${r.reason ?? 'no reason'}`;
        newlyBounced.push(r);
        this.log.write('qmgr', `${entry.id}: from=<${entry.sender}>, status=expired, returned to sender (${r.reason})`);
      }
    }
    if (newlyBounced.length > 0) await this.bounce(entry, newlyBounced, message);
    if (entry.recipients.every((r) => r.status !== 'pending')) {
      this.entries.delete(id);
      this.flushAfterAttempt.delete(id);
      await this.queue.remove(id);
      this.sandbox.usage.add(-(entry.size + QUEUE_STATE_BYTES));
      this.log.write('qmgr', `${entry.id}: removed`);
      return;
    }
    entry.nextAttempt = this.ctx.clock.now() + backoff(this.ctx.retry, entry.attempts);
    await this.queue.save(entry);
    this.schedule(id, this.flushAfterAttempt.delete(id) ? 0 : entry.nextAttempt - this.ctx.clock.now());
  }

  private logDelivery(entry: QueueEntry, r: QueuedRecipient, v: Verdict): void {
    const now = this.ctx.clock.now();
    const total = now - entry.arrival;
    const conn = v.setupMs ?? 0;
    const xfer = v.transferMs ?? 0;
    const inQueue = Math.max(0, total - conn - xfer);
    this.ctx.metrics?.queueDeliveries.inc({ host: this.identity.host, status: v.status });
    this.log.write(
      v.relay === 'virtual' ? 'virtual' : 'smtp',
      `${entry.id}: to=<${r.address}>, relay=${v.relay}, delay=${secs(total)}, delays=0/${secs(inQueue)}/${secs(conn)}/${secs(xfer)}, dsn=${v.dsn}, status=${v.status} (${v.reason})`,
    );
  }

  /** Returns failed recipients to the sender in one bounce; a bounce that bounces is only logged. */
  private async bounce(entry: QueueEntry, failed: QueuedRecipient[], original: Buffer): Promise<void> {
    if (entry.sender === '') {
      this.log.write('bounce', `${entry.id}: undeliverable bounce discarded (a bounce is never bounced back)`);
      return;
    }
    const dsn = bounceMessage({ host: this.identity.host, queueId: entry.id, sender: entry.sender, arrival: new Date(entry.arrival), failed, original, now: new Date() });
    const notice = await this.enqueue('', [entry.sender], dsn, { subject: 'Undelivered Mail Returned to Sender' }).catch((err: unknown) => {
      if (!(err instanceof OverQuota)) throw err;
      this.log.write('bounce', `${entry.id}: sender non-delivery notification discarded: this lab world is over its disk quota`);
      return undefined;
    });
    if (!notice) return;
    this.ctx.metrics?.bounces.inc({ host: this.identity.host });
    this.log.write('bounce', `${entry.id}: sender non-delivery notification: ${notice.id}`);
  }
}
