/**
 * A session's numbering of the selected mailbox while other sessions change it: an expunge
 * made elsewhere stays in the view (and in its EXISTS count) until the update step reports it,
 * during FETCH, STORE and SEARCH not even then (RFC 3501 §7.4.1); VANISHED (EARLIER) never names
 * a message the view still counts, and never one that has merely not been announced yet.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Mailbox } from '../../lab-server/src/maildir/mailbox.js';
import type { MaildirFolder } from '../../lab-server/src/maildir/folder.js';
import { vanishedSince } from '../../lab-server/src/imap/condstore.js';
import { SelectedMailbox } from '../../lab-server/src/imap/selected.js';

let dir: string;
let inbox: MaildirFolder;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'maillab-imap-view-'));
  const mailbox = new Mailbox('alice@example.com', join(dir, 'alice'));
  await mailbox.create();
  inbox = mailbox.inbox;
  for (let n = 1; n <= 4; n++) await inbox.deliver(Buffer.from(`Subject: ${n}\r\n\r\nbody ${n}\r\n`));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('SelectedMailbox and VANISHED (EARLIER)', () => {
  it('keeps an expunge made elsewhere out of VANISHED (EARLIER) until the session reports it', async () => {
    const view = await SelectedMailbox.open('INBOX', inbox, false);
    view.reportsVanished = true;
    const since = inbox.highestModseq;
    // Another session expunges UID 2 and delivers a fifth message; this view has not looked yet.
    await inbox.expunge([2]);
    await inbox.deliver(Buffer.from('Subject: 5\r\n\r\nbody 5\r\n'));
    expect(view.allUids()).toEqual([1, 2, 3, 4]);
    // UID 2 is still message 2 for the client: VANISHED (EARLIER) 2 now would shift its numbering.
    expect(vanishedSince(view, since)).toBeUndefined();
    // During FETCH, STORE or SEARCH the expunge waits; the arrival is announced.
    expect(await view.updates(false)).toEqual(['5 EXISTS', '5 RECENT']);
    expect(view.exists).toBe(5);
    expect(vanishedSince(view, since)).toBeUndefined();
    // At the next command that may report it, it goes, and from then on it has vanished; it was
    // \Recent, so the count is told again, as Dovecot tells it.
    expect(await view.updates(true)).toEqual(['VANISHED 2', '4 RECENT']);
    expect(view.allUids()).toEqual([1, 3, 4, 5]);
    expect(vanishedSince(view, since)).toBe('2');
  });

  it('past the expunge history names what is gone from both view and folder, not a message the view still counts', async () => {
    await inbox.expunge([3]);
    // The index forgets old expunges (past 20,000 UIDs); here by hand, and the folder is read afresh.
    await inbox.flush();
    const indexPath = join(dir, 'alice', 'maillab-index');
    const index = await readFile(indexPath, 'utf8');
    await writeFile(indexPath, index.replace(/^X .*\n/gm, '').replace(/ H \d+ /, ` H ${inbox.highestModseq + 1} `));
    const folder = new Mailbox('alice@example.com', join(dir, 'alice')).inbox;
    const view = await SelectedMailbox.open('INBOX', folder, false);
    expect(folder.expungedSince(1)).toBeUndefined();
    expect(view.allUids()).toEqual([1, 2, 4]);
    // Another session expunges UID 2 and delivers UID 5; neither is in this view's answers yet.
    await folder.expunge([2]);
    await folder.deliver(Buffer.from('Subject: 5\r\n\r\nbody 5\r\n'));
    expect(vanishedSince(view, 1)).toBe('3');
    await view.updates(true);
    expect(vanishedSince(view, 1)).toBe('2:3');
  });
});
