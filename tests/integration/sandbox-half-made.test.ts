/**
 * A sandbox whose creation was cut short (the lab stopped while seeding: world.json, written
 * last, is missing) is seeded into at the next create(): the default world at the next start,
 * a learner's when their instructor resets a sandbox that is gone. The seed messages were
 * delivered again beside those already there: six or more in each INBOX instead of three.
 */
import { readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { mailboxOf } from '../../lab-server/src/maildir/sandboxMaildirs.js';
import type { Sandbox } from '../../lab-server/src/world/sandbox.js';
import { startTestLab, type TestLab } from '../helpers/lab.js';

let lab: TestLab;
beforeAll(async () => {
  lab = await startTestLab();
});
afterAll(async () => {
  await lab?.dispose();
});

/** Each user's INBOX: the Message-IDs of its messages, in order. */
async function inboxes(sandbox: Sandbox): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  for (const user of sandbox.definition.users) {
    const inbox = mailboxOf(sandbox, user).inbox;
    const ids: string[] = [];
    for (const m of await inbox.sync()) ids.push(/^Message-ID: (.*)$/m.exec((await inbox.read(m.uid))!.toString())?.[1] ?? '(none)');
    out[user.address] = ids.sort();
  }
  return out;
}

it('seeds a sandbox cut short once: each seed message once, the mail there before kept', async () => {
  const made = await lab.sandboxes.create('learner-half');
  const seeded = await inboxes(made);
  expect(Object.values(seeded).map((ids) => ids.length)).toEqual([3, 3, 3]);
  // Cut short: bob got one of his three, and world.json was never written.
  const bobNew = join(made.vhostsDir, 'example.com', 'bob', 'new');
  const bobFiles = (await readdir(bobNew)).sort();
  for (const f of bobFiles.slice(1)) await rm(join(bobNew, f));
  await rm(join(made.dir, 'world.json'));
  // And a message of someone's own there (a directory an admin prepared): kept, not taken for a seed.
  await writeFile(join(made.vhostsDir, 'example.com', 'alice', 'new', '1700000000.M1P1.admin'), 'Message-ID: <own@example.com>\nSubject: mine\n\nkept\n');
  lab = await lab.restart();
  expect(await lab.sandboxes.withoutWorld()).toEqual(['learner-half']);
  // The instructor resets the learner's sandbox that is gone: it is made again where it was.
  const again = await lab.sandboxes.create('learner-half');
  expect(await inboxes(again)).toEqual({ ...seeded, 'alice@example.com': [...seeded['alice@example.com']!, '<own@example.com>'].sort() });
});

it('starts the default world once after a first start cut short', async () => {
  const before = await inboxes(await lab.sandboxes.get('default'));
  await rm(join(lab.sandboxes.root, 'default', 'world.json'));
  lab = await lab.restart();
  expect(await inboxes(await lab.sandboxes.get('default'))).toEqual(before);
});
