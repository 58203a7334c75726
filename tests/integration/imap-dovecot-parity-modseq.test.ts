/**
 * The HIGHESTMODSEQ a QRESYNC client is told while another session expunges, beside a real
 * Dovecot 2.3.19 (tests/helpers/dovecotParity.ts). A FETCH, STORE or SEARCH may not report an
 * expunge, yet its FETCH responses carry MODSEQs above it; a client that keeps the highest MODSEQ
 * it saw (imaptest does) then reopens the mailbox with QRESYNC past the expunge, is never told of
 * it, and names a message the server no longer has ("BAD Message 15 does not exist: this
 * mailbox has 14 messages" in imaptest's QRESYNC stress). RFC 5162 erratum 1810, kept in RFC 7162:
 * the server then sends a HIGHESTMODSEQ below the held-back expunge; Dovecot's imap-sync.c puts
 * the last one with nothing held back in the tagged OK, and once nothing is, the mailbox's own.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendOf, startParityPair, type ParityPair } from '../helpers/dovecotParity.js';

let pair: ParityPair;

/**
 * The HIGHESTMODSEQ a client following imaptest's model remembers after `answers` (one command's
 * each, in order): a [HIGHESTMODSEQ] code sets it, and at each tagged line the highest MODSEQ of
 * the command's FETCH responses raises it, before the tagged line's own code.
 */
function remembered(answers: string[]): number {
  let highest = 0;
  for (const answer of answers) {
    let fetched = 0;
    for (const line of answer.split('\r\n')) {
      const code = /\[HIGHESTMODSEQ (\d+)\]/.exec(line);
      const modseq = /^\* \d+ FETCH .*MODSEQ \((\d+)\)/.exec(line);
      if (/^p\d+ /.test(line)) highest = Math.max(highest, fetched);
      if (code) [highest, fetched] = [Number(code[1]), 0];
      else if (modseq) fetched = Math.max(fetched, Number(modseq[1]));
    }
  }
  return highest;
}

const uidValidity = (answer: string): string => /\[UIDVALIDITY (\d+)\]/.exec(answer)![1]!;
const highestModseq = (answer: string): string => /\[HIGHESTMODSEQ (\d+)\]/.exec(answer)![1]!;
/** The HIGHESTMODSEQ a STATUS answer gives. */
const statusModseq = (answer: string): string => /HIGHESTMODSEQ (\d+)\)/.exec(answer)![1]!;
const tagged = (answer: string): string => /^p\d+ .*$/m.exec(answer)![0];
/** Both servers' answers, lab's first. */
const each = (answers: { lab: string; dovecot: string }): [string, string] => [answers.lab, answers.dovecot];

beforeAll(async () => {
  pair = await startParityPair();
  await pair.both('ENABLE QRESYNC');
}, 60_000);
afterAll(async () => {
  await pair?.stop();
});

/** A mailbox of four messages, selected by both sessions; the first session's SELECT answers. */
async function fourMessages(name: string): Promise<[string, string]> {
  await pair.both(`CREATE ${name}`);
  for (const n of [1, 2, 3, 4]) await pair.both(appendOf(name, `Subject: ${n}\r\n\r\nbody ${n}\r\n`));
  const selected = each(await pair.both(`SELECT ${name}`));
  await pair.second(`SELECT ${name}`);
  return selected;
}

describe('HIGHESTMODSEQ while an expunge is held back', () => {
  it.each([
    ['held1', 'FETCH 1:* (FLAGS MODSEQ)'],
    ['held2', 'STORE 1 +FLAGS (\\Seen)'],
    ['held3', 'STORE 1 +FLAGS.SILENT (\\Seen)'],
  ])('%s: %s shows MODSEQs above an expunge it may not report: the HIGHESTMODSEQ from before is told, as Dovecot tells it', async (name, command) => {
    const selected = await fourMessages(name);
    // The other session expunges UID 2, then flags UID 4: a MODSEQ above the expunge's.
    await pair.second('STORE 2 +FLAGS.SILENT (\\Deleted)');
    await pair.second('EXPUNGE');
    await pair.second('STORE 3 +FLAGS.SILENT (\\Flagged)');
    const answers = each(await pair.both(command));
    for (const [i, answer] of answers.entries()) {
      expect(answer).toMatch(/^\* [14] FETCH .*MODSEQ \(\d+\)/m);
      // The expunge waits for a command that may report it.
      expect(answer).not.toMatch(/VANISHED|EXPUNGE /);
      // In the tagged OK (Dovecot), or untagged after the FETCHes when the OK has a code of its own
      // (the lab's [EXPUNGEISSUED]): what a client remembers is the HIGHESTMODSEQ SELECT told.
      expect(remembered([selected[i]!, answer])).toBe(Number(highestModseq(selected[i]!)));
    }
    // Reopened with what such a client remembers, each server names UID 2 as vanished.
    const modseqs = [0, 1].map((i) => remembered([selected[i]!, answers[i]!]));
    const reopen = (i: number): string => `SELECT ${name} (QRESYNC (${uidValidity(selected[i]!)} ${modseqs[i]}))`;
    for (const answer of each(await pair.both([reopen(0), reopen(1)]))) {
      expect(answer).toMatch(/^\* 3 EXISTS\r$/m);
      expect(answer).toMatch(/^\* VANISHED \(EARLIER\) 2\r$/m);
    }
  });

  it('says the HIGHESTMODSEQ an expunge raised once it is reported, and not again, as Dovecot does', async () => {
    const selected = await fourMessages('told');
    await pair.second('STORE 1 +FLAGS.SILENT (\\Deleted)');
    await pair.second('EXPUNGE');
    const noop = each(await pair.both('NOOP'));
    const status = each(await pair.second('STATUS told (HIGHESTMODSEQ)'));
    for (const [i, answer] of noop.entries()) {
      expect(answer).toMatch(/^\* VANISHED 1\r$/m);
      const highest = statusModseq(status[i]!);
      expect(Number(highest)).toBeGreaterThan(Number(highestModseq(selected[i]!)));
      expect(tagged(answer)).toMatch(new RegExp(`^p\\d+ OK \\[HIGHESTMODSEQ ${highest}\\] `));
    }
    for (const answer of each(await pair.both('NOOP'))) expect(tagged(answer)).not.toMatch(/HIGHESTMODSEQ/);
    // The session's own EXPUNGE too.
    await pair.both('STORE 1 +FLAGS.SILENT (\\Deleted)');
    const expunged = each(await pair.both('EXPUNGE'));
    // (Dovecot's STATUS of the mailbox a session has selected gives that session's view: NOOP first.)
    await pair.second('NOOP');
    const after = each(await pair.second('STATUS told (HIGHESTMODSEQ)'));
    for (const [i, answer] of expunged.entries()) {
      expect(answer).toMatch(/^\* VANISHED 2\r$/m);
      expect(tagged(answer)).toMatch(new RegExp(`^p\\d+ OK \\[HIGHESTMODSEQ ${statusModseq(after[i]!)}\\] `));
    }
  });
});
