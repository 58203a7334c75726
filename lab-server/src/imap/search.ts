/**
 * SEARCH keys (RFC 3501 §6.4.4): parsed into a tree, then tested against each message. Flag,
 * size, date and number keys need only the index; header and text keys are answered from the
 * message's content (off the event loop for big messages, see mime/jobs.ts), with encoded
 * words and transfer encodings undone so "SUBJECT 邮件" finds the RFC 2047 encoded subject.
 */
import type { MessageInfo } from '../maildir/folder.js';
import { dayOf, exampleDate, parseSearchDate } from './dates.js';
import { hasFlag } from './flags.js';
import type { ContentAnswer, ContentQuery } from './mime/jobs.js';
import type { Token } from './parser.js';
import { modseqArg } from './condstore.js';
import { ArgumentError, describe } from './schema.js';
import { InvalidSequenceSet, SequenceSet } from './sequenceSet.js';

type FlagName = '\\Answered' | '\\Deleted' | '\\Draft' | '\\Flagged' | '\\Seen';

export type SearchKey =
  | { op: 'all' }
  | { op: 'and'; keys: SearchKey[] }
  | { op: 'or'; a: SearchKey; b: SearchKey }
  | { op: 'not'; key: SearchKey }
  | { op: 'flag'; flag: FlagName; set: boolean }
  | { op: 'recent'; set: boolean }
  | { op: 'new' }
  | { op: 'keyword'; name: string; set: boolean }
  | { op: 'size'; larger: boolean; octets: number }
  | { op: 'date'; sent: boolean; cmp: 'before' | 'on' | 'since'; day: number }
  /** `address`: FROM, TO, CC and BCC match the addresses as parsed, not the raw header text. */
  | { op: 'header'; field: string; text: string; address?: boolean }
  | { op: 'body'; text: string }
  | { op: 'text'; text: string }
  | { op: 'seq'; set: SequenceSet }
  | { op: 'uid'; set: SequenceSet }
  /** "$": the messages of the saved search result (RFC 5182). */
  | { op: 'saved' }
  /** MODSEQ n (RFC 7162 §3.1.5): changed at or after modseq n. */
  | { op: 'modseq'; modseq: number };

const FLAG_KEYS: Record<string, [FlagName, boolean]> = {
  ANSWERED: ['\\Answered', true],
  DELETED: ['\\Deleted', true],
  DRAFT: ['\\Draft', true],
  FLAGGED: ['\\Flagged', true],
  SEEN: ['\\Seen', true],
  UNANSWERED: ['\\Answered', false],
  UNDELETED: ['\\Deleted', false],
  UNDRAFT: ['\\Draft', false],
  UNFLAGGED: ['\\Flagged', false],
  UNSEEN: ['\\Seen', false],
};
const HEADER_KEYS: Record<string, string> = { BCC: 'bcc', CC: 'cc', FROM: 'from', SUBJECT: 'subject', TO: 'to' };
const DATE_KEYS: Record<string, [boolean, 'before' | 'on' | 'since']> = {
  BEFORE: [false, 'before'],
  ON: [false, 'on'],
  SINCE: [false, 'since'],
  SENTBEFORE: [true, 'before'],
  SENTON: [true, 'on'],
  SENTSINCE: [true, 'since'],
};
const KEY_HELP = 'Search keys include ALL, SEEN, UNSEEN, FROM "bob", SUBJECT "hello", BODY "text", SINCE 1-Sep-2026, LARGER 1000, UID 1:5, NOT ..., OR ... ...';
const MAX_KEY_DEPTH = 64;

/** Parses the keys after SEARCH [CHARSET x]; all of them must match (AND). */
export function parseSearch(tokens: readonly Token[]): SearchKey {
  const reader = { tokens, i: 0 };
  const keys: SearchKey[] = [];
  while (reader.i < tokens.length) keys.push(parseKey(reader, 0));
  if (keys.length === 0) throw new ArgumentError(`Missing search keys. ${KEY_HELP}`);
  return keys.length === 1 ? keys[0]! : { op: 'and', keys };
}

interface Reader {
  tokens: readonly Token[];
  i: number;
}

