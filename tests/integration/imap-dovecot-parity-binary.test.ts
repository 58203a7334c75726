/**
 * BINARY (RFC 3516) of parts with parts inside, beside a real Dovecot 2.3.19: the whole message
 * (BINARY[]), a multipart, a message/rfc822. Dovecot decodes every base64 or quoted-printable
 * leaf inside and makes its Content-Transfer-Encoding "binary"; the lab gave them as stored. A
 * Content-Transfer-Encoding is read as Dovecot reads it: comments left out ("base64 (sent by x)"
 * was an unknown encoding, NO [UNKNOWN-CTE]), and of two such fields the last.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendOf, startParityPair, untagged, type ParityPair } from '../helpers/dovecotParity.js';

let pair: ParityPair;
const both = (command: string): Promise<{ lab: string; dovecot: string }> => pair.both(command);
const b64 = (text: string): string => Buffer.from(text).toString('base64');
const HEAD = ['From: alice@example.com', 'Subject: binary', 'MIME-Version: 1.0'];

/** The messages, 1 to 6, in the order appended. */
const MESSAGES = [
  [...HEAD, 'Content-Type: multipart/mixed; boundary="b"', '', '--b', 'Content-Type: text/plain', 'Content-Transfer-Encoding: BASE64', '', b64('hello\r\n'), '--b', 'Content-Type: text/plain', 'Content-Transfer-Encoding: quoted-printable', '', 'caf=C3=A9 =\r\nau lait', '--b', 'Content-Type: text/plain', '', 'as it is', '--b--', ''],
  [...HEAD, 'Content-Transfer-Encoding:  base64 (sent by a script)', '', b64('top'), ''],
  [...HEAD, 'Content-Type: multipart/mixed; boundary="b"', '', '--b', 'Content-Type: message/rfc822', '', 'Subject: inner', 'Content-Type: text/plain', 'Content-Transfer-Encoding: base64', '', b64('inner'), '--b', 'Content-Type: text/plain', '', 'last', '--b--', ''],
  [...HEAD, 'Content-Transfer-Encoding: base64', 'Content-Transfer-Encoding: 7bit', '', b64('two'), ''],
  [...HEAD, 'Content-Type: text/plain', '', 'nothing encoded', ''],
  [...HEAD, 'Content-Type: multipart/mixed; boundary="b"', '', '--b', 'Content-Type: application/octet-stream', 'Content-Transfer-Encoding: base64', '', b64('\u0000\u00ff'), '--b', 'Content-Transfer-Encoding: base64', '', '', '--b--', ''],
].map((lines) => lines.join('\r\n'));

beforeAll(async () => {
  pair = await startParityPair();
  await both('CREATE bin');
  for (const m of MESSAGES) await both(appendOf('bin', m));
  await both('SELECT bin');
}, 60_000);
afterAll(async () => {
  await pair?.stop();
});

const ITEMS = ['BINARY.PEEK[]', 'BINARY.SIZE[]', 'BINARY.PEEK[]<10.30>', 'BINARY.PEEK[1]', 'BINARY.SIZE[1]', 'BODYSTRUCTURE'];

describe('BINARY of a part with parts inside', () => {
  it.each(MESSAGES.flatMap((_, i) => ITEMS.map((item) => `${i + 1} ${item}`)))('FETCH %s answers what Dovecot answers', async (items) => {
    const answers = await both(`FETCH ${items}`);
    expect(untagged(answers.lab)).toEqual(untagged(answers.dovecot));
  });

  it('decodes each leaf inside and says so in its header', async () => {
    const answer = untagged((await both('FETCH 2 BINARY.PEEK[]')).lab);
    expect(answer).toBe(`* 2 FETCH (BINARY[] ~{${HEAD.join('\r\n').length + 42}}\r\n${HEAD.join('\r\n')}\r\nContent-Transfer-Encoding: binary\r\n\r\ntop)\r\n`);
  });
});
