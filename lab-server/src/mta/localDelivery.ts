/**
 * Delivery to an MTA's own users, as Postfix's virtual(8) does it: Return-Path: and Received:
 * on top, one copy into each user's INBOX. A full sandbox defers (452: tried again later); a
 * message bigger than the whole quota bounces (552); a copy the disk has no room for is deferred
 * (4.3.1). Bounces reach their senders this way.
 */
import { rememberEnvelope } from '../imap/mime/cache.js';
import { mailboxOf } from '../maildir/sandboxMaildirs.js';
import type { LabMetrics } from '../operations/metrics.js';
import { isOutOfSpace } from '../files/diskSpace.js';
import { OverQuota } from '../quota/usage.js';
import { quotaReply } from '../smtp/quotaReply.js';
import { rfc5322Date } from '../smtp/trace.js';
import type { LabMta } from '../world/network.js';
import type { Sandbox } from '../world/sandbox.js';
import type { QueuedRecipient, QueueEntry } from './queue.js';
import type { Verdict } from './relay.js';

export interface LocalDelivery {
  sandbox: Sandbox;
  /** The delivering MTA, named in the Received: line. */
  identity: LabMta;
  metrics?: LabMetrics;
}

/** Delivers `message` of the queue entry to `recipients`; one verdict per recipient. */
export async function deliverLocally(to: LocalDelivery, entry: QueueEntry, recipients: QueuedRecipient[], message: Buffer): Promise<Map<string, Verdict>> {
  const verdicts = new Map<string, Verdict>();
  for (const r of recipients) {
    const user = to.sandbox.recipient(r.address);
    if (!user) {
      verdicts.set(r.address, { status: 'bounced', relay: 'virtual', dsn: '5.1.1', reason: `unknown user: "${r.address}"` });
      continue;
    }
    const trace = `Return-Path: <${entry.sender}>\r\nReceived: by ${to.identity.host} (MailLab) id ${entry.id}\r\n\tfor <${r.address}>; ${rfc5322Date(new Date())}\r\n`;
    const copy = Buffer.concat([Buffer.from(trace), message]);
    // A full mailbox is a temporary failure, retried later; a message bigger than the quota bounces.
    const hold = await to.sandbox.usage.reserve(copy.length).catch((err: unknown) => {
      if (!(err instanceof OverQuota)) throw err;
      const { code, text } = quotaReply(err, r.address);
      verdicts.set(r.address, { status: code === 452 ? 'deferred' : 'bounced', relay: 'virtual', dsn: code === 452 ? '4.2.2' : '5.2.2', reason: text.replace(/^\d\.\d\.\d /, '') });
      return undefined;
    });
    if (!hold) continue;
    const inbox = mailboxOf(to.sandbox, user).inbox;
    // A copy that cannot be written is deferred alone, as Postfix's virtual(8) defers it: the
    // recipients already served are not delivered again when the queue tries the rest later.
    const base = await inbox.deliver(copy).catch((err: NodeJS.ErrnoException) => {
      hold.release();
      const full = isOutOfSpace(err);
      verdicts.set(r.address, { status: 'deferred', relay: 'virtual', dsn: full ? '4.3.1' : '4.3.0', reason: `cannot write to the mailbox: ${full ? 'not enough disk space' : (err.code ?? 'write failed')}` });
      return undefined;
    });
    if (base === undefined) continue;
    hold.commit();
    rememberEnvelope(inbox, base, copy);
    to.metrics?.maildirDeliveries.inc({ host: to.identity.host });
    verdicts.set(r.address, { status: 'sent', relay: 'virtual', dsn: '2.0.0', reason: 'delivered to maildir' });
  }
  return verdicts;
}
