/**
 * FETCH of a message whose file another program removed (rm in a shell, a second mail program on
 * the same Maildir), beside a real Dovecot 2.3 (tests/helpers/dovecotParity.ts). The session has
 * not been told of the expunge, so the message keeps its number and what is known of it; what
 * was on disk alone is NIL, and the FETCH ends OK [EXPUNGEISSUED] (RFC 5530). Dovecot also sets
 * the \Seen a non-PEEK body fetch asks for, says FLAGS (\Seen) before the NIL, and keeps it until
 * the expunge is told; it says [EXPUNGEISSUED] only when something asked could not be given.
 * The lab said neither FLAGS nor \Seen, and [EXPUNGEISSUED] for a FETCH FLAGS.
 * Left as they differ: the lab answers ENVELOPE, INTERNALDATE, RFC822.SIZE and headers it has
 * cached where Dovecot, lacking them in its cache, answers placeholders.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendOf, removeMessageFile, startParityPair, untagged, type ParityPair } from '../helpers/dovecotParity.js';

let pair: ParityPair;
let boxes = 0;

beforeAll(async () => {
  pair = await startParityPair();
}, 60_000);
afterAll(async () => {
  await pair?.stop();
});

/** The untagged lines, and the tagged line's condition and code (the words are each server's own). */
const same = (answer: string): string => `${untagged(answer)}${/^p\d+ (OK|NO|BAD)( \[[A-Z-]+\])?/m.exec(answer)![0].replace(/^p\d+ /, '')}`;

/** A new folder of three messages, selected, whose second message's file is then removed on each server. */
async function secondRemoved(): Promise<void> {
  const name = `removed${++boxes}`;
  await pair.both(`CREATE ${name}`);
  for (const n of [1, 2, 3]) await pair.both(appendOf(name, `From: a@example.com\r\nSubject: m${n}\r\n\r\nbody ${n}\r\n`));
  await pair.both(`SELECT ${name}`);
  await removeMessageFile(join(pair.maildirs.lab, `.${name}`), 'm2');
  await removeMessageFile(join(pair.maildirs.dovecot, `.${name}`), 'm2');
}

/** Each command's answers, lab's and Dovecot's, as `same` shows them. */
async function answers(commands: string[]): Promise<Array<[string, string]>> {
  const out: Array<[string, string]> = [];
  for (const command of commands) {
    const { lab, dovecot } = await pair.both(command);
    out.push([same(lab), same(dovecot)]);
  }
  return out;
}

describe('FETCH of a message whose file is gone', () => {
  it.each(['BODY[]', 'BODY[TEXT]', 'BODY[HEADER]', 'RFC822', 'RFC822.TEXT', 'BODY[1]', 'BINARY[1]', 'BODY[]<0.5>', 'BODY.PEEK[]', '(UID BODY[])'])(
    'FETCH 2 %s: \\Seen set and told as Dovecot does, kept until the expunge is told, then EXPUNGE',
    async (items) => {
      await secondRemoved();
      for (const [lab, dovecot] of await answers([`FETCH 2 ${items}`, 'FETCH 2 FLAGS', 'NOOP'])) expect(lab).toBe(dovecot);
    },
  );

  it('FETCH 1:3 (FLAGS BODY[TEXT]): every message \\Seen, the gone one with a NIL body, OK [EXPUNGEISSUED]', async () => {
    await secondRemoved();
    const [lab, dovecot] = (await answers(['FETCH 1:3 (FLAGS BODY[TEXT])']))[0]!;
    expect(lab).toMatch(/^\* 2 FETCH \(FLAGS \(\\Seen \\Recent\) BODY\[TEXT\] NIL\)\r$/m);
    expect(lab).toBe(dovecot);
  });

  it.each(['FLAGS', '(UID FLAGS)', 'UID'])('FETCH 2 %s, once the file is known gone, is a whole answer: OK without [EXPUNGEISSUED], as Dovecot says', async (items) => {
    await secondRemoved();
    // Each server learns that the file is gone by trying to read it.
    await pair.both('FETCH 2 BODY.PEEK[]');
    const [lab, dovecot] = (await answers([`FETCH 2 ${items}`]))[0]!;
    expect(lab).toMatch(/^OK$/m);
    expect(lab).toBe(dovecot);
  });
});
