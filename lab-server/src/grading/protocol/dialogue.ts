/**
 * Reads a terminal transcript back into protocol exchanges: each command the learner sent,
 * paired with the server's reply (multi-line replies joined, pipelined commands answered in
 * order), so graders can ask "was RCPT TO answered 250?" instead of matching raw text.
 */
import type { Transcript } from '../../world/transcriptRecord.js';

export interface Exchange {
  /** What the learner typed (the command line). */
  command: string;
  /** Upper-case verb: MAIL, RCPT, DATA, "." for the end of message data, RETR, STORE, ... */
  verb: string;
  /** The reply lines, first to last. */
  reply: string[];
  /** SMTP code ("250"), POP3 status ("+OK"/"-ERR"), IMAP status ("OK"/"NO"/"BAD"). */
  status: string;
  /** True when the command was sent over TLS. */
  tls: boolean;
  /** SMTP DATA: the message lines as typed (still dot-stuffed). */
  data?: string[];
}

const SMTP_FINAL = /^(\d{3})(?: |$)/;

/** SMTP: commands paired with replies; message data collected between 354 and ".". */
export function smtpExchanges(t: Transcript): Exchange[] {
  const done: Exchange[] = [];
  const pending: Exchange[] = [];
  let replyLines: string[] = [];
  let inData: Exchange | undefined;
  let dataOpen = false;
  for (const line of t.lines) {
    if (line.dir === 'C') {
      if (dataOpen && inData) {
        if (line.text === '.') {
          dataOpen = false;
          pending.push({ command: '.', verb: '.', reply: [], status: '', tls: !!line.tls, data: inData.data ?? [] });
          inData = undefined;
        } else inData.data!.push(line.text);
        continue;
      }
      const verb = (line.text.trim().split(/[\s:]/)[0] ?? '').toUpperCase();
      pending.push({ command: line.text, verb, reply: [], status: '', tls: !!line.tls });
    } else if (line.dir === 'S') {
      replyLines.push(line.text);
      const m = SMTP_FINAL.exec(line.text);
      if (!m) continue;
      const target = pending.shift();
      if (target) {
        target.reply = replyLines;
        target.status = m[1]!;
        done.push(target);
        if (target.verb === 'DATA' && target.status === '354') {
          dataOpen = true;
          inData = { ...target, data: [] };
        }
      }
      replyLines = [];
    }
  }
  return done;
}

/** One SMTP mail transaction: MAIL FROM through the "." that ends DATA. */
export interface SmtpTransaction {
  mailFrom?: Exchange;
  rcpts: Exchange[];
  data?: Exchange;
  end?: Exchange;
  /** From "250 ... queued as <id>". */
  queueId?: string;
}

export function smtpTransactions(exchanges: Exchange[]): SmtpTransaction[] {
  const out: SmtpTransaction[] = [];
  let current: SmtpTransaction | undefined;
  for (const x of exchanges) {
    if (x.verb === 'MAIL') {
      current = { mailFrom: x, rcpts: [] };
      out.push(current);
    } else if (!current) continue;
    else if (x.verb === 'RCPT') current.rcpts.push(x);
    else if (x.verb === 'DATA') current.data = x;
    else if (x.verb === '.') {
      current.end = x;
      const m = /queued as ([A-Za-z0-9]+)/i.exec(x.reply.join(' '));
      if (m) current.queueId = m[1];
      current = undefined;
    } else if (x.verb === 'RSET') current = undefined;
  }
  return out;
}

/** The address inside "MAIL FROM:<a@b>" / "RCPT TO:<a@b>" (lower case). */
export function pathArgument(command: string): string | undefined {
  const m = /^\s*(?:MAIL\s+FROM|RCPT\s+TO)\s*:\s*<?([^<>\s]*)>?/i.exec(command);
  return m ? m[1]!.toLowerCase() : undefined;
}

const POP3_MULTILINE = new Set(['RETR', 'TOP', 'CAPA']);

/** POP3: commands paired with replies; multi-line replies (RETR, LIST, ...) kept whole and un-stuffed. */
export function pop3Exchanges(t: Transcript): Exchange[] {
  const done: Exchange[] = [];
  const pending: Exchange[] = [];
  let collecting: Exchange | undefined;
  let greeted = false;
  for (const line of t.lines) {
    if (line.dir === 'C') {
      const words = line.text.trim().split(/\s+/);
      const verb = (words[0] ?? '').toUpperCase();
      pending.push({ command: line.text, verb, reply: [], status: '', tls: !!line.tls });
    } else if (line.dir === 'S') {
      if (collecting) {
        if (line.text === '.') {
          collecting = undefined;
        } else collecting.reply.push(line.text.startsWith('..') ? line.text.slice(1) : line.text);
        continue;
      }
      const status = /^(\+OK|-ERR|\+)/.exec(line.text)?.[1];
      if (!status) continue;
      if (!greeted && pending.length === 0) {
        greeted = true;
        continue;
      }
      greeted = true;
      const target = pending.shift();
      if (!target) continue;
      target.reply = [line.text];
      target.status = status;
      done.push(target);
      const hasArg = target.command.trim().split(/\s+/).length > 1;
      const multi = POP3_MULTILINE.has(target.verb) || ((target.verb === 'LIST' || target.verb === 'UIDL') && !hasArg);
      if (status === '+OK' && multi) collecting = target;
    }
  }
  return done;
}

/** IMAP: tagged commands paired with their tagged completion (untagged lines included). */
export function imapExchanges(t: Transcript): Exchange[] {
  const open = new Map<string, Exchange>();
  const done: Exchange[] = [];
  const untagged: string[] = [];
  for (const line of t.lines) {
    if (line.dir === 'C') {
      const m = /^(\S+)\s+(?:(UID)\s+)?(\S+)/i.exec(line.text.trim());
      if (!m) continue;
      const verb = `${m[2] ? 'UID ' : ''}${m[3]!.toUpperCase()}`;
      open.set(m[1]!, { command: line.text, verb, reply: [], status: '', tls: !!line.tls });
    } else if (line.dir === 'S') {
      const m = /^(\S+)\s+(OK|NO|BAD)\b/i.exec(line.text);
      if (m && m[1] !== '*' && m[1] !== '+' && open.has(m[1]!)) {
        const x = open.get(m[1]!)!;
        open.delete(m[1]!);
        x.reply = [...untagged.splice(0), line.text];
        x.status = m[2]!.toUpperCase();
        done.push(x);
      } else untagged.push(line.text);
    }
  }
  return done;
}
