/**
 * FieldCache.setMany(): a chunk of a first FETCH ENVELOPE kept in one call (maildir/fieldCache.ts).
 * It must leave the same file, the same offsets in the index and the same values in memory as
 * set() called for each value, so a restarted process finds every field by its offset.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CACHE_FILE } from '../../lab-server/src/maildir/fieldCache.js';
import { FieldRecords } from '../../lab-server/src/maildir/fieldRecords.js';
import { Mailbox } from '../../lab-server/src/maildir/mailbox.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'maillab-setmany-'));
});
afterEach(async () => {
  vi.restoreAllMocks();
  await rm(dir, { recursive: true, force: true, maxRetries: 5 });
});

const VALUES = ['(E0)', null, '(E2 with\nnew line)', '(E3 caf\xe9)', '(E4)'];

/** A mailbox of five messages, the cache loaded, message 4's envelope cached before the chunk. */
async function fiveMessages(name: string): Promise<{ box: Mailbox; bases: string[] }> {
  const box = new Mailbox('alice@example.com', join(dir, name));
  await box.create();
  for (let n = 0; n < 5; n++) await box.inbox.deliver(Buffer.from(`Subject: ${n}\r\n\r\nbody ${n}\r\n`));
  const bases = (await box.inbox.sync()).map((m) => m.base);
  await box.inbox.fields.ready();
  box.inbox.fields.set(bases[4]!, 'envelope', '(cached before)');
  return { box, bases };
}

describe('setMany() of the field cache', () => {
  it('keeps what set() for each value keeps: the same records, offsets and values', async () => {
    const one = await fiveMessages('one');
    VALUES.forEach((value, i) => value !== null && one.box.inbox.fields.set(one.bases[i]!, 'envelope', value));
    const many = await fiveMessages('many');
    expect(many.box.inbox.fields.setMany('envelope', many.bases, VALUES)).toBe(true);
    for (const { box, bases } of [one, many]) {
      expect(bases.map((base) => box.inbox.fields.peek(base, 'envelope'))).toEqual(['(E0)', undefined, '(E2 with\nnew line)', '(E3 caf\xe9)', '(cached before)']);
      await box.flush();
    }
    // Base names differ between the two mailboxes: compared with each message's own name replaced.
    const file = async ({ box, bases }: { box: Mailbox; bases: string[] }): Promise<string> =>
      bases.reduce((text, base, i) => text.split(base).join(`m${i}`), await readFile(join(box.inbox.dir, CACHE_FILE), 'latin1'));
    expect(await file(many)).toBe(await file(one));
    // Each message's offset is where its newest record starts (base names differ in length: not compared as numbers).
    const text = await readFile(join(many.box.inbox.dir, CACHE_FILE), 'latin1');
    const newest = (base: string): number => (text.startsWith(`${base} `) && text.lastIndexOf(`\n${base} `) === -1 ? 0 : text.lastIndexOf(`\n${base} `) + 1 || -1);
    expect(many.box.inbox.list().map((m) => m.cacheAt)).toEqual(many.bases.map(newest));

    // A restarted process finds them by their offsets, without going through the file.
    const reads = vi.spyOn(FieldRecords.prototype, 'read');
    const again = new Mailbox('alice@example.com', join(dir, 'many'));
    await again.inbox.sync();
    await again.inbox.fields.ready();
    expect(many.bases.map((base) => again.inbox.fields.peek(base, 'envelope'))).toEqual(['(E0)', undefined, '(E2 with\nnew line)', '(E3 caf\xe9)', '(cached before)']);
    expect(reads).not.toHaveBeenCalled();
  });

  it('leaves to set() what it cannot keep: a cache not loaded, a base name the file cannot hold', async () => {
    const box = new Mailbox('alice@example.com', join(dir, 'box'));
    await box.create();
    // Not loaded yet: nothing kept, set() for each is the caller's way.
    expect(box.inbox.fields.setMany('envelope', ['a', 'b'], ['(A)', '(B)'])).toBe(false);
    await box.inbox.fields.ready();
    expect(box.inbox.fields.peek('a', 'envelope')).toBeUndefined();
    // A name with a blank among them: nothing kept, set() for each keeps the others.
    expect(box.inbox.fields.setMany('envelope', ['c', 'd e', 'f'], ['(C)', '(D)', '(F)'])).toBe(false);
    expect(['c', 'd e', 'f'].map((base) => box.inbox.fields.peek(base, 'envelope'))).toEqual([undefined, undefined, undefined]);
    expect(box.inbox.fields.setMany('envelope', ['c', 'f'], ['(C)', '(F)'])).toBe(true);
    await box.inbox.fields.flush();
    expect(await readFile(join(box.inbox.dir, CACHE_FILE), 'latin1')).toBe('c envelope 3\n(C)\nf envelope 3\n(F)\n');
  });
});
