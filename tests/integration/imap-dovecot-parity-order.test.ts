/**
 * The order of the items in a FETCH response, beside a real Dovecot 2.3 (tests/helpers/dovecotParity.ts).
 * Dovecot writes the items it builds in memory (UID, FLAGS, RFC822.SIZE, ENVELOPE, BINARY.SIZE,
 * ...) in the order asked, then the body sections it streams as literals (BODY[...], BINARY[...],
 * RFC822, RFC822.HEADER, RFC822.TEXT), in the order asked (imap-fetch.c: a buffered handler goes
 * before the first streamed one). ENVELOPE, BODYSTRUCTURE and BINARY.SIZE are of the second kind.
 * The FLAGS a FETCH that sets \Seen adds come after the first kind, before the rest:
 * "* 1 FETCH (UID 1 FLAGS (\Seen) BODY[] {47}". The lab wrote every item where it was asked and
 * those FLAGS last.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendOf, startParityPair, untagged, type ParityPair } from '../helpers/dovecotParity.js';

let pair: ParityPair;
const MESSAGE = 'Subject: order\r\nFrom: a@example.com\r\nMIME-Version: 1.0\r\nContent-Type: text/plain\r\n\r\nbody of the message\r\n';
/** MODSEQ values are each server's own count; INTERNALDATE each one's time of the APPEND; "* OK [...]" lines each one's words. */
const same = (answer: string): string =>
  untagged(answer)
    .replace(/^(\* OK \[[^\]]*\]).*$/gm, '$1')
    .replace(/MODSEQ \(\d+\)/g, 'MODSEQ (n)')
    .replace(/INTERNALDATE "[^"]*"/g, 'INTERNALDATE "d"');

beforeAll(async () => {
  pair = await startParityPair();
  await pair.both('CREATE order');
  for (let i = 0; i < 8; i++) await pair.both(appendOf('order', MESSAGE));
  await pair.both('SELECT order');
}, 60_000);
afterAll(async () => {
  await pair?.stop();
});

describe('FETCH items in the order Dovecot writes them', () => {
  it.each([
    'FETCH 1 (BODY.PEEK[] UID)',
    'FETCH 1 (BODY.PEEK[HEADER] FLAGS RFC822.SIZE)',
    'FETCH 1 (RFC822.HEADER UID ENVELOPE)',
    'FETCH 1 (BINARY.PEEK[1] BINARY.SIZE[1] UID)',
    'FETCH 1 (BODY.PEEK[TEXT] BODY.PEEK[HEADER.FIELDS (SUBJECT)] FLAGS)',
    'FETCH 2 (BODY[TEXT])',
    'FETCH 3 (UID BODY[])',
    'FETCH 4 (BODY[HEADER] UID FLAGS)',
    'FETCH 5 RFC822',
    'UID FETCH 6 (BODY[] RFC822.SIZE)',
    'FETCH 1 (ENVELOPE INTERNALDATE BODYSTRUCTURE FLAGS)',
    'FETCH 7 (BINARY[1] RFC822.SIZE)',
    'FETCH 1:2 (BODY.PEEK[HEADER.FIELDS (FROM)] BODYSTRUCTURE INTERNALDATE UID)',
  ])('%s', async (command) => {
    const answers = await pair.both(command);
    expect(same(answers.lab)).toBe(same(answers.dovecot));
  });

  it('MODSEQ among the items written first (CONDSTORE on from here)', async () => {
    const answers = await pair.both('FETCH 1 (BODY.PEEK[TEXT] ENVELOPE MODSEQ UID)');
    expect(same(answers.lab)).toBe(same(answers.dovecot));
  });
});
