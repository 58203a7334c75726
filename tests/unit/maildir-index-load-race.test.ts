/**
 * A folder index loaded while another object writes it, on real files. Writing the index file
 * replaces it and then empties the log: a load that read the old index file and then the emptied
 * log lost every change in between (modseqs went back, flag changes vanished). The writer and
 * the loaders run at once, as two objects for one folder path would (a retired folder's write
 * still under way when a new object for that name loads).
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { IndexFiles } from '../../lab-server/src/maildir/indexFiles.js';
import { UidValidityCounter } from '../../lab-server/src/maildir/uidValidity.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'maillab-index-race-'));
  await Promise.all(['cur', 'new', 'tmp'].map((d) => mkdir(join(dir, d))));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true, maxRetries: 5 });
});

it('never loads an index older than the changes committed before the load began, while the index file is rewritten and the log emptied meanwhile', async () => {
  const counter = new UidValidityCounter(dir);
  const writer = new IndexFiles(dir, counter);
  const { index } = await writer.load();
  await writer.write(index);
  // Highest modseq whose log line (or index file) is on disk.
  let committed = index.highestModseq;
  let writing = true;
  const writes = (async () => {
    for (let i = 1; i <= 200; i++) {
      const modseq = index.nextModseq();
      await writer.commit(index, [{ kind: 'm', modseq, uid: 1, flags: '\\Seen' }]);
      committed = modseq;
      // Every other change the index file is written again and the log emptied.
      if (i % 2 === 0) await writer.write(index);
    }
    writing = false;
  })();
  const behind: string[] = [];
  let loads = 0;
  const loaders = Array.from({ length: 3 }, async () => {
    while (writing) {
      const before = committed;
      const loaded = await new IndexFiles(dir, counter).load();
      loads++;
      if (loaded.index.highestModseq < before) behind.push(`loaded modseq ${loaded.index.highestModseq} after ${before} was committed`);
    }
  });
  await Promise.all([writes, ...loaders]);
  // The loads overlapped the writes many times over (so the race had its chances).
  expect(loads).toBeGreaterThan(100);
  expect(behind.slice(0, 5)).toEqual([]);
}, 60_000);
