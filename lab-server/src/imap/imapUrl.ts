/**
 * IMAP URLs that name a message or a part of one (RFC 5092), as CATENATE (RFC 4469) and
 * URLAUTH (RFC 4467) use them:
 *   imap://alice@mail.example.com/INBOX;UIDVALIDITY=7/;UID=3/;SECTION=1.2/;PARTIAL=0.100
 *     ;EXPIRE=2026-09-01T00:00:00Z;URLAUTH=user+bob:INTERNAL:9135...
 * or, within a session, the same from "/INBOX..." on. Mailbox names are UTF-8, %-escaped.
 */

import type { PartialRange } from './partial.js';

export interface ImapUrl {
  /** The text as given (URLAUTH tokens are computed on it, undecoded). */
  text: string;
  /** From imap://user@host/...; undefined for a URL relative to the session. */
  user?: string;
  host?: string;
  mailbox: string;
  uidValidity?: number;
  uid: number;
  /** What stands after ;SECTION=, decoded: "1.2", "HEADER", "HEADER.FIELDS (SUBJECT)". */
  section?: string;
  partial?: PartialRange;
  expire?: Date;
  /** ";URLAUTH=<access>" and, when authorized, ":<mechanism>:<token>". */
  urlauth?: { access: string; mechanism?: string; token?: string; rump: string };
}

export class InvalidImapUrl extends Error {}

const PATH = /^\/([^;/]*(?:\/[^;/]+)*?)(?:;UIDVALIDITY=([1-9]\d{0,9}))?\/;UID=([1-9]\d{0,9})(?:\/;SECTION=([^/;]*))?(?:\/;PARTIAL=(\d{1,10})(?:\.([1-9]\d{0,9}))?)?(?:;EXPIRE=([^;]+))?(;URLAUTH=([^:;]+)(?::([A-Za-z0-9.-]+):([0-9A-Fa-f]+))?)?$/i;

function decode(text: string, what: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    throw new InvalidImapUrl(`the ${what} has a broken %-escape`);
  }
}

/** Parses an IMAP URL naming a message or part; throws InvalidImapUrl saying what is wrong. */
export function parseImapUrl(text: string): ImapUrl {
  let rest = text;
  let user: string | undefined;
  let host: string | undefined;
  const absolute = /^imap:\/\/([^/]*)(\/.*)?$/i.exec(text);
  if (absolute) {
    const authority = absolute[1]!;
    rest = absolute[2] ?? '';
    const at = authority.lastIndexOf('@');
    if (at !== -1) user = decode(authority.slice(0, at).split(';')[0]!, 'user name');
    host = authority.slice(at + 1).replace(/:\d+$/, '').toLowerCase();
    if (!host) throw new InvalidImapUrl('the server name is missing after imap://');
  } else if (!text.startsWith('/')) {
    throw new InvalidImapUrl('an IMAP URL starts with imap://user@server/ or, within a session, with /mailbox');
  }
  const m = PATH.exec(rest);
  if (!m) throw new InvalidImapUrl('it must name a message: /mailbox/;UID=n, optionally with /;SECTION=... and /;PARTIAL=...');
  const mailbox = decode(m[1]!, 'mailbox name');
  if (!mailbox) throw new InvalidImapUrl('the mailbox name is missing');
  const url: ImapUrl = { text, user, host, mailbox, uid: Number(m[3]) };
  if (m[2]) url.uidValidity = Number(m[2]);
  if (m[4] !== undefined) url.section = decode(m[4], 'section');
  if (m[5] !== undefined) url.partial = { start: Number(m[5]), length: m[6] === undefined ? undefined : Number(m[6]) };
  if (m[7] !== undefined) {
    const expire = new Date(decode(m[7], 'expiry time'));
    if (Number.isNaN(expire.getTime())) throw new InvalidImapUrl(';EXPIRE= needs a date-time like 2026-09-01T12:00:00Z');
    url.expire = expire;
  }
  if (m[8] !== undefined) {
    const rumpEnd = m[10] === undefined ? text.length : text.length - `:${m[10]}:${m[11]}`.length;
    url.urlauth = { access: m[9]!, mechanism: m[10], token: m[11], rump: text.slice(0, rumpEnd) };
  }
  return url;
}
