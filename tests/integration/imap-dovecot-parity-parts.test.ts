/**
 * Odd parts beside a real Dovecot 2.3.19 (review 13): a message/rfc822 or message/global part
 * sent with a Content-Transfer-Encoding, and a part that is nothing but the delimiter's CRLF.
 * RFC 2046 §5.2.1 forbids encoding message/rfc822, yet Dovecot reads its raw text as the
 * enclosed message whatever the encoding (a quoted-printable one has its header up to the first
 * blank line; the lab said {0} for every section inside). Dovecot reads nothing inside a
 * message/global (RFC 6532), encoded or not: a leaf, its 1.1 itself. An empty part was described
 * as 2 bytes long negative ("7bit" -2), which no IMAP parser takes. BINARY of content decoded
 * from base64 or quoted-printable, or holding NUL, is a literal8 (~{n}) in Dovecot, slices too;
 * BODY[...] sends a NUL as 0x80 (a plain literal may not hold NUL; the lab sent it as it was).
 * A message/rfc822 part of a multipart whose enclosed header runs to the delimiter is 2 bytes
 * and a line longer in Dovecot (the delimiter's CRLF ends the header's last line).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendOf, startParityPair, untagged, type ParityPair } from '../helpers/dovecotParity.js';

let pair: ParityPair;
const both = (command: string): Promise<{ lab: string; dovecot: string }> => pair.both(command);

const HEAD = ['From: alice@example.com', 'Subject: forwarded', 'MIME-Version: 1.0'];

/** A multipart/mixed whose first part is `type` in `encoding`, then a text part. */
function forwarding(type: string, encoding: string, body: string): string {
  return [...HEAD, 'Content-Type: multipart/mixed; boundary="b"', '', '--b', `Content-Type: ${type}`, `Content-Transfer-Encoding: ${encoding}`, '', body, '--b', 'Content-Type: text/plain', '', 'last', '--b--', ''].join('\r\n');
}

/** The message forwarded. */
const INNER = 'From: carol@otherdomain.com\r\nSubject: inner\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nhello\r\n';
const INNER_QP = 'Subject: inner\r\nX-A: caf=C3=A9\r\n\r\nhello=\r\n world';

/** The messages, 1 to 17, in the order appended. */
const MESSAGES = [
  forwarding('message/rfc822', 'quoted-printable', INNER_QP),
  // The message itself, not a part of a multipart: base64 text has no blank line, so it is all header.
  [...HEAD, 'Content-Type: message/rfc822', 'Content-Transfer-Encoding: base64', '', Buffer.from(INNER).toString('base64'), ''].join('\r\n'),
  forwarding('message/global', 'base64', Buffer.from(INNER).toString('base64')),
  forwarding('message/global', 'quoted-printable', INNER_QP),
  forwarding('message/global', '8bit', INNER.replace('inner', 'inner café')),
  forwarding('message/rfc822', '7bit', INNER),
  [...HEAD, 'Content-Type: multipart/mixed; boundary="b"', '', '--b', '', '--b', 'Content-Type: message/rfc822', '', 'Subject: x', '', 'y', '--b--', ''].join('\r\n'),
  // BINARY of decoded content goes out as a literal8, ~{n}, as Dovecot sends it; an empty body needs no decoding.
  forwarding('text/plain', 'quoted-printable', 'plain'),
  forwarding('text/plain', 'base64', ''),
  forwarding('application/octet-stream', 'binary', 'a\u0000b'),
  // A message/rfc822 part of a multipart with no blank line in it: Dovecot's header reading takes
  // the CRLF before the delimiter as its last line's end (2 bytes and a line more).
  forwarding('message/rfc822', 'base64', Buffer.from(INNER).toString('base64')),
  forwarding('message/rfc822', '7bit', 'no header here, just text'),
  forwarding('message/rfc822', '7bit', ''),
  forwarding('message/rfc822', '7bit', 'Subject: x\r\n'),
  forwarding('message/rfc822', '7bit', 'Subject: x\r\n\r\n'),
  [...HEAD, 'Content-Type: multipart/mixed; boundary="b"', '', '--b', 'Content-Type: message/rfc822', '--b', 'Content-Type: message/rfc822', '', 'Subject: y', '--b--', ''].join('\r\n'),
  [...HEAD, 'Content-Type: multipart/mixed; boundary="b"', '', '--b', 'Content-Type: text/plain', '--b', 'Content-Type: text/plain', '', 'last', '--b--', ''].join('\r\n'),
];

