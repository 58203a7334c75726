/**
 * Which command each server reply answers, followed as the learner types — so a reply is
 * explained in the light of what caused it ("220" after STARTTLS is not a greeting; "BAD"
 * after "a5 FECTH" is a typo, not a missing tag). It follows each protocol's turn-taking:
 * SMTP answers commands in order (RFC 5321 §4.2, pipelining included, the message body gets
 * no reply until "."); POP3 likewise, with multi-line answers ending in "." (RFC 1939 §3);
 * IMAP answers by tag (RFC 9051 §2.2.2).
 */
import { verbOf, type Protocol } from './commandVerbs';
import { imapDataKind } from './replyTexts';
import { afterOctets, wireOctets } from '../../lab-server/src/bridge/escapedBytes.ts';

/** A server line that is a reply: the command it answers ('' for the greeting). */
export interface Reply {
  command: string;
}

interface Pending {
  text: string;
  /** SMTP: a line sent after DATA before the server said 354: message text, if it does. */
  body?: boolean;
}

const POP3_MULTILINE = (command: string): boolean => {
  const [verb = '', arg] = command.trim().toUpperCase().split(/\s+/);
  return verb === 'CAPA' || verb === 'RETR' || verb === 'TOP' || ((verb === 'LIST' || verb === 'UIDL') && !arg);
};

export class ReplyMatcher {
  /** Commands sent and not yet answered, oldest first; the greeting comes first. */
  private pending: Pending[] = [{ text: '' }];
  /** SMTP: 'body' once 354 came (lines are message text until "."), 'unconfirmed' right after DATA. */
  private smtpBody: 'no' | 'unconfirmed' | 'body' = 'no';
  /** SMTP 334 / POP3 "+ ": the next line sent answers the server's challenge. */
  private challenge = false;
  /** POP3: inside a multi-line answer. */
  private multiline = false;
  /** IMAP: the command sent under each tag still open. */
  private readonly tags = new Map<string, string>();
  private lastImap = '';
  /** IMAP: octets of a literal the server is sending still to come (mail text, never replies). */
  private literalLeft = 0;

  constructor(private readonly protocol: Protocol) {}

  /** True while a command sent has not been answered yet. */
  get waiting(): boolean {
    return this.protocol === 'imap' ? this.tags.size > 0 : this.pending.length > 0 && this.smtpBody !== 'body';
  }

  /** A line the learner sent. */
  sent(line: string): void {
    if (this.protocol === 'imap') return this.sentImap(line);
    if (this.challenge) {
      this.challenge = false;
      return;
    }
    if (this.smtpBody === 'body') {
      if (line === '.') {
        this.pending.push({ text: '.' });
        this.smtpBody = 'no';
      }
      return;
    }
    if (this.smtpBody === 'unconfirmed') {
      this.pending.push({ text: line, body: true });
      if (line === '.') this.smtpBody = 'no';
      return;
    }
    this.pending.push({ text: line });
    if (this.protocol === 'smtp' && verbOf('smtp', line) === 'DATA') this.smtpBody = 'unconfirmed';
  }

  /** A line from the server: the reply it is, or undefined for a line that is no reply of its own. */
  received(line: string): Reply | undefined {
    if (this.protocol === 'smtp') return this.receivedSmtp(line);
    if (this.protocol === 'pop3') return this.receivedPop3(line);
    return this.receivedImap(line);
  }

  private receivedSmtp(line: string): Reply | undefined {
    const m = /^(\d{3})([ -]|$)/.exec(line);
    if (!m || m[2] === '-') return undefined;
    const code = m[1]!;
    const head = this.pending[0];
    if (code === '334') {
      this.answerChallenge();
      return { command: head?.text ?? '' };
    }
    this.pending.shift();
    if (head && verbOf('smtp', head.text) === 'DATA' && !head.body) {
      if (code === '354') {
        // The lines sent before 354 were the message; only its closing "." waits for a reply.
        this.pending = this.pending.filter((p) => !p.body || p.text === '.').map((p) => ({ text: p.text }));
        if (this.smtpBody === 'unconfirmed') this.smtpBody = 'body';
      } else {
        // DATA refused: the server reads what followed as commands, and answers each.
        this.pending = this.pending.map((p) => ({ text: p.text }));
        this.smtpBody = 'no';
      }
    }
    return { command: head?.text ?? '' };
  }

