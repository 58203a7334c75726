/**
 * SEARCH keys: parsed from a real command line, then tested against parsed messages. The
 * address cases are imaptest's search-addresses messages, which Dovecot matches by the
 * addresses' parsed form.
 */
import { describe, expect, it } from 'vitest';
import type { MessageInfo } from '../../lab-server/src/maildir/folder.js';
import { searchMessage } from '../../lab-server/src/imap/mime/jobs.js';
import { MIME_LIMITS } from '../../lab-server/src/imap/mime/limits.js';
import { addressText } from '../../lab-server/src/imap/mime/text.js';
import { parseCommand } from '../../lab-server/src/imap/parser.js';
import { contentQueries, matches as matchesContent, parseSearch, type SearchKey } from '../../lab-server/src/imap/search.js';
import { SequenceSet } from '../../lab-server/src/imap/sequenceSet.js';

function keys(text: string) {
  return parseSearch(parseCommand([{ kind: 'line', bytes: Buffer.from(`a SEARCH ${text}`) }]).args);
}

interface Message {
  seq: number;
  wire: Buffer;
}

function subject(header: string, seq = 1): Message {
  return { seq, wire: Buffer.from(`${header.replace(/\n/g, '\r\n')}\r\n\r\nbody\r\n`) };
}

/** Tests a message as SEARCH does: content queries answered first, then the keys. */
function matches(key: SearchKey, m: Message): boolean {
  const info: MessageInfo = { uid: m.seq, base: 'x', flags: '', dir: 'cur', fileName: 'x', size: m.wire.length, wireSize: m.wire.length, internalDate: new Date(), modseq: 1 };
  const queries = contentQueries(key);
  const { answers } = searchMessage(m.wire, queries.map(([, q]) => q), MIME_LIMITS);
  return matchesContent(key, { seq: m.seq, info, recent: false, keywordLetter: () => undefined, lastSeq: 9, lastUid: 9, saved: SequenceSet.of([]), content: new Map(queries.map(([k], i) => [k, answers[i]!])) });
}

const messages = [
  'From: user-from@domain.org\nTo: user-to@domain.org',
  'From: RealFrom <user-from@domain.org>\nTo: RealTo <user-to@domain.org>',
  'From: <user-from (comment)@ (comment) domain.org>\nTo: <user-to@domain.org>',
  'From: user-from@domain.org (RealFrom)\nTo: user-to@domain.org (RealTo)',
  'From: user-from1@domain.org, user-from2@domain.org',
  'From: RealFrom <user-from@domain.org>\nTo: groupname: groupuser1@domain.org, groupuser2@domain.org;,\n  groupname2: groupuser3@domain.org;',
  'From: =?UTF-8?B?5Y2h572X5bCU?= <carol@otherdomain.com>\nTo: groupname:;',
].map((h, i) => subject(h, i + 1));

const hits = (text: string): number[] => messages.filter((m) => matches(keys(text), m)).map((m) => m.seq);

describe('SEARCH on addresses', () => {
  it('matches an address whatever comments and spaces stand inside it', () => {
    expect(hits('FROM user-from@domain.org')).toEqual([1, 2, 3, 4, 6]);
    expect(hits('TO user-to@domain.org')).toEqual([1, 2, 3, 4]);
  });

  it('matches display names, comments read as names, substrings and decoded encoded words', () => {
    expect(hits('FROM realfrom')).toEqual([2, 4, 6]);
    expect(hits('FROM ser-fro')).toEqual([1, 2, 3, 4, 5, 6]);
    expect(hits('FROM user-from2')).toEqual([5]);
    expect(hits('FROM 卡罗尔')).toEqual([7]);
  });

  it('matches group names and their members', () => {
    expect(hits('TO groupname')).toEqual([6, 7]);
    expect(hits('TO groupname2')).toEqual([6]);
    expect(hits('TO groupuser3')).toEqual([6]);
    expect(hits('TO groupuser4')).toEqual([]);
  });

  it('rebuilds addresses as Name <local@domain>', () => {
    expect(addressText('<user-from (comment)@ (comment) domain.org>')).toBe('user-from@domain.org');
    expect(addressText('"Bob, the builder" <bob@example.com>, x@y.org')).toBe('Bob, the builder <bob@example.com> x@y.org');
    expect(addressText('g: a@b.org;')).toBe('g: a@b.org ;');
  });

  it('still finds a header it cannot read as addresses by its text', () => {
    expect(matches(keys('FROM undisclosed'), subject('From: undisclosed'))).toBe(true);
    expect(matches(keys('FROM MISSING'), subject('From: undisclosed'))).toBe(false);
  });

  it('leaves SUBJECT and HEADER matching the decoded text', () => {
    expect(matches(keys('SUBJECT "(comment)"'), subject('Subject: a (comment) b'))).toBe(true);
    expect(matches(keys('HEADER From "(comment)"'), messages[2]!)).toBe(true);
  });
});
