/**
 * BODYSTRUCTURE parameters beside a real Dovecot 2.3.19 (tests/helpers/dovecotParity.ts), with
 * RFC 2231 pieces: Dovecot (rfc2231-parser.c) lists the plain parameters first, as they came,
 * then the pieces' names in order, each joined when numbered 0, 1, 2... ("name*" when one piece
 * is encoded, plain pieces %-escaped after "''"), kept piece by piece when a number is missing;
 * a text part's default charset comes last. The lab kept each joined name where its first piece
 * stood and put the charset first. A message (or one inside message/rfc822) with neither
 * MIME-Version nor Content-Type has no Content-* field for Dovecot's BODYSTRUCTURE. Dovecot keeps
 * the type, subtype, parameter names and disposition as written ("TEXT" "PLAIN" ("CHARSET" ...)),
 * but a message/rfc822 is "message" "rfc822"; pieces whose names differ in case are one name when
 * sorted next to each other. The lab lower-cased them all. A Content-Type Dovecot cannot read
 * (rfc822_parse_content_type) is "" "" without parameters, but a lone type ("TEXT") is kept with
 * an empty subtype; the lab showed text/plain (and read "text/plain x" as "plainx", and
 * "multipart/mixed x" as a multipart).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendOf, startParityPair, untagged, type ParityPair } from '../helpers/dovecotParity.js';

let pair: ParityPair;

const TYPES = [
  'application/octet-stream; name*0="long"; x=1; name*1*=%41b; charset=us-ascii',
  "text/plain; b=2; a*=utf-8''%C3%A9; c*0=x; c*1=y; a=1",
  'text/plain; name*1="b"; name*0="a"; name*2="c"',
  "text/plain; name*0*=utf-8''%41; name*1*=%42; name=\"plain\"",
  'text/plain; name*1="b"; name*2="c"',
  'text/plain; z*0=z; a*0*=x; b*1=y; format=flowed',
  'text/plain; c*1=b; d*=e; c*0=a',
  'text/plain; name*0="50%"; name*1*=%25',
  'text/html; charset=utf-8; name*0=a',
];
/** Messages without MIME-Version: Dovecot takes their Content-* fields only with a Content-Type. */
const NO_MIME = ['Content-Transfer-Encoding: base64\r\n\r\naGVsbG8=', 'Content-Disposition: attachment; filename=a.txt\r\nContent-ID: <c@x>\r\n\r\nhi', 'Content-Type: text/html\r\nContent-Transfer-Encoding: base64\r\n\r\naGVsbG8='];
/** Types, parameters and dispositions in upper and mixed case; each part of a multipart too. */
const CASED = [
  'TEXT/PLAIN; CHARSET=US-ASCII',
  'Text/Html; Charset="UTF-8"; Format=Flowed',
  'text/plain; CHARSET=utf-8',
  'text/plain; NAME*0=a; name*1=b',
  "text/plain; Name*0*=utf-8''%41; NAME*1=b",
  'Application/Octet-Stream; NAME=x',
  'Message/RFC822; X=y',
  'MULTIPART/Alternative; Boundary=q',
];
const CASED_MULTIPART = 'Content-Type: MULTIPART/Mixed; BOUNDARY=b\r\n\r\n--b\r\nContent-Type: Message/RFC822\r\n\r\nSubject: in\r\nContent-Type: TEXT/plain\r\n\r\nx\r\n--b\r\nContent-Type: Image/PNG; Name=x.png\r\nContent-Disposition: Attachment; FileName=x.png\r\n\r\nx\r\n--b--\r\n';
/** Content-Types Dovecot cannot read, comments and blanks where it allows them. */
const UNREADABLE = ['TEXT', 'foo', 'text/', 'text/plain/x', 'Image; name=x', '/plain', 'text/plain x', 'TEXT; charset=utf-8', '"text/plain"', 'text/plain?x', 'TEXT (comment)', 'text/plain (c) ; charset=x', ' (c) text / html'];
/**
 * A whole message that is text/plain, us-ascii, 7bit and nothing more: Dovecot writes it in its
 * own lower case ("plain 7bit"); any parameter, field or part more keeps the case written.
 */
const PLAIN_7BIT = [
  'Text/Plain',
  'TEXT/PLAIN; CHARSET=US-ASCII',
  'text/plain; charset=US-ASCII',
  'TEXT/PLAIN; CHARSET="us-ascii"\r\nContent-Transfer-Encoding: 7BIT',
  'TEXT/PLAIN; CHARSET=UTF-8',
  'TEXT/PLAIN; CHARSET=US-ASCII; FORMAT=flowed',
  'TEXT/PLAIN; CHARSET=US-ASCII\r\nContent-Language: EN',
  'TEXT/PLAIN\r\nContent-Transfer-Encoding: QUOTED-PRINTABLE',
  'TEXT/HTML; CHARSET=US-ASCII',
  'MULTIPART/Mixed; BOUNDARY=z\r\n\r\n--z\r\nContent-Type: TEXT/PLAIN; CHARSET=US-ASCII\r\n\r\nx\r\n--z--',
];
const DISPOSITIONS = ['attachment; filename*1="two"; filename*0="one"; size=3', "inline; filename*=utf-8''%E2%82%AC.txt; creation-date=x"];

