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
// Dots in a local part, read as Dovecot 2.3.19 reads them (parse_nonstrict_dot_atom): a dot may
// stand anywhere, but what follows it must follow at once; at a blank the local part fails and
// the words after it are a display name ("a . b" is "a.  b", written "a. b"). A name may not
// start with a dot. Display names with dots and blanks, and quoted ones with blanks, quotes and
// tabs, go out as Dovecot writes them for humans: blanks squeezed, a literal when changed.
const DOTS = ['a . b', 'a. b', 'a .b', 'x . y . z', '"q" . b', '. <s@example.com>', 'a . b@example.com', '.a@example.com', 'a..b@example.com', 'a.@example.com', 'a. @example.com', 'a.(c)b@example.com', 'a (c) . b@example.com', 'a . b, c', 'a., b@example.com', 'Bob <a.>', 'Bob <a . b@example.com>', 'A. B. Smith <a@b.example>', 'John Q. Public <jqp@example.com>', 'a . b <x@y.example>', 'Mr . X <x@example.com>', 'a.b. c <c@example.com>'];
const NAMES = ['"A  B" <a@example.com>', '"A\\"B" <a@example.com>', '"tab\there" <a@example.com>', '" lead" <a@example.com>', '"trail " <a@example.com>', '"back\\\\slash" <a@example.com>', '"   " <a@example.com>'];
const FROMS = [...NO_ADDRESS, ...STOPS, ...BROKEN, ...DOTS, ...NAMES];
/**
 * Subjects, one message each after the From: forms: blanks, quotes, 8-bit bytes, a NUL. Blanks
 * after the colon are skipped, those at the end kept (a literal then, as the text is changed).
 */
const SUBJECTS = ['a  b', 'tab\there', 'q "x" y', 'back\\slash', 'caf\u00c3\u00a9', 'fold\r\n  ed', 'a\r\n\tb', 'nul\u0000x', '\u0001ctl', 'trail ', 'tab\t', '\t lead', 'fold \r\n ed ', 'fold\r\n ', '   '];
/**
 * The other ENVELOPE strings keep the blanks at their end too, quoted. Dovecot quotes a string
 * however long, but writes one with more than four quotes and backslashes as a literal.
 */
const LONG_ID = `In-Reply-To: <${'y'.repeat(1100)}@example.com>`;
const STRINGS = ['Date: Thu, 10 Jun 2021 08:00:00 +0000  ', 'Message-ID: <a@example.com> ', 'In-Reply-To: <b@example.com>\t', 'Message-ID:   <c@example.com>', 'Message-ID: <d\u0001@example.com>', 'Message-ID: <e\t"\\@example.com>',
  'Message-ID: <a"b"c"d"e"f@example.com>', 'Message-ID: <a"b\\c"d"e@example.com>', 'Date: a"b"c"d"e"f', LONG_ID, `Sender: x <${'l'.repeat(1100)}@example.com>`];

let pair: ParityPair;

beforeAll(async () => {
  pair = await startParityPair();
  await pair.both('CREATE handmade');
  for (const from of FROMS) await pair.both(appendOf('handmade', `From: ${from}\r\nSubject: s\r\n\r\nx\r\n`));
  for (const subject of SUBJECTS) await pair.both(appendOf('handmade', `From: a@example.com\r\nSubject: ${subject}\r\n\r\nx\r\n`));
  for (const field of STRINGS) await pair.both(appendOf('handmade', `From: a@example.com\r\n${field}\r\n\r\nx\r\n`));
  await pair.both('SELECT handmade');
}, 60_000);
afterAll(async () => {
  await pair?.stop();
});

it.each(FROMS.map((from, i) => [from, i + 1] as const))('From: %s has the ENVELOPE Dovecot gives it', async (_from, n) => {
  const answers = await pair.both(`FETCH ${n} ENVELOPE`);
  expect(untagged(answers.lab)).toEqual(untagged(answers.dovecot));
});

it.each(SUBJECTS.map((subject, i) => [JSON.stringify(subject), FROMS.length + i + 1] as const))('Subject: %s has the ENVELOPE Dovecot gives it', async (_subject, n) => {
  const answers = await pair.both(`FETCH ${n} ENVELOPE`);
  expect(untagged(answers.lab)).toEqual(untagged(answers.dovecot));
});

it.each(STRINGS.map((field, i) => [JSON.stringify(field).slice(0, 60), FROMS.length + SUBJECTS.length + i + 1] as const))('%s has the ENVELOPE Dovecot gives it', async (_field, n) => {
  const answers = await pair.both(`FETCH ${n} ENVELOPE`);
  expect(untagged(answers.lab)).toEqual(untagged(answers.dovecot));
});

it('keeps the blank at the end of a subject, and writes it as a literal with the blank left out, as Dovecot does', async () => {
  expect(untagged((await pair.both(`FETCH ${FROMS.length + SUBJECTS.indexOf('trail ') + 1} ENVELOPE`)).lab)).toContain('(NIL {5}\r\ntrail ');
});

it('writes a string with a fifth quote as a literal, and a 1,114-byte one quoted, as Dovecot does', async () => {
  const at = (field: string): number => FROMS.length + SUBJECTS.length + STRINGS.indexOf(field) + 1;
  expect(untagged((await pair.both(`FETCH ${at('Message-ID: <a"b"c"d"e"f@example.com>')} ENVELOPE`)).lab)).toContain(' {25}\r\n<a"b"c"d"e"f@example.com>))');
  expect(untagged((await pair.both(`FETCH ${at(LONG_ID)} ENVELOPE`)).lab)).toContain(` "${LONG_ID.slice('In-Reply-To: '.length)}" NIL))`);
});

it('reads "a . b" as the display name "a.  b", written for humans, and a blank after a dot as the end of a local part', async () => {
  const at = (from: string): number => FROMS.indexOf(from) + 1;
  expect(untagged((await pair.both(`FETCH ${at('a . b')} ENVELOPE`)).lab)).toContain('(({4}\r\na. b NIL "MISSING_MAILBOX" "MISSING_DOMAIN")) ');
  expect(untagged((await pair.both(`FETCH ${at('.a@example.com')} ENVELOPE`)).lab)).toContain('((NIL NIL ".a" "example.com")) ');
  expect(untagged((await pair.both(`FETCH ${at('"A  B" <a@example.com>')} ENVELOPE`)).lab)).toContain('(({3}\r\nA B NIL "a" "example.com")) ');
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
