/**
 * The look at the selected folder after every IMAP command, taken at once (no promise, no turn
 * of the operation queue) when nothing can have changed, and the full way whenever something
 * may have: a file dropped into new/ or renamed in cur/ by another program, an operation of
 * this lab queued or running. New mail is seen at the next command, as before.
 */
import { mkdtemp, rename, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Mailbox } from '../../lab-server/src/maildir/mailbox.js';
import type { MaildirFolder } from '../../lab-server/src/maildir/folder.js';
import { SelectedMailbox } from '../../lab-server/src/imap/selected.js';

let dir: string;
let inbox: MaildirFolder;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'maillab-quiet-look-'));
  const mailbox = new Mailbox('alice@example.com', join(dir, 'alice'));
  await mailbox.create();
  inbox = mailbox.inbox;
  for (let n = 1; n <= 3; n++) await inbox.deliver(Buffer.from(`Subject: ${n}\r\n\r\nbody ${n}\r\n`));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Dates the directories back, as if the last change were long ago: a look then trusts their times (scan.ts trustworthy()). */
async function settle(): Promise<void> {
  const past = Date.now() / 1000 - 60.123;
  for (const d of ['new', 'cur']) await utimes(join(inbox.dir, d), past, past);
  await inbox.sync();
}

/** A file put in place by another program (an MDA, a learner's script): written in tmp/, renamed into `to`. */
async function dropFile(to: string, text: string): Promise<void> {
  const tmp = join(inbox.dir, 'tmp', 'dropping');
  await writeFile(tmp, text);
  await rename(tmp, join(inbox.dir, to));
}

describe('the quiet look after a command', () => {
  it('is taken at once only while the directories are as the last look saw them', async () => {
    // A read-only view: no \Recent claimed, so no file moves from new/ to cur/ behind the test.
    const view = await SelectedMailbox.open('INBOX', inbox, true);
    await settle();
    expect(inbox.syncedNow()).toBe(true);
    expect(view.quietNow(true)).toBe(true);
    expect(await view.updates(true)).toEqual([]);

    // Dropped into new/ between two commands: not quiet, and the next look reports it.
    await dropFile('new/1800000001.M1P1.host', 'Subject: dropped\n\nhello\n');
    expect(inbox.syncedNow()).toBe(false);
    expect(view.quietNow(false)).toBe(false);
    expect(await view.updates(false)).toEqual(['4 EXISTS', '4 RECENT']);

    // A flag set by hand (the file renamed into cur/ with S): reported as FETCH FLAGS.
    await settle();
    expect(view.quietNow(false)).toBe(true);
    const first = inbox.get(1)!;
    await rename(join(inbox.dir, first.dir, first.fileName), join(inbox.dir, 'cur', `${first.base}:2,S`));
    expect(view.quietNow(false)).toBe(false);
    expect(await view.updates(false)).toEqual(['1 FETCH (UID 1 FLAGS (\\Seen \\Recent))']);
    view.close();
  });

  it('waits its turn while an operation of the lab is queued or running, and after an SMTP delivery', async () => {
    await settle();
    expect(inbox.syncedNow()).toBe(true);
    const storing = inbox.storeFlags([{ uid: 2, flags: 'F' }]);
    // The store has not renamed the file yet: a look now must come after it.
    expect(inbox.syncedNow()).toBe(false);
    await storing;
    await settle();
    expect(inbox.syncedNow()).toBe(true);
    // A delivery is announced before the next look takes it in.
    await inbox.deliver(Buffer.from('Subject: 4\r\n\r\nbody 4\r\n'));
    expect(inbox.syncedNow()).toBe(false);
    expect((await inbox.sync()).length).toBe(4);
  });
});
