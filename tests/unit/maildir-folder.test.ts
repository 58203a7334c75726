/**
 * The Maildir store on real files in a temp dir: names, atomic delivery, flags in the name,
 * uid list persistence, and files dropped in by hand.
 */
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FolderChange } from '../../lab-server/src/maildir/folder.js';
import { checkFolderName, InvalidFolderName, Mailbox } from '../../lab-server/src/maildir/mailbox.js';
import { curName, inDeliveryOrder, parseName, uniqueBaseName } from '../../lab-server/src/maildir/names.js';
import { readUidList, UIDLIST_FILE } from '../../lab-server/src/maildir/uidlist.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'maillab-maildir-'));
});
afterEach(async () => {
  // Retried: an index write still settling after a failed expectation may be filling a folder.
  await rm(dir, { recursive: true, force: true, maxRetries: 5 });
});

describe('Maildir names', () => {
  it('makes unique names with time, usec, pid, counter, host, S= and W=', () => {
    const a = uniqueBaseName(100, 104, 1_700_000_000_123);
    const b = uniqueBaseName(100, 104, 1_700_000_000_123);
    expect(a).toMatch(new RegExp(`^1700000000\\.M123\\d{3}P${process.pid}Q\\d+\\.[^/:]+,S=100,W=104$`));
    expect(a).not.toBe(b);
  });

  it('orders new files as they arrived, reading the time and usec as numbers (M99000 before M100000)', () => {
    const names = ['1700000001.M5P1Q1.h', '1700000000.M100000P9Q3.h', '1700000000.M99000P9Q10.h', 'stray', '1700000000.M99000P9Q2.h'];
    expect(inDeliveryOrder(names)).toEqual([
      'stray',
      '1700000000.M99000P9Q2.h',
      '1700000000.M99000P9Q10.h',
      '1700000000.M100000P9Q3.h',
      '1700000001.M5P1Q1.h',
    ]);
    // Names made in one millisecond keep their order, whatever the random part of usec.
    const made = Array.from({ length: 200 }, () => uniqueBaseName(1, 2, 1_700_000_002_099));
    expect(inDeliveryOrder([...made].reverse())).toEqual(made);
  });

  it('keeps flags in ASCII order after ":2," and parses them back', () => {
    expect(curName('1.M1P1Q1.h,S=1,W=2', 'TSRFD')).toBe('1.M1P1Q1.h,S=1,W=2:2,DFRST');
    expect(parseName('1.M1P1Q1.h,S=10,W=12:2,SR')).toEqual({ base: '1.M1P1Q1.h,S=10,W=12', flags: 'RS', size: 10, wireSize: 12 });
    // A size too big to be exact is no size: the file is measured instead.
    expect(parseName('1.M1P1Q1.h,S=123456789012345678901,W=5')).toEqual({ base: '1.M1P1Q1.h,S=123456789012345678901,W=5', flags: '', wireSize: 5 });
  });

  it('rejects folder names that could leave the Maildir', () => {
    for (const bad of ['../../etc', 'a/../../b', '/etc/passwd', '', 'a..b', '.hidden', 'x\0y', '~root']) {
      expect(() => checkFolderName(bad), bad).toThrow(InvalidFolderName);
    }
    expect(() => checkFolderName('Archive.2024')).not.toThrow();
  });
});

