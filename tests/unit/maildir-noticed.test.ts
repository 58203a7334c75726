/**
 * Files a read-write client has noticed move from new/ to cur/ a moment after the claim, not
 * inside it (noticedMoves.ts): the claim returns with the files still in new/, the messages
 * stay readable, flaggable and expungeable meanwhile, a message delivered after the claim stays
 * in new/, a flush finishes the moves at once, and a restart finds every file where it is.
 */
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Mailbox } from '../../lab-server/src/maildir/mailbox.js';

let dir: string;
let mailbox: Mailbox;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'maillab-noticed-'));
  mailbox = new Mailbox('alice@example.com', join(dir, 'alice'));
  await mailbox.create();
});
afterEach(async () => {
  // Folders write their index a second after their last change: let that finish first.
  await mailbox.flush();
  await rm(dir, { recursive: true, force: true, maxRetries: 3 });
});

const msg = (n: number): Buffer => Buffer.from(`Subject: ${n}\r\n\r\nbody ${n}\r\n`);
const files = async (sub: 'new' | 'cur'): Promise<string[]> => (await readdir(join(mailbox.inbox.dir, sub))).sort();

describe('noticed files move from new/ to cur/ after the claim', () => {
  it('answers the claim before any rename, then moves every noticed file soon, the index in step', async () => {
    const inbox = mailbox.inbox;
    for (let n = 0; n < 50; n++) await inbox.deliver(msg(n));
    await inbox.sync();
    expect(await inbox.claimRecent()).toEqual({ from: 1, to: 51 });
    // The claim is made and kept, but no file has moved yet: the reply does not wait for them.
    expect(inbox.recentCount).toBe(0);
    expect(await files('new')).toHaveLength(50);
    await expect.poll(() => files('new'), { timeout: 3000 }).toEqual([]);
    expect(await files('cur')).toHaveLength(50);
    expect(inbox.list().every((m) => m.dir === 'cur' && m.fileName.endsWith(':2,'))).toBe(true);
    const bodies = await Promise.all(inbox.list().map(async (m) => (await inbox.read(m.uid))!.toString()));
    expect(bodies.sort()).toEqual(Array.from({ length: 50 }, (_, n) => `Subject: ${n}\n\nbody ${n}\n`).sort());
    // A restart reads the index and finds every file where the index says. As the lab's
    // shutdown does, the folder is flushed first: a second reader while the first instance
    // still writes its index (a second after its last change) is no restart, and could read
    // the old index file and then the log the write had just emptied (1 run in 3 on a loaded
    // machine read 50 messages \Recent again).
    await mailbox.flush();
    const again = new Mailbox('alice@example.com', join(dir, 'alice')).inbox;
    const listed = await again.sync();
    expect(listed.map((m) => [m.uid, m.dir])).toEqual(inbox.list().map((m) => [m.uid, 'cur']));
    expect(again.recentCount).toBe(0);
    expect((await again.read(50))!.toString()).toBe((await inbox.read(50))!.toString());
  });

  it('stores flags on, expunges and reads messages not yet moved, and leaves later arrivals in new/', async () => {
    const inbox = mailbox.inbox;
    const bases: string[] = [];
    for (let n = 1; n <= 4; n++) bases.push(await inbox.deliver(msg(n)));
    await inbox.sync();
    await inbox.claimRecent();
    // UIDs follow name order, which within one millisecond need not be delivery order.
    const [a, b, c, d] = bases.map((base) => inbox.list().find((m) => m.base === base)!.uid) as [number, number, number, number];
    // All of this before the moves start (they wait for the folder to go quiet).
    expect(await files('new')).toHaveLength(4);
    expect((await inbox.storeFlags([{ uid: a, flags: 'S' }])).stored.map((m) => m.uid)).toEqual([a]);
    expect(await inbox.expunge([b])).toEqual([b]);
    expect((await inbox.read(c))!.toString()).toBe('Subject: 3\n\nbody 3\n');
    expect(await files('cur')).toEqual([`${bases[0]}:2,S`]);
    const later = await inbox.deliver(msg(5));
    await inbox.sync();
    // The noticed ones reach cur/; the one delivered after the claim is still new to every client.
    await expect.poll(() => files('new'), { timeout: 3000 }).toEqual([later]);
    expect(await files('cur')).toEqual([`${bases[0]}:2,S`, `${bases[2]}:2,`, `${bases[3]}:2,`].sort());
    const where = (uid: number): [string, string] | undefined => {
      const m = inbox.stored(uid);
      return m && [m.dir, m.flags];
    };
    expect([a, b, c, d, 5].map(where)).toEqual([['cur', 'S'], undefined, ['cur', ''], ['cur', ''], ['new', '']]);
    expect(inbox.recentCount).toBe(1);
  });

  it('finishes the moves when the folder flushes (idle or shutdown), and never after it is retired', async () => {
    const inbox = mailbox.inbox;
    for (let n = 0; n < 5; n++) await inbox.deliver(msg(n));
    await inbox.sync();
    await inbox.claimRecent();
    await inbox.flush();
    expect(await files('new')).toEqual([]);
    expect(await files('cur')).toHaveLength(5);

    const other = mailbox.folder('Archive');
    await other.create();
    await other.deliver(msg(9));
    await other.sync();
    await other.claimRecent();
    await other.retire();
    await new Promise((r) => setTimeout(r, 300));
    expect(await readdir(join(other.dir, 'new'))).toHaveLength(1);
  });

  it('leaves the files where they are while a command holds the folder, and moves them after', async () => {
    const inbox = mailbox.inbox;
    for (let n = 0; n < 5; n++) await inbox.deliver(msg(n));
    await inbox.sync();
    // As an IMAP FETCH does: its reader may be about to open these files by their names in new/.
    inbox.hold();
    await inbox.claimRecent();
    await new Promise((r) => setTimeout(r, 300));
    expect(await files('new')).toHaveLength(5);
    inbox.release();
    await expect.poll(() => files('new'), { timeout: 3000 }).toEqual([]);
  });

  it('moves them even while the folder stays busy, within about a second', async () => {
    const inbox = mailbox.inbox;
    for (let n = 0; n < 5; n++) await inbox.deliver(msg(n));
    await inbox.sync();
    await inbox.claimRecent();
    const started = Date.now();
    // A client reading without a pause: the folder is never quiet for long.
    while ((await files('new')).length > 0 && Date.now() - started < 5000) {
      await inbox.read(1);
      await new Promise((r) => setTimeout(r, 5));
    }
    expect(await files('new')).toEqual([]);
  });
});
