/**
 * The persistent folder index on real files: written and read back, rebuilt when damaged or
 * missing, its log replayed after a crash, modification sequences that never go back, UIDVALIDITY
 * unique across delete and create, keywords in dovecot-keywords, moves and copies between
 * folders, and the field cache.
 */
import { mkdtemp, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CACHE_FILE } from '../../lab-server/src/maildir/fieldCache.js';
import { FolderIndex } from '../../lab-server/src/maildir/folderIndex.js';
import { INDEX_FILE } from '../../lab-server/src/maildir/indexFile.js';
import { LOG_FILE } from '../../lab-server/src/maildir/indexLog.js';
import { KEYWORDS_FILE } from '../../lab-server/src/maildir/keywords.js';
import { Mailbox } from '../../lab-server/src/maildir/mailbox.js';
import { StoredMessage } from '../../lab-server/src/maildir/message.js';
import { UIDLIST_FILE } from '../../lab-server/src/maildir/uidlist.js';

let dir: string;
let path: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'maillab-index-'));
  path = join(dir, 'alice');
  await new Mailbox('alice@example.com', path).create();
});
afterEach(async () => {
  // A folder left idle may still be writing its index when the test ends: try again then.
  await rm(dir, { recursive: true, force: true, maxRetries: 5 });
});

/** A new Mailbox object on the same files: what a restarted process sees. */
const reopen = (): Mailbox => new Mailbox('alice@example.com', path);
const msg = (n: number): Buffer => Buffer.from(`Message-ID: <m${n}@example.com>\r\nSubject: ${n}\r\n\r\nbody ${n}\r\n`);

async function filled(count: number): Promise<Mailbox> {
  const box = reopen();
  for (let n = 0; n < count; n++) await box.inbox.deliver(msg(n));
  await box.inbox.sync();
  return box;
}

const summary = (box: Mailbox) => box.inbox.list().map((m) => [m.uid, m.base, m.flags, m.modseq]);

