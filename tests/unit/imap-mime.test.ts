/**
 * The MIME view: ENVELOPE and BODYSTRUCTURE of the seed messages and of a nested message, and
 * the octets BODY[section] names. Expected sizes are measured on the raw text with indexOf, a
 * different method from the parser's line scan.
 */
import { describe, expect, it } from 'vitest';
import { toStored, toWire } from '../../lab-server/src/maildir/wire.js';
import { parseAddressList } from '../../lab-server/src/imap/mime/addresses.js';
import { parseMessage } from '../../lab-server/src/imap/mime/parse.js';
import { parseSection, sectionBytes } from '../../lab-server/src/imap/mime/sections.js';
import { bodyStructureOf, envelopeOf } from '../../lab-server/src/imap/mime/structure.js';
import { tableOf } from '../../lab-server/src/imap/mime/table.js';
import { bodyText, decodeHeaderValue } from '../../lab-server/src/imap/mime/text.js';
import { parseCommand } from '../../lab-server/src/imap/parser.js';
import { serialize } from '../../lab-server/src/imap/response.js';
import { seedMessages } from '../../lab-server/src/world/seedMail.js';

const alice = { address: 'alice@example.com', displayName: 'Alice', password: 'secret' };
const seeds = seedMessages(alice, 'mail.example.com').map((m) => toWire(toStored(m.raw)));

const structure = (wire: Buffer, extensible = true): string => serialize(bodyStructureOf(wire, parseMessage(wire), extensible)).toString('latin1');
const envelope = (wire: Buffer): string => serialize(envelopeOf(parseMessage(wire).fields)).toString('latin1');
/** Lines as Dovecot counts them: line breaks (a last line without one does not count). */
const lines = (text: string): number => text.split('\n').length - 1;

/** BODY[...] as a client would write it. */
function section(wire: Buffer, spec: string): string | undefined {
  const [token] = parseCommand([{ kind: 'line', bytes: Buffer.from(`a FETCH 1 BODY[${spec}]`) }]).args.slice(1);
  const parsed = parseSection(token!.type === 'atom' ? token!.section! : []);
  return sectionBytes(wire, tableOf(parseMessage(wire)), parsed)?.toString('utf8');
}

describe('seed message 1: plain text', () => {
  const wire = seeds[0]!;
  const text = wire.toString('utf8');
  const body = text.slice(text.indexOf('\r\n\r\n') + 4);

  it('has a text/plain BODYSTRUCTURE with octets and lines of the body', () => {
    expect(structure(wire)).toBe(`("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" ${Buffer.byteLength(body)} ${lines(body)} NIL NIL NIL NIL)`);
    expect(structure(wire, false)).toBe(`("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" ${Buffer.byteLength(body)} ${lines(body)})`);
  });

  it('has an ENVELOPE with sender and reply-to defaulting to From', () => {
    const from = '(("MailLab" NIL "postmaster" "example.com"))';
    expect(envelope(wire)).toBe(
      `("Tue, 01 Sep 2026 08:00:00 +0000" "Welcome to MailLab" ${from} ${from} ${from} (("Alice" NIL "alice" "example.com")) NIL NIL NIL "<welcome.alice.example.com@mail.example.com>")`,
    );
  });

  it('gives HEADER, TEXT, 1 and HEADER.FIELDS', () => {
    expect(section(wire, 'HEADER')).toBe(text.slice(0, text.indexOf('\r\n\r\n') + 4));
    expect(section(wire, 'TEXT')).toBe(body);
    expect(section(wire, '1')).toBe(body);
    expect(section(wire, 'HEADER.FIELDS (Subject To)')).toBe('To: Alice <alice@example.com>\r\nSubject: Welcome to MailLab\r\n\r\n');
    expect(section(wire, 'HEADER.FIELDS.NOT (Return-Path From To Subject Date Message-ID MIME-Version)')).toBe('Content-Type: text/plain; charset=us-ascii\r\n\r\n');
    expect(section(wire, '2')).toBeUndefined();
  });
});

