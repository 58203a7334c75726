/**
 * The look at the selected folder after each command, on the wire: once the folder has settled,
 * it must still see what another program did between two commands, at the very next one: a file
 * dropped into new/ (EXISTS), a flag set by renaming a file (FETCH FLAGS), a file removed
 * (EXPUNGE, at the next command allowed to say it). A guard for any faster look.
 */
import { readdir, rename, unlink, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestLab, type TestLab } from '../helpers/lab.js';
import { maildirPath } from '../helpers/maildir.js';
import { imapLogin, imapTagged, RawClient } from '../helpers/rawSocket.js';

let lab: TestLab;
let c: RawClient | undefined;
beforeAll(async () => {
  lab = await startTestLab();
});
afterAll(async () => {
  c?.close();
  await lab?.dispose();
});

/** Dates new/ and cur/ back, as if nothing had happened for a minute: the next look trusts their times, and the ones after it are quiet. */
async function settle(inbox: string): Promise<void> {
  const past = Date.now() / 1000 - 60.123;
  for (const d of ['new', 'cur']) await utimes(join(inbox, d), past, past);
}

/** Where a message's file is now: new/, or cur/ once the lab moved it there after a SELECT noticed it. */
async function fileOf(inbox: string, base: string): Promise<string> {
  for (const d of ['cur', 'new']) {
    const name = (await readdir(join(inbox, d))).find((n) => n.startsWith(base));
    if (name) return join(inbox, d, name);
  }
  throw new Error(`no file ${base}*`);
}

describe('the look after each IMAP command', () => {
  it('reports at the next command what another program did meanwhile, quiet looks or not', async () => {
    const inbox = maildirPath(lab.dataDir, 'default', 'bob@example.com');
    c = await imapLogin(lab.port('imap'), 'bob@example.com');
    let exists = Number(/\* (\d+) EXISTS/.exec(await c.command('s SELECT INBOX', imapTagged('s')))![1]);
    for (let round = 1; round <= 3; round++) {
      await settle(inbox);
      // Two commands with nothing new: the second takes the quiet look.
      for (const tag of ['a', 'b']) expect(await c.command(`${tag} UID FETCH 1:* FLAGS`, imapTagged(tag))).not.toMatch(/EXISTS|EXPUNGE/);
      await writeFile(join(inbox, 'tmp', `drop${round}`), `Subject: dropped ${round}\n\nhello\n`);
      await rename(join(inbox, 'tmp', `drop${round}`), join(inbox, 'new', `180000000${round}.M${round}P1.host`));
      const reply = await c.command(`f${round} UID FETCH 1 BODY.PEEK[HEADER.FIELDS (SUBJECT)]`, imapTagged(`f${round}`));
      expect(reply).toMatch(new RegExp(`^\\* ${++exists} EXISTS\\r\\n(.*\\r\\n)*f${round} OK`, 'm'));
    }

    // A flag set by hand, renaming the file: the next FETCH tells the new FLAGS.
    await settle(inbox);
    await c.command('q NOOP', imapTagged('q'));
    await c.command('r NOOP', imapTagged('r'));
    const first = await fileOf(inbox, '1800000001.');
    await rename(first, join(inbox, 'cur', '1800000001.M1P1.host:2,F'));
    expect(await c.command('g UID FETCH 1 FLAGS', imapTagged('g'))).toMatch(/^\* \d+ FETCH \(FLAGS \(\\Flagged[^)]*\)\)\r\n/m); // told as Dovecot tells it: no UID outside QRESYNC

    // A file removed by hand: not during a FETCH by number (RFC 3501 §7.4.1), at the NOOP after it.
    await settle(inbox);
    await c.command('h NOOP', imapTagged('h'));
    await unlink(await fileOf(inbox, '1800000002.'));
    expect(await c.command('i FETCH 1 FLAGS', imapTagged('i'))).not.toMatch(/EXPUNGE/);
    expect(await c.command('j NOOP', imapTagged('j'))).toMatch(new RegExp(`^\\* ${exists - 1} EXPUNGE\\r\\n`, 'm'));
  });
});
