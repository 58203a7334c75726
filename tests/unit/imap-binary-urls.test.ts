/**
 * The pieces behind BINARY, APPEND's extensions and URLAUTH: transfer decoding, the stored form
 * of a literal8 message, APPEND's argument grammar, IMAP URLs and URLAUTH tokens and access.
 */
import { describe, expect, it } from 'vitest';
import { parseAppend } from '../../lab-server/src/imap/appendArgs.js';
import { decodeBody, decodeQuotedPrintableLines } from '../../lab-server/src/imap/binary.js';
import { urlParts, storableMessage } from '../../lab-server/src/imap/conversions.js';
import { InvalidImapUrl, parseImapUrl } from '../../lab-server/src/imap/imapUrl.js';
import type { Piece } from '../../lab-server/src/imap/commandReader.js';
import { parseCommand } from '../../lab-server/src/imap/parser.js';
import { ArgumentError } from '../../lab-server/src/imap/schema.js';
import { accessAllows, urlauthToken, validAccess } from '../../lab-server/src/imap/urlauth.js';

const line = (text: string): Piece => ({ kind: 'line', bytes: Buffer.from(text, 'latin1') });
const lit = (bytes: Buffer | string): Piece => ({ kind: 'literal', bytes: Buffer.from(bytes) });

describe('transfer decoding for BINARY', () => {
  it('reads quoted-printable as RFC 2045 says: padding goes, soft breaks join, hard breaks are CRLF', () => {
    const body = Buffer.from('hello  \r\nbar=\r\n\r\nfoo\t \t= \r\n=62\r\nfoo_bar=3D\r\n');
    expect(decodeQuotedPrintableLines(body).toString('latin1')).toBe('hello\r\nbar\r\nfoo\t \tb\r\nfoo_bar=\r\n');
  });

  it('ignores spaces and line breaks inside base64, and names an encoding it cannot undo', () => {
    expect(decodeBody(Buffer.from('  aGVs    \r\n bG8g  \r\n   d29y  \t \r\n    bGQ= \r\n'), 'base64')).toEqual({ data: Buffer.from('hello world'), binary: true });
    expect(decodeBody(Buffer.from('x'), 'x-uuencode')).toEqual({ unknownEncoding: 'x-uuencode' });
  });
});

describe('stored form of a literal8 message', () => {
  const message = Buffer.concat([
    Buffer.from('Subject: b\r\nContent-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\n\r\nplain text\r\n--x\r\nContent-Transfer-Encoding: binary\r\n\r\n'),
    Buffer.from([0, 0x0d, 0xff]),
    Buffer.from('\r\n--x--\r\n'),
  ]);

  it('re-encodes only the binary part as base64, every other octet as it was', () => {
    const stored = Buffer.from(storableMessage(message)!).toString('latin1');
    expect(stored).toBe('Subject: b\r\nContent-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\n\r\nplain text\r\n--x\r\nContent-Transfer-Encoding: base64\r\n\r\nAA3/\r\n\r\n--x--\r\n');
    expect(storableMessage(Buffer.from('Subject: plain\r\n\r\nnothing binary\r\n'))).toBeNull();
  });

  it('gives URLFETCH the decoded part and a structure of what it sends', () => {
    const stored = storableMessage(message)!;
    const parts = urlParts(stored, [2], { structure: true, binary: true });
    expect(Buffer.from(parts.binary!)).toEqual(Buffer.from([0, 0x0d, 0xff]));
    expect(Buffer.from(parts.structure!).toString()).toBe('("text" "plain" ("charset" "us-ascii") NIL NIL "base64" 3 0 NIL NIL NIL NIL)');
    expect(urlParts(stored, [3], { structure: true, binary: true })).toEqual({ structure: null, binary: null });
  });
});