function parseKey(r: Reader, depth: number): SearchKey {
  if (depth > MAX_KEY_DEPTH) throw new ArgumentError('Search keys nested too deeply');
  const token = r.tokens[r.i++];
  if (!token) throw new ArgumentError(`A search key is missing at the end. ${KEY_HELP}`);
  if (token.type === 'list') {
    if (token.items.length === 0) throw new ArgumentError('Empty parentheses in a search');
    const inner = { tokens: token.items, i: 0 };
    const keys: SearchKey[] = [];
    while (inner.i < token.items.length) keys.push(parseKey(inner, depth + 1));
    return keys.length === 1 ? keys[0]! : { op: 'and', keys };
  }
  if (token.type !== 'atom' || token.section) throw new ArgumentError(`"${describe(token)}" is not a search key. ${KEY_HELP}`);
  const name = token.value.toUpperCase();
  if (name === '$') return { op: 'saved' };
  if (/^[\d*]/.test(name)) return { op: 'seq', set: setOf(token.value) };
  const flag = FLAG_KEYS[name];
  if (flag) return { op: 'flag', flag: flag[0], set: flag[1] };
  if (HEADER_KEYS[name]) return { op: 'header', field: HEADER_KEYS[name]!, text: stringArg(r, name), address: name !== 'SUBJECT' };
  const date = DATE_KEYS[name];
  if (date) {
    const text = stringArg(r, name);
    const day = parseSearchDate(text);
    if (day === undefined) throw new ArgumentError(`${name} needs a date like ${exampleDate()}, not "${text.slice(0, 20)}"`);
    return { op: 'date', sent: date[0], cmp: date[1], day };
  }
  switch (name) {
    case 'MODSEQ': {
      // MODSEQ ["/flags/\\Seen" all|priv|shared] <modseq>: per-flag modseqs are not kept, so
      // the entry names the message's own modseq, as Dovecot takes it.
      const entryType = r.tokens[r.i + 1];
      if (r.tokens[r.i]?.type === 'string' && entryType?.type === 'atom' && /^(all|priv|shared)$/i.test(entryType.value)) r.i += 2;
      return { op: 'modseq', modseq: modseqArg(r.tokens[r.i++], 'MODSEQ') };
    }
    case 'ALL':
      return { op: 'all' };
    case 'NEW':
      return { op: 'new' };
    case 'OLD':
      return { op: 'recent', set: false };
    case 'RECENT':
      return { op: 'recent', set: true };
    case 'KEYWORD':
    case 'UNKEYWORD':
      return { op: 'keyword', name: stringArg(r, name), set: name === 'KEYWORD' };
    case 'LARGER':
    case 'SMALLER': {
      const text = stringArg(r, name);
      if (!/^\d{1,10}$/.test(text) || Number(text) > 0xffffffff) throw new ArgumentError(`${name} needs a size in octets, e.g. ${name} 1000`);
      return { op: 'size', larger: name === 'LARGER', octets: Number(text) };
    }
    case 'HEADER': {
      const field = stringArg(r, 'HEADER field name');
      const text = stringArg(r, 'HEADER');
      if (!/^[\x21-\x39\x3b-\x7e]+$/.test(field)) throw new ArgumentError('HEADER needs a field name and a string, e.g. HEADER Message-ID "<abc@example.com>"');
      return { op: 'header', field: field.toLowerCase(), text };
    }
    case 'BODY':
      return { op: 'body', text: stringArg(r, name) };
    case 'TEXT':
      return { op: 'text', text: stringArg(r, name) };
    case 'UID':
      return { op: 'uid', set: setOf(stringArg(r, name)) };
    case 'NOT':
      return { op: 'not', key: parseKey(r, depth + 1) };
    case 'OR': {
      const a = parseKey(r, depth + 1);
      return { op: 'or', a, b: parseKey(r, depth + 1) };
    }
    default:
      throw new ArgumentError(`Unknown search key "${token.value.slice(0, 30)}". ${KEY_HELP}`);
  }
}