beforeAll(async () => {
  pair = await startParityPair();
  await both('CREATE parts');
  for (const m of MESSAGES) await both(appendOf('parts', m));
  await both('SELECT parts');
}, 60_000);
afterAll(async () => {
  await pair?.stop();
});

const ITEMS = ['BODY.PEEK[]', 'BODY.PEEK[1]', 'BODY.PEEK[1.MIME]', 'BODY.PEEK[1.1]', 'BODY.PEEK[1.1.1]', 'BODY.PEEK[1.HEADER]', 'BODY.PEEK[1.TEXT]', 'BODY.PEEK[1.1.MIME]', 'BINARY.PEEK[1.1]', 'BINARY.PEEK[1.1]<1.2>', 'BINARY.PEEK[1.1]<50.2>', 'BINARY.SIZE[1.1]', 'BODYSTRUCTURE', 'BODY', 'BODY.PEEK[2]', 'BODY.PEEK[2.HEADER]'];

describe('FETCH of odd parts', () => {
  it.each(MESSAGES.flatMap((_, i) => ITEMS.map((item) => `${i + 1} ${item}`)))('FETCH %s answers what Dovecot answers', async (items) => {
    const answers = await both(`FETCH ${items}`);
    expect(untagged(answers.lab)).toEqual(untagged(answers.dovecot));
  });

  it('reads a quoted-printable message/rfc822 raw, keeps a message/global whole, sizes an empty part 0, and sends NUL and decoded content as Dovecot does', async () => {
    expect(untagged((await both('FETCH 1 (BODY.PEEK[1.1] BODY.PEEK[1.HEADER])')).lab)).toBe('* 1 FETCH (BODY[1.1] {14}\r\nhello=\r\n world BODY[1.HEADER] {34}\r\nSubject: inner\r\nX-A: caf=C3=A9\r\n\r\n)\r\n');
    expect(untagged((await both('FETCH 5 BODY.PEEK[1.1]')).lab)).toBe(`* 5 FETCH (BODY[1.1] {101}\r\n${INNER.replace('inner', 'inner café')})\r\n`.replace('é', '\u00c3\u00a9'));
    expect(untagged((await both('FETCH 8 (BINARY.PEEK[1] BINARY.PEEK[1]<9.2>)')).lab)).toBe('* 8 FETCH (BINARY[1] ~{5}\r\nplain BINARY[1]<9> ~{0}\r\n)\r\n');
    expect(untagged((await both('FETCH 10 BINARY.PEEK[1]<2.1>')).lab)).toBe('* 10 FETCH (BINARY[1]<2> ~{1}\r\nb)\r\n');
    // A plain literal may not hold NUL: BODY[] sends it as 0x80, as Dovecot does; BINARY sends the octet.
    expect(untagged((await both('FETCH 10 (BODY.PEEK[1] BINARY.PEEK[1])')).lab)).toBe('* 10 FETCH (BODY[1] {3}\r\na\u0080b BINARY[1] ~{3}\r\na\u0000b)\r\n');
    expect(untagged((await both('FETCH 7 BODYSTRUCTURE')).lab)).toMatch(/^\* 7 FETCH \(BODYSTRUCTURE \(\("text" "plain" \("charset" "us-ascii"\) NIL NIL "7bit" 0 0 /);
  });
});