describe('seed message 2: multipart with an attachment', () => {
  const wire = seeds[1]!;
  const text = wire.toString('latin1');
  const boundary = '=_maillab_boundary_7f3a';
  const parts = text.split(`\r\n--${boundary}`);
  // parts[1] and parts[2] start with the CRLF after the delimiter line.
  const bodies = [parts[1]!, parts[2]!].map((p) => p.slice(p.indexOf('\r\n\r\n') + 4));

  it('has two parts with sizes, line counts, parameters and disposition', () => {
    expect(structure(wire)).toBe(
      `(("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" ${bodies[0]!.length} ${lines(bodies[0]!)} NIL NIL NIL NIL)` +
        `("text" "csv" ("charset" "us-ascii" "name" "ports.csv") NIL NIL "base64" ${bodies[1]!.length} ${lines(bodies[1]!)} NIL ("attachment" ("filename" "ports.csv")) NIL NIL)` +
        ` "mixed" ("boundary" "${boundary}") NIL NIL NIL)`,
    );
    expect(structure(wire, false)).toBe(
      `(("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" ${bodies[0]!.length} ${lines(bodies[0]!)})("text" "csv" ("charset" "us-ascii" "name" "ports.csv") NIL NIL "base64" ${bodies[1]!.length} ${lines(bodies[1]!)}) "mixed")`,
    );
  });

  it('gives each part, its MIME header, and decodes the attachment for SEARCH', () => {
    expect(section(wire, '1')).toBe(bodies[0]);
    expect(section(wire, '2')).toBe(bodies[1]);
    expect(section(wire, '2.MIME')).toBe(parts[2]!.slice(2, parts[2]!.indexOf('\r\n\r\n') + 4));
    expect(section(wire, '1.HEADER')).toBeUndefined(); // HEADER needs a message/rfc822 part
    const m = parseMessage(wire);
    expect(bodyText(wire, m)).toContain('IMAPS,993,implicit TLS');
  });
});

describe('seed message 3: encoded words and UTF-8', () => {
  const wire = seeds[2]!;

  it('keeps encoded words in the ENVELOPE (clients decode them) and sends 8-bit as literals', () => {
    const env = envelope(wire);
    expect(env).toContain('"=?UTF-8?B?6YKu5Lu257O757uf5a6e6aqM77ya5Lul54K55byA5aS055qE6KGM?="');
    expect(env).toContain('(("=?UTF-8?B?5Y2h572X5bCU?=" NIL "carol" "otherdomain.com"))');
  });

  it('counts lines and octets of an 8bit UTF-8 body', () => {
    const text = wire.toString('latin1');
    const body = text.slice(text.indexOf('\r\n\r\n') + 4);
    expect(structure(wire)).toBe(`("text" "plain" ("charset" "UTF-8") NIL NIL "8bit" ${body.length} ${lines(body)} NIL NIL NIL NIL)`);
  });

  it('decodes the subject for SEARCH', () => {
    expect(decodeHeaderValue(parseMessage(wire).fields.find((f) => f.name === 'subject')!.value)).toBe('邮件系统实验：以点开头的行');
  });
});

