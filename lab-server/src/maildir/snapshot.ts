/**
 * A read-only picture of a sandbox's Maildirs for the live Maildir view: every user, every
 * folder, and the real file names in new/, cur/ and tmp/. It reads through the same store
 * objects the servers use (folderNames, sync), so it shows exactly what POP3 and IMAP see.
 */
import { readdir, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';
import type { Sandbox } from '../world/sandbox.js';
import type { Mailbox } from './mailbox.js';
import { mailboxOf } from './sandboxMaildirs.js';

export interface MaildirFileView {
  /** The file name on disk, e.g. "1788341400.M528P21164Q5.host,S=1060,W=1089:2,S". */
  name: string;
  /** UID the store gave the message (absent for files in tmp/). */
  uid?: number;
  /** Maildir flag letters from the ":2," suffix, sorted. */
  flags: string;
  size: number;
}

export interface MaildirFolderView {
  /** IMAP name: INBOX, Sent, Drafts, Trash, … */
  name: string;
  /** Directory inside the user's Maildir: "" for INBOX, ".Sent" for Sent. */
  dir: string;
  /** IMAP keywords by their letter in the file names (dovecot-keywords): { a: '$Junk' }. */
  keywords: Record<string, string>;
  new: MaildirFileView[];
  cur: MaildirFileView[];
  tmp: MaildirFileView[];
}

export interface MailboxView {
  address: string;
  /** Where the Maildir is inside the sandbox ("vhosts/example.com/bob"): never a server path. */
  path: string;
  folders: MaildirFolderView[];
}

export interface SandboxMaildirView {
  sandbox: string;
  users: MailboxView[];
}

/** The files in a tmp/ directory (being written, or left by a writer that died), by name. */
export async function listTmp(dir: string): Promise<MaildirFileView[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const files = await Promise.all(
    names
      .filter((n) => !n.startsWith('.'))
      .sort()
      .map(async (name) => {
        try {
          return { name, flags: '', size: (await stat(join(dir, name))).size };
        } catch {
          return undefined; // renamed into new/ while we looked
        }
      }),
  );
  return files.filter((f): f is MaildirFileView => f !== undefined);
}

export async function mailboxView(mailbox: Mailbox, sandboxDir: string): Promise<MailboxView> {
  const folders: MaildirFolderView[] = [];
  for (const name of await mailbox.folderNames()) {
    const folder = mailbox.folder(name);
    const messages = await folder.sync();
    const keywords = Object.fromEntries(folder.keywords.all().map((k) => [folder.keywords.letterOf(k)!, k]));
    const view: MaildirFolderView = { name, dir: name === 'INBOX' ? '' : `.${name}`, keywords, new: [], cur: [], tmp: await listTmp(join(folder.dir, 'tmp')) };
    for (const m of messages) view[m.dir].push({ name: m.fileName, uid: m.uid, flags: m.flags, size: m.size });
    folders.push(view);
  }
  return { address: mailbox.address, path: relative(sandboxDir, mailbox.dir), folders };
}

export async function sandboxMaildirView(sandbox: Sandbox): Promise<SandboxMaildirView> {
  const users = await Promise.all(sandbox.definition.users.map((user) => mailboxView(mailboxOf(sandbox, user), sandbox.dir)));
  return { sandbox: sandbox.id, users };
}
