/**
 * ENVELOPE of From: headers a learner types by hand, beside a real Dovecot 2.3
 * (tests/helpers/dovecotParity.ts). "From: Alice Smith" has no address: Dovecot reads the
 * words as a display name with MISSING_MAILBOX and MISSING_DOMAIN, not as one squashed mailbox;
 * "bob@example.com Bob" is bob at example.com (not "example.comBob"), and the list ends there.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { appendOf, startParityPair, untagged, type ParityPair } from '../helpers/dovecotParity.js';

const NO_ADDRESS = ['alice', 'bad address', '"Q R" x', 'bad address@example.com', 'alice@', '@example.com', 'two words (comment)', '"only quoted"', 'Alice Smith <alice@example.com>', 'alice@example.com (Alice)'];
// Where Dovecot's parser stops (the domain is a dot-atom; the list ends at words left after an
// address), which comment names the address, quoted local parts unquoted, "J.Smith" one word.
const STOPS = ['bob@example.com Bob, carol@example.com', 'Alice (comment) Smith', '"only quoted" (c)', 'alice@example.com (c1) (c2)', 'alice@ex ample.com', 'alice@example.com.', 'Alice <a@example.com> junk, carol@example.com', '(c) alice', '"a b"@example.com', 'A <"a\\"b"@example.com>', '""@example.com', 'Alice J.Smith', 'a.b c', 'J.R. Smith <jrs@example.com>'];
// An angle address Dovecot could not finish has the host SYNTAX_ERROR (its reading goes on at a
// comma); an empty entry is an address with nothing in it; a route without its ":" is INVALID_ROUTE.
const BROKEN = ['Bob <bob@example.com', 'Bob <bob@ex ample.com>', 'Bob <bob@>', 'Bob <bob@example.com.>', 'Bob <bob@example.com, carol@example.com', 'a@example.com, , c@example.com', ', a@example.com', 'team: a@example.com, , b@example.com;', 'Bob <@example.com>', 'Bob <@a.example,@b.example:bob@example.com>, c@example.com', 'Bob <', 'Bob <@a.example bob@example.com>'];
const FROMS = [...NO_ADDRESS, ...STOPS, ...BROKEN];

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

it('reads the domain as far as a dot-atom goes, and ends the list at words left after an address', async () => {
  expect(untagged((await pair.both(`FETCH ${FROMS.indexOf(STOPS[0]!) + 1} ENVELOPE`)).lab)).toContain('((NIL NIL "bob" "example.com")) ');
});

it('gives an angle address it could not finish the host SYNTAX_ERROR, and reads on at a comma', async () => {
  expect(untagged((await pair.both(`FETCH ${FROMS.indexOf(BROKEN[4]!) + 1} ENVELOPE`)).lab)).toContain('(("Bob" NIL "bob" "SYNTAX_ERROR")(NIL NIL "carol" "example.com")) ');
});

it('reads words with no address as a display name', async () => {
  expect(untagged((await pair.both('FETCH 2 ENVELOPE')).lab)).toContain('(("bad address" NIL "MISSING_MAILBOX" "MISSING_DOMAIN"))');
});
