/**
 * What an SMTP server answers when the sandbox's quota refuses a message, as Dovecot's LMTP
 * does in front of Postfix: "mailbox full" is temporary (452 4.2.2, quota_full_tempfail = yes;
 * RFC 3463 calls X.2.2 a persistent transient failure, so the sender's queue retries after the
 * owner deleted some mail), while a message larger than the whole quota can never fit and is
 * refused for good (552 5.2.2, Dovecot's "too large" case). The check is made at RCPT TO too,
 * with the size MAIL FROM declared (RFC 1870), as Dovecot's quota-status policy service lets
 * Postfix do, so nobody sends 9 MB only to have them refused.
 */
import type { SMTPServerSession } from 'smtp-server';
import type { OverQuota, Usage } from '../quota/usage.js';
import { megabytes } from '../quota/words.js';
import type { Sandbox } from '../world/sandbox.js';

export interface QuotaReply {
  code: 452 | 552;
  text: string;
}

function used(usage: Usage): string {
  return `this lab world uses ${megabytes(usage.bytes)} of its ${megabytes(usage.limits.bytes)} and holds ${usage.messages} of at most ${usage.limits.messages} messages`;
}

/** The reply for a refused message to `recipient`. */
export function quotaReply(err: OverQuota, recipient: string): QuotaReply {
  if (err.kind === 'too-large') {
    return {
      code: 552,
      text: `5.2.2 <${recipient}>: Quota exceeded: the message (${megabytes(err.wanted)}) is larger than the whole quota of this lab world (${megabytes(err.usage.limits.bytes)}), so it can never be delivered here. Send something smaller`,
    };
  }
  return {
    code: 452,
    text: `4.2.2 <${recipient}>: Mailbox full: ${used(err.usage)}. Delete some mail (IMAP STORE +FLAGS (\\Deleted) then EXPUNGE, or POP3 DELE then QUIT) and send again`,
  };
}

/**
 * At RCPT TO: refuses at once when the message, as big as MAIL FROM said (or 1 byte), will not
 * fit; never makes a recipient that fits wait for the disk.
 */
export async function recipientQuotaReply(sandbox: Sandbox, recipient: string, declaredSize: number): Promise<QuotaReply | undefined> {
  const refusal = await sandbox.usage.precheck(Math.max(1, declaredSize));
  return refusal && quotaReply(refusal, recipient);
}

/** The message size MAIL FROM declared with SIZE= (RFC 1870), or 0. */
export function declaredSize(session: SMTPServerSession): number {
  const from = session.envelope.mailFrom;
  const args = from ? (from.args as Record<string, string | undefined> | false) : false;
  return args && /^\d{1,15}$/.test(args.SIZE ?? '') ? Number(args.SIZE) : 0;
}
