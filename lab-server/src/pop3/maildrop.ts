/**
 * The maildrop a POP3 session holds (RFC 1939): the messages as they were at login, numbered
 * from 1 for the whole session; the numbers marked deleted, which only QUIT's UPDATE state
 * removes; and the numbers downloaded, which UPDATE marks \Seen for IMAP clients, as Dovecot
 * does.
 */
import type { MaildirFolder, MessageInfo } from '../maildir/folder.js';
import type { Mailbox } from '../maildir/mailbox.js';

export interface NumberedMessage {
  number: number;
  info: MessageInfo;
}

export class Maildrop {
  readonly deleted = new Set<number>();
  readonly retrieved = new Set<number>();

  constructor(
    readonly mailbox: Mailbox,
    readonly folder: MaildirFolder,
    readonly messages: readonly MessageInfo[],
    /** Lets the folder go again (MaildirFolder.keepOpen), when the session ends. */
    readonly close: () => void,
  ) {}

  /** Messages not marked deleted, with their numbers. */
  live(): NumberedMessage[] {
    return this.messages.map((info, i) => ({ number: i + 1, info })).filter(({ number }) => !this.deleted.has(number));
  }

  /** Octets of the messages not marked deleted, as sent (CRLF line ends). */
  octets(): number {
    return this.live().reduce((n, { info }) => n + info.wireSize, 0);
  }

  /** Resolves a message-number argument, or says (for -ERR) why it is not usable. */
  pick(arg: string | undefined, example = 'LIST 1'): NumberedMessage | string {
    if (arg === undefined || !/^\d+$/.test(arg)) return `A message number is needed. Try: ${example}`;
    // A number too long to be one of them is no message either (it was "a number is needed").
    const number = arg.length > 9 ? 0 : Number(arg);
    const info = this.messages[number - 1];
    if (!info) return `No message ${arg.slice(0, 20)}: the maildrop has messages 1 to ${this.messages.length}. Type LIST to see them`;
    if (this.deleted.has(number)) return `Message ${number} is marked for deletion. RSET unmarks it`;
    return { number, info };
  }

  /**
   * The UIDL: UID and UIDVALIDITY as 8 hex digits each, the fields of Dovecot's default
   * `%08Xu%08Xv`. Dovecot 2.3 writes those digits in lower case; ours have always been upper case,
   * and a UIDL must never change, or every client that leaves mail on the server fetches it again.
   */
  uidl(info: MessageInfo): string {
    const hex = (n: number): string => n.toString(16).toUpperCase().padStart(8, '0');
    return `${hex(info.uid)}${hex(this.folder.uidValidity)}`;
  }

  /**
   * The UPDATE state: removes the messages marked deleted and marks the downloaded ones that
   * are kept \Seen, in one pass (a session that fetched 5,000 messages would otherwise QUIT for
   * seconds). Returns how many this session removed (not those another session had already
   * expunged or moved away meanwhile); throws if the folder could not be changed.
   */
  async update(): Promise<number> {
    const deleteUids = [...this.deleted].map((n) => this.messages[n - 1]!.uid);
    const removed = await this.folder.expunge(deleteUids);
    const seen = [...this.retrieved]
      .filter((n) => !this.deleted.has(n))
      .map((n) => this.folder.get(this.messages[n - 1]!.uid))
      .filter((info): info is MessageInfo => info !== undefined && !info.flags.includes('S'))
      .map((info) => ({ uid: info.uid, flags: info.flags + 'S' }));
    if (seen.length > 0) await this.folder.storeFlags(seen);
    return removed.length;
  }
}