beforeAll(async () => {
  pair = await startParityPair();
  await pair.both('CREATE params');
  for (const type of TYPES) await pair.both(appendOf('params', `From: a@example.com\r\nSubject: p\r\nMIME-Version: 1.0\r\nContent-Type: ${type}\r\n\r\nhi\r\n`));
  for (const d of DISPOSITIONS) await pair.both(appendOf('params', `From: a@example.com\r\nSubject: d\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: application/pdf\r\nContent-Disposition: ${d}\r\n\r\nx\r\n--b--\r\n`));
  for (const rest of NO_MIME) await pair.both(appendOf('params', `From: a@example.com\r\nSubject: n\r\n${rest}\r\n`));
  // Inside a message/rfc822 part too.
  await pair.both(appendOf('params', `From: a@example.com\r\nSubject: f\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: message/rfc822\r\n\r\nSubject: inner\r\n${NO_MIME[0]}\r\n--b--\r\n`));
  for (const type of CASED) await pair.both(appendOf('params', `From: a@example.com\r\nSubject: c\r\nMIME-Version: 1.0\r\nContent-Type: ${type}\r\nContent-Disposition: INLINE; FILENAME=A.TXT\r\n\r\nhi\r\n`));
  await pair.both(appendOf('params', `From: a@example.com\r\nSubject: m\r\nMIME-Version: 1.0\r\n${CASED_MULTIPART}`));
  // A multipart Dovecot cannot read: one leaf, its parts not looked at.
  await pair.both(appendOf('params', 'From: a@example.com\r\nSubject: m\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed x; boundary=b\r\n\r\n--b\r\nContent-Type: text/html\r\n\r\n<p>a</p>\r\n--b--\r\n'));
  for (const type of UNREADABLE) await pair.both(appendOf('params', `From: a@example.com\r\nSubject: u\r\nMIME-Version: 1.0\r\nContent-Type: ${type}\r\n\r\nhi\r\nthere\r\n`));
  for (const type of PLAIN_7BIT) await pair.both(appendOf('params', `From: a@example.com\r\nSubject: 7\r\nMIME-Version: 1.0\r\nContent-Type: ${type}\r\n\r\nhi\r\n`));
  await pair.both('SELECT params');
}, 60_000);
afterAll(async () => {
  await pair?.stop();
});

describe('BODYSTRUCTURE parameters with RFC 2231 pieces', () => {
  it.each([...TYPES, ...DISPOSITIONS].map((header, i) => [header, i + 1] as const))('%s: BODYSTRUCTURE and BODY as Dovecot gives them', async (_header, n) => {
    const answers = await pair.both(`FETCH ${n} (BODYSTRUCTURE BODY)`);
    expect(untagged(answers.lab)).toBe(untagged(answers.dovecot));
  });

  it.each([...NO_MIME, 'forwarded'].map((m, i) => [m.split('\r\n')[0]!, TYPES.length + DISPOSITIONS.length + i + 1] as const))('no MIME-Version, %s: BODYSTRUCTURE, BODY and BINARY as Dovecot gives them', async (_m, n) => {
    const answers = await pair.both(`FETCH ${n} (BODYSTRUCTURE BODY BINARY.PEEK[1])`);
    expect(untagged(answers.lab)).toBe(untagged(answers.dovecot));
  });

  const casedFrom = TYPES.length + DISPOSITIONS.length + NO_MIME.length + 2;
  it.each([...CASED, 'a multipart of such parts'].map((header, i) => [header, casedFrom + i] as const))('%s: the case as Dovecot keeps it', async (_header, n) => {
    const answers = await pair.both(`FETCH ${n} (BODYSTRUCTURE BODY)`);
    expect(untagged(answers.lab)).toBe(untagged(answers.dovecot));
  });

  const unreadableFrom = casedFrom + CASED.length + 2;
  it('Content-Type: multipart/mixed x: one leaf, as Dovecot reads it', async () => {
    const answers = await pair.both(`FETCH ${unreadableFrom - 1} (BODYSTRUCTURE BODY BODY.PEEK[1])`);
    expect(untagged(answers.lab)).toBe(untagged(answers.dovecot));
  });
  it.each(UNREADABLE.map((header, i) => [header, unreadableFrom + i] as const))('Content-Type: %s, unreadable or nearly: as Dovecot shows it', async (_header, n) => {
    const answers = await pair.both(`FETCH ${n} (BODYSTRUCTURE BODY)`);
    expect(untagged(answers.lab)).toBe(untagged(answers.dovecot));
  });

  const plainFrom = unreadableFrom + UNREADABLE.length;
  it.each(PLAIN_7BIT.map((header, i) => [header.split('\r\n')[0]!, plainFrom + i] as const))('a whole message %s: plain 7bit in lower case, as Dovecot writes it, or the case kept', async (_header, n) => {
    const answers = await pair.both(`FETCH ${n} (BODYSTRUCTURE BODY)`);
    expect(untagged(answers.lab)).toBe(untagged(answers.dovecot));
  });

  it('keeps the case written, but message/rfc822 in lower case', async () => {
    expect(untagged((await pair.both(`FETCH ${casedFrom} BODYSTRUCTURE`)).lab)).toContain('("TEXT" "PLAIN" ("CHARSET" "US-ASCII") NIL NIL "7bit" 4 1 NIL ("INLINE" ("FILENAME" "A.TXT"))');
    expect(untagged((await pair.both(`FETCH ${casedFrom + 6} BODY`)).lab)).toContain('("message" "rfc822" ("X" "y")');
  });

  it('lists plain parameters first, then the joined pieces, and the default charset last', async () => {
    expect(untagged((await pair.both('FETCH 2 BODY')).lab)).toContain('("b" "2" "a" "1" "a*" "utf-8\'\'%C3%A9" "c" "xy" "charset" "us-ascii")');
    expect(untagged((await pair.both('FETCH 1 BODY')).lab)).toContain('("x" "1" "charset" "us-ascii" "name*" "\'\'long%41b")');
  });
});