describe('the folder index on disk', () => {
  it('is written when the folder is flushed and gives the same index to the next process', async () => {
    const box = await filled(5);
    await box.inbox.storeFlags([{ uid: 2, flags: 'S' }]);
    await box.flush();
    const text = await readFile(join(path, INDEX_FILE), 'utf8');
    expect(text.split('\n')[0]).toBe('maillab-index 2');
    expect(text).toMatch(/\nE 5\n$/);
    expect(await readFile(join(path, LOG_FILE), 'utf8')).toBe('');
    const again = reopen();
    await again.inbox.sync();
    expect(summary(again)).toEqual(summary(box));
    expect(again.inbox.highestModseq).toBe(box.inbox.highestModseq);
    expect(again.inbox.uidValidity).toBe(box.inbox.uidValidity);
  });

  it('replays its log after a crash, so modseqs a client saw are never lost', async () => {
    const box = await filled(3);
    await box.flush();
    await box.inbox.storeFlags([{ uid: 1, flags: 'F' }]);
    await box.inbox.storeFlags([{ uid: 3, flags: 'S' }]);
    await box.inbox.expunge([2]);
    // No flush: the process "dies" here with the changes only in the log.
    expect((await readFile(join(path, LOG_FILE), 'utf8')).split('\n').map((l) => l.split(' ')[0])).toEqual(['m', 'm', 'x', '']);
    const again = reopen();
    await again.inbox.sync();
    expect(summary(again)).toEqual(summary(box));
    expect(again.inbox.highestModseq).toBe(box.inbox.highestModseq);
    expect(again.inbox.expungedSince(0)).toEqual([2]);
  });

  it('gives a flag change made by hand while the lab was down a modseq above all before', async () => {
    const box = await filled(2);
    await box.inbox.claimRecent();
    await box.flush();
    const highest = box.inbox.highestModseq;
    const file = box.inbox.list()[0]!.fileName;
    await rename(join(path, 'cur', file), join(path, 'cur', file.replace(/:2,.*$/, ':2,S')));
    const again = reopen();
    await again.inbox.sync();
    expect(again.inbox.get(1)).toMatchObject({ flags: 'S' });
    expect(again.inbox.get(1)!.modseq).toBeGreaterThan(highest);
    expect(again.inbox.get(2)!.modseq).toBeLessThanOrEqual(highest);
  });

  it('is rebuilt from the uid list and the files when it is damaged, keeping every UID', async () => {
    const box = await filled(4);
    await box.inbox.expunge([2]);
    await box.flush();
    await writeFile(join(path, INDEX_FILE), 'maillab-index 1\nV 1 N 2 garbage\n');
    const again = reopen();
    await again.inbox.sync();
    expect(again.inbox.list().map((m) => [m.uid, m.base])).toEqual(box.inbox.list().map((m) => [m.uid, m.base]));
    expect(again.inbox.uidValidity).toBe(box.inbox.uidValidity);
    expect(again.inbox.nextUid).toBe(5);
    // A lost uid list is written again from the index.
    await again.flush();
    await rm(join(path, UIDLIST_FILE));
    const third = reopen();
    await third.inbox.sync();
    expect(third.inbox.list().map((m) => m.uid)).toEqual([1, 3, 4]);
    expect(await readFile(join(path, UIDLIST_FILE), 'utf8')).toMatch(new RegExp(`^1 V${box.inbox.uidValidity} N5\\n1 `));
  });

  it('is rebuilt when a message line is damaged, whatever the damage', async () => {
    const box = await filled(3);
    await box.flush();
    const good = await readFile(join(path, INDEX_FILE), 'utf8');
    const line = good.split('\n')[3]!;
    const damages = [line.replace(/^\d+/, 'x'), line.replace(/ c /, ' q '), line.replace(/ c .*$/, ' c '), line.replace(/^(\S+ \S+) \S+/, '$1 1.5'), line.replace(/^(\S+ \S+ \S+ \S+ \S+) \S+/, '$1 -2'), line.split(' ').slice(0, 4).join(' ')];
    for (const damaged of [...damages.map((d) => good.replace(line, d)), good.replace(/E 3\n$/, 'E 2\n'), good.replace(/E 3\n$/, ''), `${good}trailing\n`]) {
      await writeFile(join(path, INDEX_FILE), damaged);
      const again = reopen();
      await again.inbox.sync();
      // Rebuilt from the uid list and the files: every message keeps its UID.
      expect(again.inbox.list().map((m) => [m.uid, m.base])).toEqual(box.inbox.list().map((m) => [m.uid, m.base]));
    }
  });

  it('takes UIDs the uid list gave to files the index never heard of (a crash after the rename)', async () => {
    const box = await filled(1);
    await box.flush();
    // What a COPY leaves when the process dies after the uid list and the file, before the log.
    await writeFile(join(path, 'cur', '1790000000.M1P1Q1.host,S=3,W=4:2,S'), 'x:\n\n');
    await writeFile(join(path, UIDLIST_FILE), `${await readFile(join(path, UIDLIST_FILE), 'utf8')}7 1790000000.M1P1Q1.host,S=3,W=4\n`);
    const again = reopen();
    await again.inbox.sync();
    expect(again.inbox.list().map((m) => [m.uid, m.flags])).toEqual([
      [1, ''],
      [7, 'S'],
    ]);
    expect(again.inbox.nextUid).toBe(8);
  });
});

describe('UIDVALIDITY', () => {
  it('is saved for an empty folder and differs when a folder is deleted and created within a second', async () => {
    const box = reopen();
    const sent = box.folder('Sent');
    await sent.sync();
    const first = sent.uidValidity;
    expect(first).toBeGreaterThan(0);
    expect(await readFile(join(path, '.Sent', UIDLIST_FILE), 'utf8')).toBe(`1 V${first} N1\n`);
    const restarted = reopen().folder('Sent');
    await restarted.sync();
    expect(restarted.uidValidity).toBe(first);

    const a = box.folder('Projects');
    await a.create();
    await a.deliverAll([{ message: msg(1) }]);
    const before = a.uidValidity;
    await box.deleteFolder('Projects');
    const b = box.folder('Projects');
    await b.create();
    expect(b.uidValidity).toBeGreaterThan(before);
    expect(await b.deliverAll([{ message: msg(2) }])).toEqual([1]);
  });
});