describe('APPEND arguments', () => {
  it('reads MULTIAPPEND messages with their own flags and dates, literal8 and CATENATE', () => {
    const c = parseCommand([line('a APPEND Drafts (\\Seen) {3}'), lit('one'), line(' "05-Sep-2026 12:00:00 +0200" ~{2}'), lit(Buffer.from([0, 1])), line(' CATENATE (URL "/INBOX/;UID=1" TEXT {4}'), lit('tail'), line(')')]);
    const { mailbox, messages } = parseAppend(c.args);
    expect(mailbox).toBe('Drafts');
    expect(messages.map((m) => m.data)).toEqual([
      { kind: 'literal', bytes: Buffer.from('one'), binary: false },
      { kind: 'literal', bytes: Buffer.from([0, 1]), binary: true },
      { kind: 'catenate', parts: [{ kind: 'url', url: '/INBOX/;UID=1' }, { kind: 'text', bytes: Buffer.from('tail'), binary: false }] },
    ]);
    expect(messages[1]!.date?.toISOString()).toBe('2026-09-05T10:00:00.000Z');
    expect(messages[0]!.flagTokens).toEqual([{ type: 'atom', value: '\\Seen' }]);
  });

  it.each([
    ['a APPEND Sent "hello"', /must be sent as a literal/],
    ['a APPEND Sent', /message is missing/],
    ['a APPEND Sent CATENATE (BLOB x)', /not a CATENATE part/],
    ['a APPEND Sent CATENATE ()', /CATENATE needs its parts/],
  ])('refuses %s', (text, message) => {
    expect(() => parseAppend(parseCommand([line(text)]).args)).toThrow(ArgumentError);
    expect(() => parseAppend(parseCommand([line(text)]).args)).toThrow(message);
  });
});

describe('IMAP URLs', () => {
  it('reads an authorized URL and keeps the rump its token is made from', () => {
    const text = 'imap://alice@mail.example.com:143/Caf%C3%A9;UIDVALIDITY=7/;UID=3/;SECTION=1.2/;PARTIAL=5.10;EXPIRE=2030-01-01T00:00:00Z;URLAUTH=user+bob:INTERNAL:0123456789abcdef0123456789abcdef';
    expect(parseImapUrl(text)).toEqual({
      text,
      user: 'alice',
      host: 'mail.example.com',
      mailbox: 'Café',
      uidValidity: 7,
      uid: 3,
      section: '1.2',
      partial: { start: 5, length: 10 },
      expire: new Date('2030-01-01T00:00:00Z'),
      urlauth: { access: 'user+bob', mechanism: 'INTERNAL', token: '0123456789abcdef0123456789abcdef', rump: text.slice(0, text.indexOf(':INTERNAL')) },
    });
    expect(parseImapUrl('/INBOX/;uid=1/;section=HEADER.FIELDS%20(SUBJECT)')).toMatchObject({ user: undefined, mailbox: 'INBOX', uid: 1, section: 'HEADER.FIELDS (SUBJECT)' });
  });

  it.each(['http://example.com/', 'imap:///INBOX/;UID=1', '/INBOX', '/INBOX/;UID=0', '/%ZZ/;UID=1', '/INBOX/;UID=1;EXPIRE=soon;URLAUTH=anonymous'])('refuses %s', (text) => {
    expect(() => parseImapUrl(text)).toThrow(InvalidImapUrl);
  });
});

describe('URLAUTH', () => {
  const alice = { address: 'alice@example.com', displayName: 'Alice', password: 'x' };
  const bob = { address: 'bob@example.com', displayName: 'Bob', password: 'x' };

  it('makes a token that depends on the key, the mailbox UIDVALIDITY and every octet of the rump', () => {
    const key = '00112233445566778899aabbccddeeff';
    const token = urlauthToken(key, 1700000000, 'imap://alice@h/INBOX/;UID=1;URLAUTH=anonymous');
    expect(token).toMatch(/^[0-9a-f]{64}$/);
    expect(urlauthToken(key, 1700000000, 'imap://alice@h/INBOX/;UID=2;URLAUTH=anonymous')).not.toBe(token);
    expect(urlauthToken(key, 1700000001, 'imap://alice@h/INBOX/;UID=1;URLAUTH=anonymous')).not.toBe(token);
    expect(urlauthToken('ff112233445566778899aabbccddeeff', 1700000000, 'imap://alice@h/INBOX/;UID=1;URLAUTH=anonymous')).not.toBe(token);
  });

  it('lets each access identifier through to the right sessions', () => {
    expect(['anonymous', 'authuser', 'user+bob', 'submit+bob'].every(validAccess)).toBe(true);
    expect(validAccess('everyone')).toBe(false);
    expect(accessAllows('anonymous', undefined)).toBe(true);
    expect(accessAllows('authuser', undefined)).toBe(false);
    expect(accessAllows('authuser', alice)).toBe(true);
    expect(accessAllows('user+bob%40example.com', bob)).toBe(true);
    expect(accessAllows('user+bob', bob)).toBe(true);
    expect(accessAllows('user+bob', alice)).toBe(false);
    expect(accessAllows('submit+bob', bob)).toBe(false);
  });
});
