/**
 * The folder's field cache file (maildir/fieldCache.ts): what a fresh process reads back (every
 * field of every message, whatever order the records were appended in), what it does with a
 * damaged record (also in a file read a slice at a time), and compaction once most of it is
 * about messages long gone.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CACHE_FILE, FieldCache, type CacheOwner } from '../../lab-server/src/maildir/fieldCache.js';
import { FolderIndex } from '../../lab-server/src/maildir/folderIndex.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'maillab-fieldcache-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A cache on its own, with an index of no messages (keeping no offsets). */
const detached = (): CacheOwner => ({ index: new FolderIndex(), cacheChanged: () => undefined });

describe('the field cache file', () => {
  it('gives a fresh process every field of every message, records interleaved', async () => {
    const first = new FieldCache(dir, detached());
    // Set before any load: straight to the file, in this order.
    first.set('m1', 'envelope', Buffer.from('(E1)'));
    first.set('m2', 'envelope', Buffer.from('(E2)'));
    first.set('m1', 'bodystructure', Buffer.from('("text" "plain")'));
    first.set('m1', 'body', Buffer.from('(B\n1)'));
    first.set('dépôt.m3', 'envelope', Buffer.from([0xe9, 0x0a, 0x20]));
    first.set('m4', 'empty', Buffer.alloc(0));
    await first.flush();

    const again = new FieldCache(dir, detached());
    expect(await again.get('m1', 'envelope')).toBe('(E1)');
    expect(again.peek('m1', 'bodystructure')).toBe('("text" "plain")');
    expect(again.peek('m1', 'body')).toBe('(B\n1)');
    expect(again.peek('m2', 'envelope')).toBe('(E2)');
    expect([...Buffer.from(again.peek('dépôt.m3', 'envelope')!, 'latin1')]).toEqual([0xe9, 0x0a, 0x20]);
    expect(again.peek('m4', 'empty')?.length).toBe(0);
    expect(again.peek('m2', 'body')).toBeUndefined();
    expect(again.peek('m9', 'envelope')).toBeUndefined();
    expect(again.peek('m1', 'nosuchfield')).toBeUndefined();
    expect(Object.fromEntries(await again.all('m1'))).toEqual({ envelope: '(E1)', bodystructure: '("text" "plain")', body: '(B\n1)' });

    // Set after the load: found at once, and written once only.
    again.set('m2', 'body', Buffer.from('(B2)'));
    again.set('m2', 'body', Buffer.from('(other)'));
    again.set('m1', 'envelope', Buffer.from('(ignored: already cached)'));
    expect(again.peek('m2', 'body')).toBe('(B2)');
    expect(again.peek('m1', 'envelope')).toBe('(E1)');
    await again.flush();
    const file = await readFile(join(dir, CACHE_FILE), 'latin1');
    expect(file.match(/^m2 body /gm)).toHaveLength(1);
    expect(file).not.toContain('ignored');
    expect(await new FieldCache(dir, detached()).get('m2', 'body')).toBe('(B2)');
  });

  it('stops at a damaged record and cuts it off, keeping the records before it', async () => {
    const good = 'm1 envelope 4\n(E1)\nm2 envelope 4\n(E2)\n';
    for (const damage of ['m3 envelope x4\n(E3)\n', 'm3 envelope 9\n(E3)\n', 'm3envelope 4\n(E3)\n', ' envelope 4\n(E3)\n', 'm3 envelope 4']) {
      await writeFile(join(dir, CACHE_FILE), good + damage + 'm4 envelope 4\n(E4)\n', 'latin1');
      const cache = new FieldCache(dir, detached());
      expect(await cache.get('m2', 'envelope')).toBe('(E2)');
      expect(cache.peek('m3', 'envelope')).toBeUndefined();
      expect(cache.peek('m4', 'envelope')).toBeUndefined();
      expect(await readFile(join(dir, CACHE_FILE), 'latin1')).toBe(good);
    }
  });

  it('reads a file bigger than one slice (read a slice per turn) up to a record cut short in a later slice', async () => {
    const value = (i: number): string => `(E${i} ${'\xe9'.repeat(300)})`;
    const records = Array.from({ length: 14_000 }, (_, i) => `m${i} envelope ${value(i).length}\n${value(i)}\n`).join('');
    expect(records.length).toBeGreaterThan(2 * 2 * 1024 * 1024);
    await writeFile(join(dir, CACHE_FILE), records + 'm14000 envelope 999\n(cut', 'latin1');
    const cache = new FieldCache(dir, detached());
    expect(await cache.get('m0', 'envelope')).toBe(value(0));
    expect(cache.peek('m13999', 'envelope')).toBe(value(13_999));
    expect(cache.peek('m14000', 'envelope')).toBeUndefined();
    expect(await readFile(join(dir, CACHE_FILE), 'latin1')).toBe(records);
    // Set after the load (a byte string with octets above 127, a base name in UTF-8): found at once and by the next process.
    cache.set('dépôt', 'body', '(\xff\x80)');
    expect(cache.peek('dépôt', 'body')).toBe('(\xff\x80)');
    await cache.flush();
    expect(await new FieldCache(dir, detached()).get('dépôt', 'body')).toBe('(\xff\x80)');
  });

  it('starts reading on prefetch() without being waited for; a missing folder is an empty cache', async () => {
    await writeFile(join(dir, CACHE_FILE), 'm1 envelope 4\n(E1)\n', 'latin1');
    const cache = new FieldCache(dir, detached());
    cache.prefetch();
    expect(cache.peek('m1', 'envelope')).toBeUndefined();
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(cache.peek('m1', 'envelope')).toBe('(E1)');
    const nowhere = new FieldCache(join(dir, 'no-such-folder'), detached());
    nowhere.prefetch();
    expect(await nowhere.get('m1', 'envelope')).toBeUndefined();
  });

  it('rewrites the file with only live messages once most are gone, and still finds them', async () => {
    const cache = new FieldCache(dir, detached());
    for (let i = 0; i < 300; i++) cache.set(`m${i}`, 'envelope', Buffer.from(`(E${i})`));
    await cache.flush();
    await cache.ready();
    cache.set('m7', 'body', Buffer.from('(B7)'));
    const live = new Set(['m7', 'm250', 'm299']);
    await cache.compact(live);
    const file = await readFile(join(dir, CACHE_FILE), 'latin1');
    expect(file.match(/^m\d+ /gm)!.sort()).toEqual(['m250 ', 'm299 ', 'm7 ', 'm7 ']);
    for (const reader of [cache, new FieldCache(dir, detached())]) {
      expect(await reader.get('m7', 'envelope')).toBe('(E7)');
      expect(reader.peek('m7', 'body')).toBe('(B7)');
      expect(reader.peek('m299', 'envelope')).toBe('(E299)');
      expect(reader.peek('m8', 'envelope')).toBeUndefined();
    }
  });

  it('leaves the file alone while fewer than half of its messages are gone', async () => {
    const cache = new FieldCache(dir, detached());
    for (let i = 0; i < 300; i++) cache.set(`m${i}`, 'envelope', Buffer.from(`(E${i})`));
    await cache.flush();
    await cache.ready();
    const before = await readFile(join(dir, CACHE_FILE));
    await cache.compact(new Set(Array.from({ length: 200 }, (_, i) => `m${i}`)));
    expect((await readFile(join(dir, CACHE_FILE))).equals(before)).toBe(true);
  });
});