describe('keywords', () => {
  it('keeps them as letters from dovecot-keywords, across a restart and into another folder', async () => {
    const box = await filled(2);
    const letters = await box.inbox.keywords.lettersFor(['$Junk', '$label1']);
    expect(letters).toBe('ab');
    expect(await box.inbox.keywords.lettersFor(['$JUNK'])).toBe('a');
    await box.inbox.storeFlags([{ uid: 1, flags: 'Sb' }]);
    expect(await readFile(join(path, KEYWORDS_FILE), 'utf8')).toBe('0 $Junk\n1 $label1\n');
    expect((await readdir(join(path, 'cur'))).some((f) => f.endsWith(':2,Sb'))).toBe(true);
    const again = reopen();
    await again.inbox.sync();
    expect(again.inbox.keywords.namesOf(again.inbox.get(1)!.flags)).toEqual(['$label1']);
    // The archive already knows another keyword: $label1 gets its own letter there.
    const archive = again.folder('Archive');
    await archive.create();
    await archive.keywords.lettersFor(['Old']);
    const moved = await again.move(again.inbox, archive, [1]);
    expect(moved).toEqual({ from: [1], to: [1] });
    expect(archive.get(1)!.flags).toBe('Sb');
    expect(archive.keywords.namesOf('b')).toEqual(['$label1']);
    expect(await readFile(join(path, '.Archive', KEYWORDS_FILE), 'utf8')).toBe('0 Old\n1 $label1\n');
  });
});

describe('moves and copies', () => {
  it('moves by renaming (same base name, flags and time), copies by hard link under a new name', async () => {
    const box = await filled(3);
    await box.inbox.storeFlags([{ uid: 2, flags: 'F' }]);
    const trash = box.folder('Trash');
    const source = box.inbox.list().find((m) => m.uid === 2)!;
    const date = source.internalDate.getTime();
    expect(await box.move(box.inbox, trash, [2, 99])).toEqual({ from: [2], to: [1] });
    expect(box.inbox.list().map((m) => m.uid)).toEqual([1, 3]);
    const moved = trash.get(1)!;
    expect([moved.base, moved.flags, moved.internalDate.getTime()]).toEqual([source.base, 'F', date]);
    expect(await readdir(join(path, '.Trash', 'cur'))).toEqual([`${source.base}:2,F`]);

    expect(await box.copy(box.inbox, trash, [1, 3])).toEqual({ from: [1, 3], to: [2, 3] });
    const copy = trash.get(2)!;
    expect(copy.base).not.toBe(box.inbox.get(1)!.base);
    const [a, b] = await Promise.all([stat(box.inbox.stored(1)!.path), stat(join(path, '.Trash', 'cur', copy.fileName))]);
    expect(a.ino).toBe(b.ino);
    // Moving within one folder gives the message a new UID, as Dovecot does.
    expect(await box.move(box.inbox, box.inbox, [3])).toEqual({ from: [3], to: [4] });
    expect(box.inbox.list().map((m) => m.uid)).toEqual([1, 4]);
  });
});

describe('the field cache', () => {
  it('keeps fields across a restart and cuts off a record a crash left half written', async () => {
    const box = await filled(2);
    const [one, two] = box.inbox.list();
    expect(await box.inbox.fields.get(one!.base, 'envelope')).toBeUndefined();
    box.inbox.fields.set(one!.base, 'envelope', Buffer.from('("date" "subject")'));
    box.inbox.fields.set(two!.base, 'envelope', Buffer.from('(NIL NIL)'));
    await box.flush();
    await writeFile(join(path, CACHE_FILE), `${await readFile(join(path, CACHE_FILE), 'utf8')}${two!.base} body 99\n(cut`);
    const again = reopen();
    await again.inbox.sync();
    expect((await again.inbox.fields.get(one!.base, 'envelope'))?.toString()).toBe('("date" "subject")');
    expect((await again.inbox.fields.get(two!.base, 'envelope'))?.toString()).toBe('(NIL NIL)');
    expect(await again.inbox.fields.get(two!.base, 'body')).toBeUndefined();
    expect(await readFile(join(path, CACHE_FILE), 'utf8')).not.toContain('(cut');
  });
});

describe('the index in memory', () => {
  it('takes in 200,000 messages at once (files dropped into new/), in UID order', () => {
    const index = new FolderIndex();
    const count = 200_000;
    const messages = Array.from({ length: count }, (_, i) => new StoredMessage(i + 1, `${i}.M${i}P1.host`, '', 'new', `${i}.M${i}P1.host`, 10, 11, 1, 0, dir));
    index.add(messages);
    expect(index.messages).toHaveLength(count);
    expect(index.get(count)?.base).toBe(`${count - 1}.M${count - 1}P1.host`);
    expect(index.nextUid).toBe(count + 1);
  });
});
