/**
 * Where the MODSEQ of the \Seen a non-PEEK body FETCH sets is told under CONDSTORE and QRESYNC,
 * beside a real Dovecot 2.3 (tests/helpers/dovecotParity.ts): in a FETCH response of its own
 * after the command's others, "* 1 FETCH (MODSEQ (n))", with the UID under QRESYNC; the body's
 * response carries the FLAGS. The lab put UID and MODSEQ into the body's response.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendOf, startParityPair, untagged, type ParityPair } from '../helpers/dovecotParity.js';

let pair: ParityPair;
/** MODSEQ values are each server's own count. */
const same = (answer: string): string => untagged(answer).replace(/MODSEQ \(\d+\)/g, 'MODSEQ (n)');
/** The tagged line's code, its number each server's own. */
const code = (answer: string): string => /^p\d+ OK( \[[A-Z-]+)?/m.exec(answer)![0].replace(/^p\d+ /, '');

beforeAll(async () => {
  pair = await startParityPair();
  await pair.both('CREATE seen');
  for (let i = 1; i <= 10; i++) await pair.both(appendOf('seen', `From: a@example.com\r\nSubject: s${i}\r\n\r\nbody ${i}\r\n`));
  // The first sessions with CONDSTORE, the second ones with QRESYNC.
  await pair.both('ENABLE CONDSTORE');
  await pair.both('SELECT seen');
  await pair.second('ENABLE QRESYNC');
  await pair.second('SELECT seen');
}, 60_000);
afterAll(async () => {
  await pair?.stop();
});

describe('the MODSEQ of a \\Seen a FETCH set', () => {
  it.each(['FETCH 1 BODY[TEXT]', 'FETCH 2 (UID BODY[])', 'FETCH 3 (FLAGS BODY[TEXT] MODSEQ)', 'UID FETCH 4 RFC822', 'FETCH 1:5 (FLAGS BODY[HEADER])', 'FETCH 9:10 BODY[]'])(
    'CONDSTORE, %s: in a response of its own, as Dovecot tells it',
    async (command) => {
      const { lab, dovecot } = await pair.both(command);
      expect(same(lab)).toMatch(/^\* \d+ FETCH \(MODSEQ \(n\)\)\r$/m);
      expect(same(lab)).toBe(same(dovecot));
      expect(code(lab)).toBe(code(dovecot));
    },
  );

  it.each(['FETCH 6 BODY[TEXT]', 'UID FETCH 7 (UID BODY[])', 'FETCH 6:8 (FLAGS BODY[TEXT])'])('QRESYNC, %s: with its UID, as Dovecot tells it', async (command) => {
    // The first sessions' changes told first: those are unsolicited FETCHes, another matter.
    await pair.second('NOOP');
    const { lab, dovecot } = await pair.second(command);
    expect(same(lab)).toMatch(/^\* \d FETCH \(UID \d MODSEQ \(n\)\)\r$/m);
    expect(same(lab)).toBe(same(dovecot));
    expect(code(lab)).toBe(code(dovecot));
  });
});
