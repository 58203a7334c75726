/**
 * The HIGHESTMODSEQ a QRESYNC session is told after a command, as Dovecot 2.3's imap-sync.c
 * tells it (RFC 5162 erratum 1810, kept by RFC 7162). A client may take the highest MODSEQ of
 * the FETCH responses it saw as the mailbox's HIGHESTMODSEQ (imaptest does). While an expunge is
 * held back (FETCH, STORE and SEARCH by number may not report one), a MODSEQ above it would have
 * such a client reopen the mailbox past the expunge, never hear of it, and later name a message
 * the server no longer has. So the reply then carries the HIGHESTMODSEQ of the last moment
 * nothing was held back; once nothing is, the mailbox's own, unless a FETCH already showed it.
 */
export class HighestModseqReport {
  /** The mailbox's HIGHESTMODSEQ when this session's view last held nothing back. */
  private settled = 0;
  /** The highest MODSEQ a FETCH response carried since the last look at the mailbox. */
  private fetched = 0;
  /** What the last look found to tell, until the session takes it. */
  private toTell: number | undefined;

  /** The view was made at SELECT or EXAMINE, whole, with the mailbox at `highest`. */
  opened(highest: number): void {
    this.settled = highest;
  }

  /** A FETCH response (asked for, or telling a change) carried this MODSEQ. */
  sent(modseq: number): void {
    if (modseq > this.fetched) this.fetched = modseq;
  }

  /** The view was brought up to date; `heldBack`: it keeps expunges it may not report yet. */
  afterLook(heldBack: boolean, highest: number): void {
    if (heldBack && this.fetched > this.settled) this.toTell = this.settled;
    // An EXISTS or VANISHED raised it, and no FETCH said so.
    else if (!heldBack && highest > this.settled && highest > this.fetched) this.toTell = highest;
    else this.toTell = undefined;
    if (!heldBack) this.settled = highest;
    this.fetched = 0;
  }

  /** The HIGHESTMODSEQ to tell after the last look, once. */
  take(): number | undefined {
    const tell = this.toTell;
    this.toTell = undefined;
    return tell;
  }
}
