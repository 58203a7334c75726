/**
 * ENVELOPE of From: headers a learner types by hand, beside a real Dovecot 2.3
 * (tests/helpers/dovecotParity.ts). "From: Alice Smith" has no address: Dovecot reads the
 * words as a display name with MISSING_MAILBOX and MISSING_DOMAIN, not as one squashed mailbox.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { appendOf, startParityPair, untagged, type ParityPair } from '../helpers/dovecotParity.js';

const FROMS = ['alice', 'bad address', '"Q R" x', 'bad address@example.com', 'alice@', '@example.com', 'two words (comment)', '"only quoted"', 'Alice Smith <alice@example.com>', 'alice@example.com (Alice)'];

let pair: ParityPair;

beforeAll(async () => {
  pair = await startParityPair();
  await pair.both('CREATE handmade');
  for (const from of FROMS) await pair.both(appendOf('handmade', `From: ${from}\r\nSubject: s\r\n\r\nx\r\n`));
  await pair.both('SELECT handmade');
}, 60_000);
afterAll(async () => {
  await pair?.stop();
});

it.each(FROMS.map((from, i) => [from, i + 1] as const))('From: %s has the ENVELOPE Dovecot gives it', async (_from, n) => {
  const answers = await pair.both(`FETCH ${n} ENVELOPE`);
  expect(untagged(answers.lab)).toEqual(untagged(answers.dovecot));
});

it('reads words with no address as a display name', async () => {
  expect(untagged((await pair.both('FETCH 2 ENVELOPE')).lab)).toContain('(("bad address" NIL "MISSING_MAILBOX" "MISSING_DOMAIN"))');
});