describe('MaildirFolder', () => {
  it('delivers through tmp/ into new/ with LF line ends and correct sizes', async () => {
    const box = new Mailbox('a@example.com', join(dir, 'a'));
    await box.create();
    const base = await box.inbox.deliver(Buffer.from('Subject: x\r\n\r\nline one\r\nline two\r\n'));
    expect(await readdir(join(dir, 'a', 'tmp'))).toEqual([]);
    expect(await readdir(join(dir, 'a', 'new'))).toEqual([base]);
    const stored = await readFile(join(dir, 'a', 'new', base), 'utf8');
    expect(stored).toBe('Subject: x\n\nline one\nline two\n');
    expect(base).toContain(`,S=${stored.length},W=${stored.length + 4}`);
    const [info] = await box.inbox.sync();
    expect(info).toMatchObject({ uid: 1, dir: 'new', flags: '', size: stored.length, wireSize: stored.length + 4 });
  });

  it('moves a message to cur/ with its flags in the name and announces it', async () => {
    const box = new Mailbox('a@example.com', join(dir, 'a'));
    await box.create();
    const base = await box.inbox.deliver(Buffer.from('Subject: y\n\nbody\n'));
    await box.inbox.sync();
    const seen: FolderChange[] = [];
    box.inbox.changes.on('change', (c: FolderChange) => seen.push(c));
    await box.inbox.storeFlags([{ uid: 1, flags: 'SF' }]);
    expect(await readdir(join(dir, 'a', 'cur'))).toEqual([`${base}:2,FS`]);
    expect(await readdir(join(dir, 'a', 'new'))).toEqual([]);
    expect(seen).toEqual([{ type: 'flags', uid: 1, flags: 'FS' }]);
    expect((await box.inbox.read(1))?.toString()).toBe('Subject: y\n\nbody\n');
    await box.inbox.expunge([1]);
    expect(await readdir(join(dir, 'a', 'cur'))).toEqual([]);
    expect(seen.at(-1)).toEqual({ type: 'expunge', uids: [1] });
  });

  it('keeps UIDs and UIDVALIDITY across a restart, never reusing an expunged UID', async () => {
    const path = join(dir, 'b');
    const first = new Mailbox('b@example.com', path);
    await first.create();
    for (const n of [1, 2, 3]) await first.inbox.deliver(Buffer.from(`Subject: ${n}\n\n`));
    const before = await first.inbox.sync();
    await first.inbox.expunge([3]);
    const validity = first.inbox.uidValidity;

    const second = new Mailbox('b@example.com', path); // a new process would start like this
    const again = await second.inbox.sync();
    expect(again.map((m) => [m.uid, m.base])).toEqual(before.slice(0, 2).map((m) => [m.uid, m.base]));
    expect(second.inbox.uidValidity).toBe(validity);
    await second.inbox.deliver(Buffer.from('Subject: 4\n\n'));
    expect((await second.inbox.sync()).map((m) => m.uid)).toEqual([1, 2, 4]);
    // The uid list is appended to: the header is as written first, the lines say the rest.
    const list = await readUidList(path);
    expect(list?.uidValidity).toBe(validity);
    expect(list?.nextUid).toBe(5);
    expect(await readFile(join(path, UIDLIST_FILE), 'utf8')).toMatch(new RegExp(`^1 V${validity} N1\\n1 `));
  });

  it('gives a UID to a file dropped into new/ by hand and notices files removed by hand', async () => {
    const box = new Mailbox('c@example.com', join(dir, 'c'));
    await box.create();
    await writeFile(join(dir, 'c', 'new', 'handmade'), 'Subject: by hand\r\n\r\nhi\n');
    const [info] = await box.inbox.sync();
    expect(info).toMatchObject({ uid: 1, base: 'handmade', size: 23, wireSize: 24 });
    await rm(join(dir, 'c', 'new', 'handmade'));
    // mtime resolution may hide a change made in the same instant; a new delivery forces a rescan.
    await box.inbox.deliver(Buffer.from('Subject: next\n\n'));
    expect((await box.inbox.sync()).map((m) => m.uid)).toEqual([2]);
  });

  it('gives UIDs to files in new/ in the order they arrived, not in the order their names sort as text', async () => {
    const box = new Mailbox('d@example.com', join(dir, 'd'));
    await box.create();
    const names = ['1700000000.M99000P9Q1.h', '1700000000.M100000P9Q2.h', '1700000000.M100001P9Q10.h'];
    for (const name of names) await writeFile(join(dir, 'd', 'new', name), `Subject: ${name}\n\n`);
    const given = (await box.inbox.sync()).map((m) => [m.uid, m.base]);
    await box.flush();
    expect(given).toEqual(names.map((name, i) => [i + 1, name]));
  });
});
