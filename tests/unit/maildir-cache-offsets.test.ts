/**
 * The field cache's offsets kept in the folder index (maildir/cacheOffsets.ts), on real files:
 * after a clean restart the cache file is read but not gone through record by record, and
 * every field of every message is found by its offset; when the file changed behind the
 * index's back, or grew after the index was written (a crash), or the index is of version 1,
 * the file is gone through as before and nothing is lost.
 */
import { appendFile, mkdtemp, readFile, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CACHE_FILE } from '../../lab-server/src/maildir/fieldCache.js';
import { FieldRecords } from '../../lab-server/src/maildir/fieldRecords.js';
import { INDEX_FILE } from '../../lab-server/src/maildir/indexFile.js';
import { Mailbox } from '../../lab-server/src/maildir/mailbox.js';

let dir: string;
let path: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'maillab-offsets-'));
  path = join(dir, 'alice');
  await new Mailbox('alice@example.com', path).create();
});
afterEach(async () => {
  vi.restoreAllMocks();
  await rm(dir, { recursive: true, force: true, maxRetries: 5 });
});

/** A new Mailbox object on the same files (what a restarted process sees), its INBOX synced. */
async function reopen(): Promise<Mailbox> {
  const box = new Mailbox('alice@example.com', path);
  await box.inbox.sync();
  return box;
}

/** Three messages; fields set for two of them, some in a later batch than others. */
async function cached(): Promise<{ box: Mailbox; bases: string[] }> {
  const box = new Mailbox('alice@example.com', path);
  for (let n = 0; n < 3; n++) await box.inbox.deliver(Buffer.from(`Subject: ${n}\r\n\r\nbody ${n}\r\n`));
  const bases = (await box.inbox.sync()).map((m) => m.base);
  await box.inbox.fields.ready();
  box.inbox.fields.set(bases[0]!, 'envelope', '(E0)');
  box.inbox.fields.set(bases[1]!, 'envelope', '(E1 with\nnew line)');
  await box.inbox.fields.flush();
  box.inbox.fields.set(bases[0]!, 'bodystructure', '("text" "plain")');
  box.inbox.fields.set(bases[2]!, 'envelope', '(E2)');
  box.inbox.fields.set(bases[0]!, 'body', '(B0)');
  await box.flush();
  return { box, bases };
}

/** Counts how often a cache file is gone through record by record. */
const countReads = () => vi.spyOn(FieldRecords.prototype, 'read');

async function expectAllFields(box: Mailbox, bases: string[]): Promise<void> {
  const { fields } = box.inbox;
  await fields.ready();
  expect(fields.peek(bases[0]!, 'envelope')).toBe('(E0)');
  expect(fields.peek(bases[0]!, 'bodystructure')).toBe('("text" "plain")');
  expect(fields.peek(bases[0]!, 'body')).toBe('(B0)');
  expect(fields.peek(bases[1]!, 'envelope')).toBe('(E1 with\nnew line)');
  expect(fields.peek(bases[2]!, 'envelope')).toBe('(E2)');
  expect(fields.peek(bases[2]!, 'body')).toBeUndefined();
  expect(Object.fromEntries(await fields.all(bases[0]!))).toEqual({ envelope: '(E0)', bodystructure: '("text" "plain")', body: '(B0)' });
}