function stringArg(r: Reader, key: string): string {
  const token = r.tokens[r.i++];
  if (!token || token.type === 'list' || (token.type === 'atom' && token.section)) {
    throw new ArgumentError(`${key} needs a value after it, e.g. ${key === 'FROM' ? 'FROM "bob"' : `${key} "..."`}`);
  }
  if (token.type === 'string' && token.value.includes(0)) throw new ArgumentError('NUL bytes are not allowed in a search string');
  return (token.type === 'atom' ? Buffer.from(token.value, 'latin1') : token.value).toString('utf8');
}

function setOf(text: string): SequenceSet {
  try {
    return SequenceSet.parse(text);
  } catch (err) {
    if (err instanceof InvalidSequenceSet) throw new ArgumentError(`Invalid message set "${text.slice(0, 30)}": ${err.message}`);
    throw err;
  }
}

/** True if the keys ask about modseqs: the answer then carries the highest one (RFC 7162 §3.1.5). */
export function usesModseq(key: SearchKey): boolean {
  switch (key.op) {
    case 'modseq':
      return true;
    case 'and':
      return key.keys.some(usesModseq);
    case 'or':
      return usesModseq(key.a) || usesModseq(key.b);
    case 'not':
      return usesModseq(key.key);
    default:
      return false;
  }
}

/** The keys of a search that look at the message's content, each as a query for mime/jobs.ts. */
export function contentQueries(key: SearchKey): Array<[SearchKey, ContentQuery]> {
  switch (key.op) {
    case 'and':
      return key.keys.flatMap(contentQueries);
    case 'or':
      return [...contentQueries(key.a), ...contentQueries(key.b)];
    case 'not':
      return contentQueries(key.key);
    case 'header':
      return [[key, { op: 'header', field: key.field, text: key.text, ...(key.address ? { address: true } : {}) }]];
    case 'body':
    case 'text':
      return [[key, { op: key.op, text: key.text }]];
    case 'date':
      return key.sent ? [[key, { op: 'sent' }]] : [];
    default:
      return [];
  }
}

export interface SearchSubject {
  seq: number;
  info: MessageInfo;
  recent: boolean;
  /** The letter a keyword has in this folder's file names, if it has one. */
  keywordLetter: (name: string) => string | undefined;
  /** Largest sequence number and UID in the mailbox, for "*". */
  lastSeq: number;
  lastUid: number;
  /** The saved search result (UIDs), for "$". */
  saved: SequenceSet;
  /** The answers to the search's content queries (see contentQueries), by key. */
  content?: Map<SearchKey, ContentAnswer>;
}

export function matches(key: SearchKey, m: SearchSubject): boolean {
  switch (key.op) {
    case 'all':
      return true;
    case 'and':
      return key.keys.every((k) => matches(k, m));
    case 'or':
      return matches(key.a, m) || matches(key.b, m);
    case 'not':
      return !matches(key.key, m);
    case 'flag':
      return hasFlag(m.info.flags, key.flag) === key.set;
    case 'recent':
      return m.recent === key.set;
    case 'new':
      return m.recent && !hasFlag(m.info.flags, '\\Seen');
    case 'keyword': {
      const letter = m.keywordLetter(key.name);
      return (letter !== undefined && m.info.flags.includes(letter)) === key.set;
    }
    case 'size':
      return key.larger ? m.info.wireSize > key.octets : m.info.wireSize < key.octets;
    case 'date': {
      let day = dayOf(m.info.internalDate);
      // No Date: field, or none that can be read: Dovecot's sent date is then 0, 1-Jan-1970 (not
      // the arrival, which SORT uses, RFC 5256 §2.2). Undefined: expunged before it was read.
      const sent = key.sent ? (m.content?.get(key) as number | null | undefined) : undefined;
      if (sent !== undefined) day = sent ?? 0;
      return key.cmp === 'before' ? day < key.day : key.cmp === 'on' ? day === key.day : day >= key.day;
    }
    case 'header':
    case 'body':
    case 'text':
      return m.content?.get(key) === true;
    case 'seq':
      return key.set.has(m.seq, m.lastSeq);
    case 'uid':
      return (key.set.isSaved ? m.saved : key.set).has(m.info.uid, m.lastUid);
    case 'modseq':
      return m.info.modseq >= key.modseq;
    case 'saved':
      return m.saved.has(m.info.uid, m.lastUid);
  }
}
