/**
 * Local delivery (the MDA's job): put the trace headers on top of the message and write it
 * into each recipient's folder with the Maildir's tmp -> fsync -> new dance.
 */
import { unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { rememberEnvelope } from '../imap/mime/cache.js';
import { discardStagedFile, prepareMessage, stageMessageFile, type StagedFile } from '../maildir/messageFile.js';
import { mailboxOf } from '../maildir/sandboxMaildirs.js';
import type { Sandbox } from '../world/sandbox.js';
import { traceHeaders, type TraceInfo } from './trace.js';

/**
 * Delivers one message to local recipients, into INBOX or another folder (Junk for DMARC
 * p=quarantine, created if missing); resolves to the size written. Throws OverQuota, writing
 * nothing, when the sandbox has no room for it.
 */
export async function deliverToMailboxes(sandbox: Sandbox, body: Buffer, recipients: string[], trace: TraceInfo, folder = 'INBOX'): Promise<number> {
  const message = Buffer.concat([Buffer.from(traceHeaders(trace), 'utf8'), body]);
  // A user named twice (RCPT TO given twice, or as postmaster too) gets one copy, as Postfix does.
  const users = [
    ...new Set(
      recipients.map((address) => {
        const user = sandbox.recipient(address);
        if (!user) throw new Error(`recipient ${address} vanished from the sandbox`);
        return user;
      }),
    ),
  ];
  // Room for every copy is held before anything is written (throws OverQuota).
  const hold = await sandbox.usage.reserve(message.length * users.length, users.length);
  const targets = users.map((user) => mailboxOf(sandbox, user).folder(folder));
  // Every copy is written to its folder's tmp/ before any goes into new/: when one cannot be
  // written (a full disk), none is delivered, and the client's retry delivers each copy once.
  const staged = await Promise.allSettled(
    targets.map(async (target) => {
      if (folder !== 'INBOX') await target.create();
      return stageMessageFile(target.dir, prepareMessage(message));
    }),
  );
  const failed = staged.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed) {
    hold.release();
    await Promise.all(staged.map((s) => (s.status === 'fulfilled' ? discardStagedFile(s.value) : undefined)));
    throw failed.reason;
  }
  const placed = await Promise.allSettled(targets.map((target, i) => target.deliver((staged[i] as PromiseFulfilledResult<StagedFile>).value)));
  const misplaced = placed.find((p): p is PromiseRejectedResult => p.status === 'rejected');
  if (misplaced) {
    // A rename failed (rare: a directory that needs a block on a full disk): the copies placed go too.
    hold.release();
    await Promise.all(placed.map((p, i) => (p.status === 'fulfilled' ? unlink(join(targets[i]!.dir, 'new', p.value)).catch(() => undefined) : undefined)));
    throw misplaced.reason;
  }
  placed.forEach((p, i) => rememberEnvelope(targets[i]!, (p as PromiseFulfilledResult<string>).value, message));
  hold.commit();
  return message.length;
}
