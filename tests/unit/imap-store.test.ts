/**
 * What the IMAP server asks of the Maildir store beyond delivery: UIDs given in order for
 * APPEND and COPY, new/ claimed once (so one session sees \Recent), flag changes in one pass,
 * a version that moves with every change, and subscriptions kept in a file.
 */
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Mailbox } from '../../lab-server/src/maildir/mailbox.js';

let dir: string;
let mailbox: Mailbox;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'maillab-imap-store-'));
  mailbox = new Mailbox('alice@example.com', join(dir, 'alice'));
  await mailbox.create();
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const msg = (n: number): Buffer => Buffer.from(`Subject: ${n}\r\n\r\nbody ${n}\r\n`);

describe('MaildirFolder additions for IMAP', () => {
  it('gives delivered copies UIDs in the order given and writes them to cur/ with their flags', async () => {
    const sent = mailbox.folder('Sent');
    await sent.deliver(msg(0)); // an ordinary delivery first, to new/
    const uids = await sent.deliverAll([1, 2, 3, 4, 5].map((n) => ({ message: msg(n), flags: n % 2 ? 'S' : '', internalDate: new Date(Date.UTC(2026, 0, n)) })));
    expect(uids).toEqual([2, 3, 4, 5, 6]);
    const list = await sent.sync();
    for (const [i, uid] of uids.entries()) {
      expect((await sent.read(uid))!.toString()).toBe(`Subject: ${i + 1}\nbody ${i + 1}\n`.replace('\n', '\n\n'));
      expect(list.find((m) => m.uid === uid)!.internalDate.toISOString()).toBe(new Date(Date.UTC(2026, 0, i + 1)).toISOString());
    }
    expect((await readdir(join(sent.dir, 'cur'))).map((f) => f.slice(f.indexOf(':2,'))).sort()).toEqual([':2,', ':2,', ':2,S', ':2,S', ':2,S']);
    // The UIDs survive a restart: a fresh folder object reads the same uid list.
    const again = new Mailbox('alice@example.com', join(dir, 'alice')).folder('Sent');
    expect((await again.sync()).map((m) => m.uid)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('lets one session claim the \\Recent messages, moving new/ to cur/, and keeps the claim across a restart', async () => {
    const inbox = mailbox.inbox;
    for (let n = 0; n < 3; n++) await inbox.deliver(msg(n));
    await inbox.sync();
    expect(inbox.recentCount).toBe(3);
    const [first, second] = await Promise.all([inbox.claimRecent(), inbox.claimRecent()]);
    expect(first).toEqual({ from: 1, to: 4 });
    expect(second).toEqual({ from: 4, to: 4 });
    expect(inbox.recentCount).toBe(0);
    // The files follow a moment later (noticedMoves.ts).
    await expect.poll(() => readdir(join(inbox.dir, 'new'))).toEqual([]);
    expect((await inbox.sync()).map((m) => [m.dir, m.flags])).toEqual([['cur', ''], ['cur', ''], ['cur', '']]);
    // A message APPENDed or copied in is \Recent too (RFC 3501), even though it goes to cur/.
    await inbox.deliverAll([{ message: msg(9), flags: 'S' }]);
    expect(inbox.recentCount).toBe(1);
    const again = new Mailbox('alice@example.com', join(dir, 'alice')).inbox;
    await again.sync();
    expect(again.recentCount).toBe(1);
    expect(again.firstRecentUid).toBe(4);
  });

  it('stores many flag changes in one pass, announcing each changed message once', async () => {
    const inbox = mailbox.inbox;
    for (let n = 0; n < 4; n++) await inbox.deliver(msg(n));
    await inbox.sync();
    const events: unknown[] = [];
    inbox.changes.on('change', (c) => events.push(c));
    const before = inbox.version;
    const stored = await inbox.storeFlags([
      { uid: 1, flags: 'SF' },
      { uid: 2, flags: '' }, // same flags: moved to cur/, no change event
      { uid: 99, flags: 'S' }, // no such message
    ]);
    expect(stored.stored.map((m) => [m.uid, m.flags])).toEqual([
      [1, 'FS'],
      [2, ''],
    ]);
    expect(events).toEqual([{ type: 'flags', uid: 1, flags: 'FS' }]);
    expect(inbox.version).toBeGreaterThan(before);
    expect((await readdir(join(inbox.dir, 'cur'))).some((f) => f.endsWith(':2,FS'))).toBe(true);
  });

  it('keeps subscriptions in a file, starting with INBOX and the standard folders', async () => {
    expect(await mailbox.subscriptions()).toEqual(['INBOX', 'Sent', 'Drafts', 'Trash']);
    await Promise.all([mailbox.setSubscribed('Lists.maillab', true), mailbox.setSubscribed('Drafts', false), mailbox.setSubscribed('inbox', true)]);
    expect(await mailbox.subscriptions()).toEqual(['INBOX', 'Sent', 'Trash', 'Lists.maillab']);
    expect(await readFile(join(mailbox.dir, 'subscriptions'), 'utf8')).toBe('INBOX\nSent\nTrash\nLists.maillab\n');
    await expect(mailbox.setSubscribed('../../etc', true)).rejects.toThrow(/Invalid folder name/);
  });
});
