/**
 * The Maildirs of each sandbox's users, under <sandbox>/vhosts/<domain>/<local>/: one Mailbox
 * per user for as long as the sandbox object lives, so every folder index has one writer. A
 * reset drops them (the files under them were replaced); shutdown writes their index files.
 * The sandboxes API (world/sandboxes.ts) seeds and resets mail through `sandboxMail`, passed
 * in by whoever opens sandboxes, so the world layer never imports the Maildir store.
 */
import { join } from 'node:path';
import { splitAddress, type WorldUser } from '../world/definition.js';
import type { Sandbox } from '../world/sandbox.js';
import type { SandboxMail } from '../world/sandboxes.js';
import { seedMessages } from '../world/seedMail.js';
import { adoptInboxSpellings } from './inboxSpellings.js';
import type { MaildirFolder } from './folder.js';
import { Mailbox, SUBSCRIPTIONS_FILE, URLAUTH_KEYS_FILE } from './mailbox.js';

const opened = new WeakMap<Sandbox, Map<string, Mailbox>>();

/** The Maildir of a user of this sandbox. */
export function mailboxOf(sandbox: Sandbox, user: WorldUser): Mailbox {
  let mailboxes = opened.get(sandbox);
  if (!mailboxes) opened.set(sandbox, (mailboxes = new Map()));
  let mailbox = mailboxes.get(user.address);
  if (!mailbox) {
    const parts = splitAddress(user.address)!;
    mailbox = new Mailbox(user.address, join(sandbox.vhostsDir, parts.domain, parts.local), sandbox.dir);
    mailboxes.set(user.address, mailbox);
  }
  return mailbox;
}

/** Drops a sandbox's cached folder state after its files were replaced (reset). */
export function forgetMailboxes(sandbox: Sandbox): void {
  for (const mailbox of opened.get(sandbox)?.values() ?? []) mailbox.retire();
  opened.delete(sandbox);
}

/** Writes every open folder's index file of a sandbox (at shutdown). */
export async function flushMailboxes(sandbox: Sandbox): Promise<void> {
  await Promise.all([...(opened.get(sandbox)?.values() ?? [])].map((m) => m.flush()));
}

/** Brings each user's Maildir of a sandbox opened from disk up to date, once at a time per sandbox. */
const adopting = new Map<string, Promise<void>>();
function openMailboxes(sandbox: Sandbox): Promise<void> {
  const under = adopting.get(sandbox.dir);
  if (under) return under;
  const run = (async () => {
    for (const user of sandbox.definition.users) {
      const parts = splitAddress(user.address)!;
      await adoptInboxSpellings(join(sandbox.vhostsDir, parts.domain, parts.local), SUBSCRIPTIONS_FILE, URLAUTH_KEYS_FILE);
    }
  })().finally(() => adopting.delete(sandbox.dir));
  adopting.set(sandbox.dir, run);
  return run;
}

/**
 * Makes each user's Maildir and delivers the seed messages to its INBOX, once: a creation cut
 * short (the lab stopped while seeding) left some in place, and the next create() seeds into it.
 */
async function seedMailboxes(sandbox: Sandbox): Promise<void> {
  for (const user of sandbox.definition.users) {
    const mailbox = mailboxOf(sandbox, user);
    // A new sandbox's and a reset's INBOX are not there yet: nothing to read.
    const there = (await mailbox.inbox.exists()) ? await messageIdsIn(mailbox.inbox) : new Set<string>();
    await mailbox.create();
    for (const message of seedMessages(user, sandbox.hostName)) {
      if (there.has(messageIdOf(message.raw) ?? '')) continue;
      await mailbox.inbox.deliver(message.raw, { internalDate: message.internalDate });
    }
  }
}

/** The Message-ID in a message's header, if it has one. */
function messageIdOf(start: Buffer): string | undefined {
  const end = start.indexOf('\n\n');
  return /^Message-ID:[ \t]*(<[^>\r\n]*>)/im.exec(start.subarray(0, end < 0 ? start.length : end).toString('latin1'))?.[1];
}

/** The Message-IDs of what a folder holds (the few messages of a sandbox cut short). */
async function messageIdsIn(folder: MaildirFolder): Promise<Set<string>> {
  const ids = new Set<string>();
  for (const m of await folder.sync()) {
    const id = await folder.readStart(m.uid, 16 * 1024, messageIdOf);
    if (id) ids.add(id);
  }
  return ids;
}

/** What the sandboxes API asks of the Maildir store. */
export const sandboxMail: SandboxMail = { open: openMailboxes, seed: seedMailboxes, forget: forgetMailboxes };
