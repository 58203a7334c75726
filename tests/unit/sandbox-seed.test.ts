/**
 * A sandbox just created, on real files: the object that seeded its mail is the one kept open,
 * so no second object holds its folders' index as it was before the seed mail was noticed and
 * writes that over the live index when its idle flush comes a second later (which lost a
 * session's \Recent claim and modseqs: imap-keywords.test.ts failed about 1 run in 6).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { Mailbox } from '../../lab-server/src/maildir/mailbox.js';
import { flushMailboxes, forgetMailboxes, mailboxOf, sandboxMail } from '../../lab-server/src/maildir/sandboxMaildirs.js';
import { Sandboxes } from '../../lab-server/src/world/sandboxes.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'maillab-seed-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

it("keeps a new sandbox's INBOX index as its first session left it, past the seeding's idle flush", async () => {
  const sandboxes = new Sandboxes(join(dir, 'data'), sandboxMail);
  const sandbox = await sandboxes.create('learner-1');
  expect(await sandboxes.get('learner-1')).toBe(sandbox);
  const user = sandbox.definition.users.find((u) => u.address === 'alice@example.com')!;
  const mailbox = mailboxOf(sandbox, user);
  const claimed = await mailbox.inbox.claimRecent();
  expect(claimed.to - claimed.from).toBe(mailbox.inbox.list().length);
  expect(mailbox.inbox.list().length).toBeGreaterThan(0);
  await mailbox.inbox.storeFlags([{ uid: mailbox.inbox.list()[0]!.uid, flags: 'F' }]);
  const highest = mailbox.inbox.highestModseq;
  await flushMailboxes(sandbox);
  // Past every idle flush (1 s) the seeding's folder work scheduled.
  await sleep(1500);
  const restarted = new Mailbox(user.address, mailbox.dir);
  await restarted.inbox.sync();
  expect(restarted.inbox.firstRecentUid).toBe(claimed.to);
  expect(restarted.inbox.highestModseq).toBe(highest);
  expect(restarted.inbox.list().map((m) => [m.uid, m.flags])).toEqual(mailbox.inbox.list().map((m) => [m.uid, m.flags]));
  restarted.retire();
  forgetMailboxes(sandbox);
});
