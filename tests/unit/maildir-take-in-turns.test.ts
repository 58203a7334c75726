/**
 * A hundred thousand files dropped into new/ are taken in a turn of the event loop at a time:
 * the index adds them in slices and the log and uid-list lines are made in slices, so another
 * learner's command is served in between (one add() and one join of 100,000 held the loop for
 * 80 ms). Shown here by an immediate queued first, which must run before the work is done.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it, vi } from 'vitest';
import { FolderIndex } from '../../lab-server/src/maildir/folderIndex.js';
import { Mailbox } from '../../lab-server/src/maildir/mailbox.js';
import { StoredMessage } from '../../lab-server/src/maildir/message.js';
import { joinInSlices } from '../../lab-server/src/maildir/slices.js';

const MANY = 100_000;

/** Whether a callback queued with setImmediate before `work` ran before `work` finished. */
async function servedMeanwhile(work: () => Promise<unknown>): Promise<boolean> {
  let served = false;
  setImmediate(() => (served = true));
  await work();
  return served;
}

it('adds 100,000 messages to a folder index in turns, all of them, in UID order', async () => {
  const index = new FolderIndex();
  const messages = Array.from({ length: MANY }, (_, i) => new StoredMessage(i + 1, `${1_800_000_000 + i}.M${i}P1.host`, '', 'new', `${1_800_000_000 + i}.M${i}P1.host`, 40, 42, 1, 0, '/nowhere'));
  expect(await servedMeanwhile(() => index.addInSlices(messages))).toBe(true);
  expect(index.messages).toHaveLength(MANY);
  expect(index.messages.every((m, i) => m.uid === i + 1)).toBe(true);
  expect(index.byBaseName(messages[MANY - 1]!.base)).toBe(messages[MANY - 1]);
  expect(index.nextUid).toBe(MANY + 1);
});

it('makes the lines of a 100,000-line change in turns, in order', async () => {
  const uids = Array.from({ length: MANY }, (_, i) => i + 1);
  // A few milliseconds of work per thousand lines: more than one slice (8 ms) in all.
  const line = (uid: number): string => {
    if (uid % 1000 === 0) for (const start = performance.now(); performance.now() - start < 1; );
    return `m 1 ${uid} -\n`;
  };
  let text = '';
  expect(await servedMeanwhile(async () => (text = await joinInSlices(uids, line)))).toBe(true);
  expect(text.split('\n')).toHaveLength(MANY + 1);
  expect(text.startsWith('m 1 1 -\nm 1 2 -\n')).toBe(true);
  expect(text.endsWith(`m 1 ${MANY} -\n`)).toBe(true);
});

it('takes 10,000 hand-dropped files into a real folder a slice at a time', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'maillab-take-in-'));
  // Watched, not replaced: each call to the index's add() goes through as it is.
  const add = vi.spyOn(FolderIndex.prototype, 'add');
  try {
    const box = new Mailbox('a@example.com', join(dir, 'a'));
    await box.create();
    const names = Array.from({ length: 10_000 }, (_, i) => `${1_800_000_000 + i}.M${i}P1.host`);
    for (let i = 0; i < names.length; i += 500) {
      await Promise.all(names.slice(i, i + 500).map((name) => writeFile(join(dir, 'a', 'new', name), 'Subject: dropped\n\nbody\n')));
    }
    expect(await servedMeanwhile(() => box.inbox.sync())).toBe(true);
    expect(box.inbox.list()).toHaveLength(10_000);
    // 10,000 in one add() was one long turn; a slice is a few thousand.
    expect(Math.max(...add.mock.calls.map(([messages]) => messages.length))).toBeLessThanOrEqual(4096);
  } finally {
    add.mockRestore();
    // The folder writes its index file a moment after a big change: removal retries past it.
    await rm(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
  }
});
