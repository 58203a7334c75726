/**
 * Local delivery (the MDA's job): put the trace headers on top of the message and write it
 * into each recipient's folder with the Maildir's tmp -> fsync -> new dance.
 */
import { unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { rememberEnvelope } from '../imap/mime/cache.js';
import { HEADER_READ } from '../imap/mime/envelopeFiles.js';
import { anotherCopy, discardStagedFile, prepareMessageInTurns, stageMessageFile, type StagedFile } from '../maildir/messageFile.js';
import { mailboxOf } from '../maildir/sandboxMaildirs.js';
import type { Sandbox } from '../world/sandbox.js';
import { traceHeaders, type TraceInfo } from './trace.js';

/**
 * Delivers one message to local recipients, into INBOX or another folder (Junk for DMARC
 * p=quarantine, created if missing); resolves to the size written. Throws OverQuota, writing
 * nothing, when the sandbox has no room for it. The message comes in parts (headers added on
 * the way, then the message as received) and is never joined: a copy of 9 MB costs the event
 * loop tens of milliseconds.
 */
export async function deliverToMailboxes(sandbox: Sandbox, body: readonly Buffer[], recipients: string[], trace: TraceInfo, folder = 'INBOX'): Promise<number> {
  const message = [Buffer.from(traceHeaders(trace), 'utf8'), ...body];
  const length = message.reduce((sum, part) => sum + part.length, 0);
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
  const hold = await sandbox.usage.reserve(length * users.length, users.length);
  const targets = users.map((user) => mailboxOf(sandbox, user).folder(folder));
  const prepared = await prepareMessageInTurns(message).catch((err: unknown) => {
    hold.release();
    throw err;
  });
  // Every copy is written to its folder's tmp/ before any goes into new/: when one cannot be
  // written (a full disk), none is delivered, and the client's retry delivers each copy once.
  const staged = await Promise.allSettled(
    targets.map(async (target, i) => {
      if (folder !== 'INBOX') await target.create();
      return stageMessageFile(target.dir, i === 0 ? prepared : anotherCopy(prepared));
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
  // One byte past what it reads tells rememberEnvelope whether it has the whole message.
  const head = leadingBytes(message, HEADER_READ + 1);
  placed.forEach((p, i) => rememberEnvelope(targets[i]!, (p as PromiseFulfilledResult<string>).value, head));
  hold.commit();
  return length;
}

/** The first `n` bytes of a message in parts. */
function leadingBytes(parts: readonly Buffer[], n: number): Buffer {
  const lead: Buffer[] = [];
  for (const part of parts) {
    if (n <= 0) break;
    lead.push(part.subarray(0, n));
    n -= part.length;
  }
  return Buffer.concat(lead);
}
