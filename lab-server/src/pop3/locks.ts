/**
 * POP3 maildrop locks (RFC 1939 §8: the server should lock the maildrop while a session has it
 * open). In-process, keyed by the Maildir's directory: a second session gets -ERR [IN-USE].
 */
import type { Mailbox } from '../maildir/mailbox.js';

export class MaildropLocks {
  private held = new Set<string>();

  acquire(mailbox: Mailbox): boolean {
    if (this.held.has(mailbox.dir)) return false;
    this.held.add(mailbox.dir);
    return true;
  }

  release(mailbox: Mailbox): void {
    this.held.delete(mailbox.dir);
  }
}