describe('the field cache offsets in the folder index', () => {
  it('let a restarted process find every field by its offset without going through the file', async () => {
    const { bases } = await cached();
    const index = await readFile(join(path, INDEX_FILE), 'utf8');
    const size = (await readFile(join(path, CACHE_FILE))).length;
    expect(index.split('\n')[1]).toMatch(new RegExp(` C ${size}$`));
    // Each message line has its offset, the sixth number.
    expect(index.split('\n').slice(2, 5).map((line) => Number(line.split(' ')[5]) >= 0)).toEqual([true, true, true]);

    const reads = countReads();
    const again = await reopen();
    await expectAllFields(again, bases);
    expect(reads).not.toHaveBeenCalled();

    // A field added after such a load is found, and by the next process too, by offsets again.
    again.inbox.fields.set(bases[1]!, 'body', '(B1)');
    expect(again.inbox.fields.peek(bases[1]!, 'body')).toBe('(B1)');
    await again.flush();
    const third = await reopen();
    await expectAllFields(third, bases);
    expect(third.inbox.fields.peek(bases[1]!, 'body')).toBe('(B1)');
    expect(reads).not.toHaveBeenCalled();

    // Once a message is expunged, the flush goes through the file to count the records gone stale.
    await third.inbox.expunge([third.inbox.list()[2]!.uid]);
    await third.flush();
    expect(reads).toHaveBeenCalled();
    expect(third.inbox.fields.peek(bases[0]!, 'body')).toBe('(B0)');
    expect(third.inbox.fields.peek(bases[1]!, 'body')).toBe('(B1)');
  });

  it('find fields added one after another after a load by offsets, and the old ones, without going through the file', async () => {
    const { bases } = await cached();
    const reads = countReads();
    const again = await reopen();
    const { fields } = again.inbox;
    await fields.ready();
    // As a restart's first FETCH BODYSTRUCTURE of a message with only its ENVELOPE cached stores them.
    expect(fields.set(bases[1]!, 'bodystructure', '(S1)')).toBe(true);
    expect(fields.set(bases[1]!, 'body', '(B1)')).toBe(true);
    expect(fields.peek(bases[1]!, 'envelope')).toBe('(E1 with\nnew line)');
    expect(fields.peek(bases[1]!, 'bodystructure')).toBe('(S1)');
    expect(fields.peek(bases[1]!, 'body')).toBe('(B1)');
    expect(fields.peek(bases[1]!, 'other')).toBeUndefined();
    expect(Object.fromEntries(await fields.all(bases[1]!))).toEqual({ envelope: '(E1 with\nnew line)', bodystructure: '(S1)', body: '(B1)' });
    await expectAllFields(again, bases);
    expect(reads).not.toHaveBeenCalled();
    // The index is written with the new offsets, and the next process finds all by them too.
    await again.flush();
    const third = await reopen();
    await third.inbox.fields.ready();
    expect(Object.fromEntries(await third.inbox.fields.all(bases[1]!))).toEqual({ envelope: '(E1 with\nnew line)', bodystructure: '(S1)', body: '(B1)' });
    await expectAllFields(third, bases);
    expect(reads).not.toHaveBeenCalled();
  });

  it('forget a record appended for a delivered message whose file was deleted before any sync, so the index vouches for the file again', async () => {
    const { box, bases } = await cached();
    await box.inbox.fields.ready();
    // As an SMTP delivery does: the file lands in new/, its ENVELOPE goes to the cache before any sync.
    const base = await box.inbox.deliver(Buffer.from('Subject: gone\r\n\r\nsoon deleted\r\n'));
    box.inbox.fields.set(base, 'envelope', '(GONE)');
    await box.flush();
    expect(await readFile(join(path, INDEX_FILE), 'utf8')).toMatch(/ C -1\n/);
    // Deleted by hand before the lab looked: the next sync never sees the message.
    await unlink(join(path, 'new', base));
    expect((await box.inbox.sync()).map((m) => m.base)).toEqual(bases);
    await box.flush();
    const size = (await readFile(join(path, CACHE_FILE))).length;
    expect((await readFile(join(path, INDEX_FILE), 'utf8')).split('\n')[1]).toMatch(new RegExp(` C ${size}$`));
    // And the next process finds every field by the offsets.
    const reads = countReads();
    const again = await reopen();
    await expectAllFields(again, bases);
    expect(reads).not.toHaveBeenCalled();
  });

  it('read the file in turn with the appends: a field set while a restart reads a file with a record cut short is neither cut off nor lost', async () => {
    const { bases } = await cached();
    // A crash left half a record at the end.
    await appendFile(join(path, CACHE_FILE), `${bases[2]} body 99999\n(half`, 'latin1');
    const again = await reopen();
    const { fields } = again.inbox;
    const loading = fields.ready();
    // Set, and its append started, while the file is being read.
    fields.set(bases[1]!, 'body', '(B1)');
    void fields.flush();
    await loading;
    expect(fields.peek(bases[1]!, 'body')).toBe('(B1)');
    await again.flush();
    const file = await readFile(join(path, CACHE_FILE), 'latin1');
    expect(file).not.toContain('(half');
    expect(file).toContain('(B1)');
    const reads = countReads();
    const third = await reopen();
    await expectAllFields(third, bases);
    expect(third.inbox.fields.peek(bases[1]!, 'body')).toBe('(B1)');
    expect(reads).not.toHaveBeenCalled();
  });

  it('keep a field set while a flush goes through the file after an expunge, and go through it only once', async () => {
    const { bases } = await cached();
    const again = await reopen();
    const { fields } = again.inbox;
    await fields.ready();
    await again.inbox.expunge([again.inbox.list()[2]!.uid]);
    const read = FieldRecords.prototype.read;
    let setting = true;
    const reads = vi.spyOn(FieldRecords.prototype, 'read').mockImplementation(function (this: FieldRecords, pos: number, to: number) {
      // A FETCH caching a field while the flush goes through the file.
      if (setting) fields.set(bases[1]!, 'body', '(B1)');
      setting = false;
      return read.call(this, pos, to);
    });
    await again.flush();
    expect(reads).toHaveBeenCalled();
    expect(fields.peek(bases[1]!, 'body')).toBe('(B1)');
    expect(fields.peek(bases[0]!, 'body')).toBe('(B0)');
    reads.mockClear();
    await again.flush();
    expect(reads).not.toHaveBeenCalled();
    // The index gives the file's size and its offsets: the next process finds the fields by them.
    const size = (await readFile(join(path, CACHE_FILE))).length;
    expect((await readFile(join(path, INDEX_FILE), 'utf8')).split('\n')[1]).toMatch(new RegExp(` C ${size}$`));
    const third = await reopen();
    await third.inbox.fields.ready();
    expect(third.inbox.fields.peek(bases[1]!, 'body')).toBe('(B1)');
    expect(Object.fromEntries(await third.inbox.fields.all(bases[0]!))).toEqual({ envelope: '(E0)', bodystructure: '("text" "plain")', body: '(B0)' });
    expect(reads).not.toHaveBeenCalled();
  });

  it('go through the whole file when it changed behind the index (same size), and are learned again', async () => {
    const { bases } = await cached();
    // The same records in another order: the size the index has, but the offsets off.
    const file = await readFile(join(path, CACHE_FILE), 'latin1');
    const records = file.split(/(?=^\d)/m);
    expect(records.length).toBe(5);
    await writeFile(join(path, CACHE_FILE), [...records].reverse().join(''), 'latin1');

    const reads = countReads();
    const again = await reopen();
    await again.inbox.fields.ready();
    // An offset that misses its record has the file gone through as a whole.
    for (const base of bases) again.inbox.fields.peek(base, 'envelope');
    await expectAllFields(again, bases);
    expect(reads).toHaveBeenCalled();
    // Its records no longer name the ones before them: rewritten linked, and the index learns the new offsets.
    await again.flush();
    reads.mockClear();
    const third = await reopen();
    await expectAllFields(third, bases);
    expect(reads).not.toHaveBeenCalled();
  });

  it('go through the whole file when records were appended after the index was written (a crash)', async () => {
    const { box, bases } = await cached();
    box.inbox.fields.set(bases[1]!, 'body', '(B1)');
    await box.inbox.fields.flush();
    // No folder flush: the process "dies" with the index still giving the size before the append.
    await box.inbox.retire();
    const reads = countReads();
    const again = await reopen();
    await expectAllFields(again, bases);
    expect(again.inbox.fields.peek(bases[1]!, 'body')).toBe('(B1)');
    expect(reads).toHaveBeenCalled();
    // The file's records are linked: the index learns the offsets and the next restart uses them.
    await again.flush();
    reads.mockClear();
    const third = await reopen();
    await expectAllFields(third, bases);
    expect(third.inbox.fields.peek(bases[1]!, 'body')).toBe('(B1)');
    expect(reads).not.toHaveBeenCalled();
  });

  it('read a version 1 index and its cache (records naming no previous one), then rewrite the cache linked', async () => {
    const { bases } = await cached();
    const index = await readFile(join(path, INDEX_FILE), 'utf8');
    const v1 = index
      .replace('maillab-index 2', 'maillab-index 1')
      .replace(/ C -?\d+\n/, '\n')
      .replace(/^(\d+ \d+ \d+ \d+ \d+) -?\d+ /gm, '$1 ');
    await writeFile(join(path, INDEX_FILE), v1);
    const file = await readFile(join(path, CACHE_FILE), 'latin1');
    await writeFile(join(path, CACHE_FILE), file.replace(/^(\S+ \S+ \d+) \d+\n/gm, '$1\n'), 'latin1');

    const reads = countReads();
    const again = await reopen();
    expect(again.inbox.list().map((m) => m.base)).toEqual(bases);
    await expectAllFields(again, bases);
    expect(reads).toHaveBeenCalled();
    // Message 0's three records name no previous one: the file is rewritten linked at the flush.
    await again.flush();
    expect(await readFile(join(path, INDEX_FILE), 'utf8')).toMatch(/^maillab-index 2\n/);
    reads.mockClear();
    const third = await reopen();
    await expectAllFields(third, bases);
    expect(reads).not.toHaveBeenCalled();
  });

  it('make no index write due for a record appended to a cache not read yet (a delivery), and lose nothing', async () => {
    const { bases } = await cached();
    const again = await reopen();
    // (Its directories were looked at so soon after the change that it wrote the index again.)
    await again.flush();
    expect(again.inbox.state.snapshotDue).toBe(false);
    again.inbox.fields.set(bases[1]!, 'body', '(B1)');
    await again.inbox.fields.flush();
    expect(again.inbox.state.snapshotDue).toBe(false);
    // The file no longer has the size the index gives: gone through as a whole, the record found.
    const reads = countReads();
    await expectAllFields(again, bases);
    expect(again.inbox.fields.peek(bases[1]!, 'body')).toBe('(B1)');
    expect(reads).toHaveBeenCalled();
  });
});
