/**
 * Local delivery (the MDA's job): put the trace headers on top of the message and write it
 * into each recipient's folder with the Maildir's tmp -> fsync -> new dance.
 */
import { rememberEnvelope } from '../imap/mime/cache.js';
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
  // One recipient listed twice (RCPT TO given twice) gets one copy, as Postfix does.
  const users = [...new Set(recipients.map((r) => r.toLowerCase()))].map((address) => {
    const user = sandbox.userByAddress(address);
    if (!user) throw new Error(`recipient ${address} vanished from the sandbox`);
    return user;
  });
  // Room for every copy is held before anything is written (throws OverQuota).
  const hold = await sandbox.usage.reserve(message.length * users.length, users.length);
  try {
    await Promise.all(
      users.map(async (user) => {
        const target = mailboxOf(sandbox, user).folder(folder);
        if (folder !== 'INBOX') await target.create();
        rememberEnvelope(target, await target.deliver(message), message);
      }),
    );
  } catch (err) {
    hold.release();
    throw err;
  }
  hold.commit();
  return message.length;
}
