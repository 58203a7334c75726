/**
 * What a session is told as its mailbox changes, beside a real Dovecot 2.3.19
 * (tests/helpers/dovecotParity.ts). Dovecot's imap-sync.c sends "* n RECENT" whenever the
 * \Recent count differs from the one last told: after an EXPUNGE of a \Recent message too
 * (the lab told it only on arrivals). SELECT or EXAMINE while a mailbox is selected starts with
 * "* OK [CLOSED]" for every client (RFC 9051 §7.1; the lab said it only after ENABLE QRESYNC
 * or IMAP4rev2), so a client knows which responses belong to the old mailbox.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendOf, startParityPair, untagged, type ParityPair } from '../helpers/dovecotParity.js';

let pair: ParityPair;
const both = (command: string): Promise<{ lab: string; dovecot: string }> => pair.both(command);
/** The untagged lines with their human text left out: "* OK [CLOSED] ..." is "* OK [CLOSED]". */
const shape = (answer: string): string[] =>
  untagged(answer)
    .split('\r\n')
    .filter((line) => line && !/\[(UIDVALIDITY|HIGHESTMODSEQ) /.test(line))
    .map((line) => line.replace(/^(\* (OK|NO|BAD)( \[[^\]]*\])?).*$/, '$1'));

beforeAll(async () => {
  pair = await startParityPair();
  await both('CREATE recent');
  await both('CREATE other');
  for (const n of [1, 2, 3, 4]) await both(appendOf('recent', `Subject: ${n}\r\n\r\nbody ${n}\r\n`));
  await both(appendOf('other', 'Subject: other\r\n\r\nbody\r\n'));
}, 60_000);
afterAll(async () => {
  await pair?.stop();
});

describe('RECENT after EXPUNGE and [CLOSED] on SELECT', () => {
  it('tells the \\Recent count again after an EXPUNGE of a \\Recent message, as Dovecot does', async () => {
    expect(shape((await both('SELECT recent')).lab)).toContain('* 4 RECENT');
    await both('STORE 2 +FLAGS.SILENT (\\Deleted)');
    const expunged = await both('EXPUNGE');
    expect(untagged(expunged.lab)).toBe('* 2 EXPUNGE\r\n* 3 RECENT\r\n');
    expect(untagged(expunged.lab)).toBe(untagged(expunged.dovecot));
    await both('STORE 1,3 +FLAGS.SILENT (\\Deleted)');
    // Highest first, as Dovecot sends them.
    const two = await both('EXPUNGE');
    expect(untagged(two.lab)).toBe('* 3 EXPUNGE\r\n* 1 EXPUNGE\r\n* 1 RECENT\r\n');
    expect(untagged(two.lab)).toBe(untagged(two.dovecot));
    // An arrival after that: EXISTS, and RECENT since the count changed.
    const appended = await both(appendOf('recent', 'Subject: 5\r\n\r\nbody 5\r\n'));
    const noop = await both('NOOP');
    expect(untagged(appended.lab) + untagged(noop.lab)).toBe('* 2 EXISTS\r\n* 2 RECENT\r\n');
    expect(untagged(appended.lab) + untagged(noop.lab)).toBe(untagged(appended.dovecot) + untagged(noop.dovecot));
  });

  it('expunges what MOVE took highest first, and tells RECENT, as Dovecot does', async () => {
    await both('CREATE moved');
    for (const n of [1, 2, 3]) await both(appendOf('moved', `Subject: ${n}\r\n\r\nbody ${n}\r\n`));
    await both('SELECT moved');
    const moved = await both('MOVE 1,3 other');
    const counts = (answer: string): string[] => shape(answer).filter((line) => /^\* \d+ (EXPUNGE|RECENT|EXISTS)$/.test(line));
    expect(counts(moved.lab)).toEqual(['* 3 EXPUNGE', '* 1 EXPUNGE', '* 1 RECENT']);
    expect(counts(moved.lab)).toEqual(counts(moved.dovecot));
  });

  it.each(['SELECT other', 'EXAMINE recent', 'SELECT recent', 'EXAMINE other'])('%s with a mailbox selected starts with [CLOSED], as Dovecot does', async (command) => {
    await both('SELECT recent');
    const answers = await both(command);
    expect(shape(answers.lab)[0]).toBe('* OK [CLOSED]');
    expect(shape(answers.lab)).toEqual(shape(answers.dovecot));
  });

  it('says no [CLOSED] when nothing was selected', async () => {
    await both('UNSELECT');
    const answers = await both('SELECT other');
    expect(shape(answers.lab)).not.toContain('* OK [CLOSED]');
    expect(shape(answers.dovecot)).not.toContain('* OK [CLOSED]');
  });
});
