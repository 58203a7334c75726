/**
 * The sandbox's quota as IMAP shows it (RFC 9208): one quota root, "sandbox", covering every
 * mailbox of every user of the lab world, with STORAGE (in units of 1024 octets) and MESSAGE
 * limits; and the NO [OVERQUOTA] a store gets when it would not fit. MOVE does not count: it
 * takes no more room than it frees, so it works even when the sandbox is full (how else would
 * anyone move mail to Trash to make room), as Dovecot allows moves within one quota root.
 */
import { OverQuota, type Reservation, type SandboxUsage, type Usage } from '../quota/usage.js';
import { megabytes } from '../quota/words.js';
import { CommandFailed, no } from './response.js';
import { plural } from '../grading/feedback.js';

export const QUOTA_ROOT = 'sandbox';

/** `* QUOTA "sandbox" (STORAGE used limit MESSAGE used limit)`. */
export function quotaResponse(usage: Usage): string {
  const kb = (bytes: number): number => Math.ceil(bytes / 1024);
  return `QUOTA "${QUOTA_ROOT}" (STORAGE ${kb(usage.bytes)} ${kb(usage.limits.bytes)} MESSAGE ${usage.messages} ${usage.limits.messages})`;
}

/** Holds room for messages about to be stored, or ends the command with NO [OVERQUOTA]. */
export async function reserveOrRefuse(usage: SandboxUsage, tag: string, bytes: number, messages: number): Promise<Reservation> {
  try {
    return await usage.reserve(bytes, messages);
  } catch (err) {
    if (!(err instanceof OverQuota)) throw err;
    const u = err.usage;
    const text =
      err.kind === 'too-large'
        ? `Quota exceeded: ${megabytes(err.wanted)} is more than this lab world's whole quota of ${megabytes(u.limits.bytes)}. Store something smaller`
        : err.resource === 'MESSAGE'
          ? `Quota exceeded: this lab world holds ${plural(u.messages, 'message')}, its limit is ${u.limits.messages}. Delete some (STORE +FLAGS (\\Deleted), then EXPUNGE) and try again. See: ${tag} GETQUOTAROOT INBOX`
          : `Quota exceeded (mailbox is full): this lab world uses ${megabytes(u.bytes)} of its ${megabytes(u.limits.bytes)}. Delete some mail (STORE +FLAGS (\\Deleted), then EXPUNGE) and try again. See: ${tag} GETQUOTAROOT INBOX`;
    throw new CommandFailed(no(text, 'OVERQUOTA'));
  }
}