describe('a nested message', () => {
  const inner = [
    'From: "Bob, the builder" <bob@example.com>',
    'To: undisclosed-recipients:;',
    'Subject: inner',
    'Content-Type: multipart/alternative; boundary="alt"',
    '',
    '--alt',
    'Content-Type: text/plain',
    '',
    'plain inner',
    '--alt',
    'Content-Type: text/html; charset=utf-8',
    'Content-Transfer-Encoding: quoted-printable',
    '',
    '<p>caf=C3=A9</p>',
    '--alt--',
    '',
  ].join('\r\n');
  const raw = [
    'From: Alice <alice@example.com>',
    'To: friends: bob@example.com, Carol <carol@otherdomain.com>;, dave@example.com (Dave)',
    'Cc: "Quoted \\"name\\"" <@relay.example.com:eve@example.com>',
    'Subject: nested',
    'Content-Type: multipart/mixed; boundary=outer',
    'Content-Language: en, de',
    '',
    'preamble',
    '--outer',
    'Content-Type: text/plain; charset=us-ascii',
    'Content-ID: <part1@example.com>',
    'Content-Description: first',
    'Content-Location: http://example.com/1',
    'Content-MD5: Q2hlY2sgSW50ZWdyaXR5IQ==',
    '',
    'one',
    '--outer',
    'Content-Type: message/rfc822',
    'Content-Disposition: inline',
    '',
    inner,
    '--outer--',
    'epilogue',
    '',
  ].join('\r\n');
  const wire = Buffer.from(raw);

  it('describes multipart, message/rfc822 with its own envelope and structure, and extension data', () => {
    const innerBody = inner; // the message/rfc822 body is the whole inner message
    const s = structure(wire);
    expect(s).toMatch(/^\(\("text" "plain" \("charset" "us-ascii"\) "<part1@example.com>" "first" "7bit" 3 0 "Q2hlY2sgSW50ZWdyaXR5IQ==" NIL NIL "http:\/\/example.com\/1"\)/);
    expect(s).toContain(`("message" "rfc822" NIL NIL NIL "7bit" ${innerBody.length} (NIL "inner"`);
    expect(s).toContain('(("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 11 0 NIL NIL NIL NIL)("text" "html" ("charset" "utf-8") NIL NIL "quoted-printable" 16 0 NIL NIL NIL NIL) "alternative" ("boundary" "alt") NIL NIL NIL)');
    expect(s).toContain(`${lines(innerBody)} NIL ("inline" NIL) NIL NIL) "mixed" ("boundary" "outer") NIL ("en" "de") NIL)`);
    // The enclosed message's envelope: a group with no members.
    expect(s).toContain('"inner" (("Bob, the builder" NIL "bob" "example.com"))');
    expect(s).toContain('((NIL NIL "undisclosed-recipients" NIL)(NIL NIL NIL NIL))');
  });

  it('parses groups, comments and source routes in the ENVELOPE', () => {
    const env = envelope(wire);
    expect(env).toContain('((NIL NIL "friends" NIL)(NIL NIL "bob" "example.com")("Carol" NIL "carol" "otherdomain.com")(NIL NIL NIL NIL)("Dave" NIL "dave" "example.com"))');
    // A name with quotes in it goes out as a literal, as Dovecot writes names for humans.
    expect(env).toContain('(({13}\r\nQuoted "name" "@relay.example.com" "eve" "example.com"))');
  });

  it('walks part numbers through the message/rfc822 part', () => {
    expect(section(wire, '1')).toBe('one');
    expect(section(wire, '2')).toBe(inner);
    expect(section(wire, '2.HEADER')).toBe(inner.slice(0, inner.indexOf('\r\n\r\n') + 4));
    expect(section(wire, '2.1')).toBe('plain inner');
    expect(section(wire, '2.2')).toBe('<p>caf=C3=A9</p>');
    expect(section(wire, '2.2.MIME')).toBe('Content-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n');
    expect(section(wire, '2.HEADER.FIELDS (SUBJECT)')).toBe('Subject: inner\r\n\r\n');
    expect(section(wire, '3')).toBeUndefined();
    // As Dovecot walks it: a plain part is its own 1, at the path's end only.
    expect(section(wire, '1.1')).toBe('one');
    expect(section(wire, '1.1.1')).toBeUndefined();
    expect(section(wire, '2.1.1')).toBe('plain inner');
    expect(section(wire, '2.1.1.1')).toBeUndefined();
  });

  it('decodes quoted-printable text parts for SEARCH BODY', () => {
    expect(bodyText(wire, parseMessage(wire))).toContain('café');
  });
});

describe('line counts, as Dovecot gives them', () => {
  it('counts line breaks only: a body without a final one has one line fewer than it shows', () => {
    const wire = Buffer.from('Subject: x\r\n\r\nfirst\r\nsecond');
    expect(structure(wire)).toBe('("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 13 1 NIL NIL NIL NIL)');
  });

  it('gives a nested message/rfc822 part the line breaks of the enclosed message, the one before the boundary not included', () => {
    // Six line breaks inside the part; the seventh (before "--b--") belongs to the delimiter.
    const enclosed = 'From: bob@example.com\r\nSubject: inner\r\n\r\none\r\ntwo\r\nthree\r\nfour';
    const wire = Buffer.from(`Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: message/rfc822\r\n\r\n${enclosed}\r\n--b--\r\n`);
    expect(structure(wire, false)).toBe(
      `(("message" "rfc822" NIL NIL NIL "7bit" ${enclosed.length} (NIL "inner" ((NIL NIL "bob" "example.com")) ((NIL NIL "bob" "example.com")) ((NIL NIL "bob" "example.com")) NIL NIL NIL NIL NIL) ("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 21 3) 6) "mixed")`,
    );
  });
});

describe('an enclosed message sent base64-encoded', () => {
  it('is described as an empty message, so the BODYSTRUCTURE grammar still holds', () => {
    const wire = Buffer.from('Content-Type: message/rfc822\r\nContent-Transfer-Encoding: base64\r\n\r\nU3ViamVjdDogaGkNCg0KaGkNCg==\r\n');
    expect(structure(wire)).toBe(
      '("message" "rfc822" NIL NIL NIL "base64" 30 (NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL) ("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 0 0 NIL NIL NIL NIL) 1 NIL NIL NIL NIL)',
    );
  });
});

describe('address lists', () => {
  it('reads what real headers contain', () => {
    expect(parseAddressList('alice@example.com')).toEqual([{ name: null, adl: null, mailbox: 'alice', host: 'example.com' }]);
    expect(parseAddressList('=?UTF-8?B?5Y2h572X5bCU?= <carol@otherdomain.com>')[0]!.name).toBe('=?UTF-8?B?5Y2h572X5bCU?=');
    expect(parseAddressList('J. R. Smith <jrs@example.com>')[0]!.name).toBe('J. R. Smith');
    expect(parseAddressList('"a, b" <ab@example.com>, c@example.com').map((a) => a.mailbox)).toEqual(['ab', 'c']);
    expect(parseAddressList('broken')).toEqual([{ name: null, adl: null, mailbox: 'broken', host: 'MISSING_DOMAIN' }]);
    expect(parseAddressList('')).toEqual([]);
  });
});