  private receivedPop3(line: string): Reply | undefined {
    if (this.multiline) {
      if (line === '.') this.multiline = false;
      return undefined;
    }
    if (line === '+' || line.startsWith('+ ')) {
      this.answerChallenge();
      return { command: this.pending[0]?.text ?? '' };
    }
    if (!line.startsWith('+OK') && !line.startsWith('-ERR')) return undefined;
    const head = this.pending.shift();
    if (head && line.startsWith('+OK') && POP3_MULTILINE(head.text)) this.multiline = true;
    return { command: head?.text ?? '' };
  }

  /** A challenge (334, "+ ") is answered by the next line; if it was already sent, that is it. */
  private answerChallenge(): void {
    if (this.pending.length > 1) this.pending.splice(1, 1);
    else this.challenge = true;
  }

  /**
   * A data line with an explanation of its own. ESEARCH names the tag it answers; SORT and
   * THREAD go with the oldest open command of that name (the server answers in order); FLAGS,
   * VANISHED and a FETCH with MODSEQ with the oldest open command. Other data lines are no reply.
   */
  private dataAnswer(line: string): Reply | undefined {
    const kind = imapDataKind(line);
    if (!kind) return undefined;
    const open = [...this.tags.values()];
    if (kind !== 'SORT' && kind !== 'THREAD' && kind !== 'ESEARCH') return { command: open[0] ?? this.lastImap };
    const tag = /^\* ESEARCH \(TAG "([^"]*)"\)/i.exec(line)?.[1];
    if (tag !== undefined) return { command: this.tags.get(tag) ?? this.lastImap };
    const answering = open.filter((c) => verbOf('imap', c) === kind || (verbOf('imap', c) === 'UID' && c.trim().split(/\s+/)[2]?.toUpperCase() === kind));
    return { command: answering[0] ?? this.lastImap };
  }

  private sentImap(line: string): void {
    const tag = line.trim().split(/\s+/)[0] ?? '';
    this.lastImap = line;
    if (tag && !this.tags.has(tag)) this.tags.set(tag, line);
    // A learner who never ends commands must not grow the map without bound.
    if (this.tags.size > 100) this.tags.delete(this.tags.keys().next().value!);
  }

  /**
   * A server line ending in a literal's announcement ({n}, or ~{n} for BINARY) is followed by n
   * octets of data: a message's lines, which may look like anything, "a3 OK" included. They are
   * counted off as the octets they were on the wire (wireOctets: a byte that was no UTF-8 is
   * one, not the three of U+FFFD) and are never taken for replies.
   */
  private insideLiteral(line: string): boolean {
    let rest = line;
    if (this.literalLeft > 0) {
      const octets = wireOctets(line);
      if (octets + 2 <= this.literalLeft) {
        this.literalLeft -= octets + 2;
        return true;
      }
      // The literal ends inside this line; what follows it continues the same response.
      rest = afterOctets(line, this.literalLeft);
      this.literalLeft = 0;
    }
    const announced = /~?\{(\d+)\}$/.exec(rest);
    if (announced) this.literalLeft = Number(announced[1]);
    return rest !== line;
  }

  private receivedImap(line: string): Reply | undefined {
    if (this.insideLiteral(line)) return undefined;
    const m = /^(\S+) (OK|NO|BAD|BYE|PREAUTH)\b/i.exec(line);
    if (line.startsWith('+')) return { command: this.lastImap };
    if (!m) return this.dataAnswer(line);
    const tag = m[1]!;
    if (tag === '*') {
      const greeting = this.pending.length > 0;
      this.pending = [];
      return { command: greeting ? '' : this.lastImap };
    }
    const command = this.tags.get(tag) ?? '';
    this.tags.delete(tag);
    return { command: command || line };
  }
}
