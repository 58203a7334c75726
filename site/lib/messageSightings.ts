/**
 * Notices, in a terminal's conversation, the moments a message can be opened in the inspector:
 * SMTP's "250 2.0.0 Ok: queued as 3F2A1B0C7D" (found by queue id), and the end of a POP3 RETR
 * or an IMAP FETCH that printed a message with a Message-ID (found by it, in the mailbox of the
 * user who logged in).
 */
import type { MessageRef } from './inspectLinks';

export class MessageSightings {
  private user: string | undefined;
  /** The tag of the IMAP FETCH, or "." for a POP3 RETR, whose response is being read. */
  private awaiting: string | undefined;
  private messageId: string | undefined;

  constructor(private readonly protocol: string) {}

  /** A line the learner sent. */
  client(line: string): void {
    if (this.protocol === 'pop3') {
      const user = /^USER\s+(\S+)/i.exec(line);
      if (user) this.user = user[1];
      if (/^RETR\s+\d+/i.test(line)) this.start('.');
    } else if (this.protocol === 'imap') {
      const login = /^\S+\s+LOGIN\s+"?([^"\s]+)"?/i.exec(line);
      if (login) this.user = login[1];
      const fetch = /^(\S+)\s+(?:UID\s+)?FETCH\s/i.exec(line);
      if (fetch) this.start(fetch[1]!);
    }
  }

  /** A line the server sent; returns what to link to when a message has just been shown. */
  server(line: string): MessageRef | undefined {
    if (this.protocol === 'smtp') {
      const queued = /^250[ -].*\bqueued as ([0-9A-F]{10})\b/.exec(line);
      return queued ? { queue: queued[1]! } : undefined;
    }
    if (!this.awaiting) return undefined;
    const id = /^Message-ID:\s*(<[^>\s]+>)/i.exec(line);
    if (id && !this.messageId) this.messageId = id[1];
    const ended = this.awaiting === '.' ? line === '.' || /^-ERR/.test(line) : line.toUpperCase().startsWith(`${this.awaiting.toUpperCase()} `);
    if (!ended) return undefined;
    const found = this.messageId;
    this.awaiting = undefined;
    return found ? { messageId: found, ...(this.user ? { user: this.user } : {}) } : undefined;
  }

  private start(until: string): void {
    this.awaiting = until;
    this.messageId = undefined;
  }
}
