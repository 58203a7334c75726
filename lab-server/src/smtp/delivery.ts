/**
 * Local delivery (the MDA's job): put the trace headers on top of the message and write it
 * into each recipient's INBOX with the Maildir's tmp -> fsync -> new dance.
 */
import type { Sandbox } from '../world/sandbox.js';
import { traceHeaders, type TraceInfo } from './trace.js';

/** Delivers one message to local recipients; resolves to the size written. */
export async function deliverToMailboxes(sandbox: Sandbox, body: Buffer, recipients: string[], trace: TraceInfo): Promise<number> {
  const message = Buffer.concat([Buffer.from(traceHeaders(trace), 'utf8'), body]);
  // One recipient listed twice (RCPT TO given twice) gets one copy, as Postfix does.
  const users = [...new Set(recipients.map((r) => r.toLowerCase()))].map((address) => {
    const user = sandbox.userByAddress(address);
    if (!user) throw new Error(`recipient ${address} vanished from the sandbox`);
    return user;
  });
  await Promise.all(users.map((user) => sandbox.mailbox(user).inbox.deliver(message)));
  return message.length;
}
