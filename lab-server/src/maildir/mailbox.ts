/**
 * One user's Maildir++ tree: INBOX is the Maildir itself, every other folder is a
 * sub-Maildir named "." + name, with "." separating levels (".Archive.2024").
 */
import { existsSync } from 'node:fs';
import { readdir, readFile, rm, stat, rename as renameDir } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../files/atomicWrite.js';
import { MaildirFolder, type FolderContext } from './folder.js';
import { copyMessages, moveMessages, type TransferResult } from './transfer.js';
import { SerialQueue } from '../workers/serialQueue.js';
import { UidValidityCounter } from './uidValidity.js';
import { canonicalInbox } from './inboxSpellings.js';

export { canonicalInbox };

/** The folders every mailbox starts with, and the IMAP special-use attribute of each. */
export const STANDARD_FOLDERS = [
  { name: 'Sent', specialUse: '\\Sent' },
  { name: 'Drafts', specialUse: '\\Drafts' },
  { name: 'Trash', specialUse: '\\Trash' },
] as const;

export const HIERARCHY_SEPARATOR = '.';

/** Where IMAP subscriptions are kept in the user's Maildir, one folder name a line (as Dovecot does). */
export const SUBSCRIPTIONS_FILE = 'subscriptions';
/** Where a user's URLAUTH keys are kept (imap/urlauth.ts): here, so a rename of folders can carry them along. */
export const URLAUTH_KEYS_FILE = 'maillab-urlauth-keys';

/**
 * The most folders a user may have, INBOX and the standard ones included, as Dovecot's
 * quota_mailbox_count caps them: each costs disk (three directories, an index) and memory.
 */
export const MAX_FOLDERS = 1000;

/** Folder objects for names not on disk kept before the unused ones are let go. */
const ABSENT_KEPT = 64;

export class InvalidFolderName extends Error {
  constructor(
    readonly folderName: string,
    reason: string,
  ) {
    super(`Invalid folder name ${JSON.stringify(folderName)}: ${reason}`);
  }
}

/**
 * Checks a folder name before it becomes a path. Rejecting "/" and empty levels is what keeps
 * names like "../../etc" or "a/../../b" from ever leaving the user's Maildir.
 */
export function checkFolderName(name: string): void {
  if (name.length === 0) throw new InvalidFolderName(name, 'the name is empty');
  if (Buffer.byteLength(name) > 200) throw new InvalidFolderName(name, 'the name is longer than 200 bytes');
  if (/[\x00-\x1f\x7f]/.test(name)) throw new InvalidFolderName(name, 'control characters are not allowed');
  if (name.includes('/')) throw new InvalidFolderName(name, `"/" is not allowed; levels are separated by "${HIERARCHY_SEPARATOR}"`);
  if (name.startsWith('~')) throw new InvalidFolderName(name, 'a name may not start with "~"');
  if (name.split(HIERARCHY_SEPARATOR).some((level) => level === '')) {
    throw new InvalidFolderName(name, `empty level (a name may not start or end with "${HIERARCHY_SEPARATOR}" or contain "${HIERARCHY_SEPARATOR}${HIERARCHY_SEPARATOR}")`);
  }
}

/** True for the name of the inbox, which IMAP treats case-insensitively. */
export function isInbox(name: string): boolean {
  return name.toUpperCase() === 'INBOX';
}

export class Mailbox {
  private folders = new Map<string, MaildirFolder>();
  /** Past this many folder objects, those of names that are not on disk and unused are let go. */
  private sweepAt = ABSENT_KEPT;
  private readonly subscriptionQueue = new SerialQueue();
  private readonly transferQueue = new SerialQueue();
  private readonly context: FolderContext;

  constructor(
    /** Full address, e.g. alice@example.com. */
    readonly address: string,
    readonly dir: string,
    /** Where its folders' directories may be made (its sandbox's directory; see FolderContext.top). */
    top?: string,
  ) {
    this.context = { uidValidity: new UidValidityCounter(dir), ...(top ? { top } : {}) };
  }

  get inbox(): MaildirFolder {
    return this.folder('INBOX');
  }

  /** The folder object for a name (it may not exist on disk yet). Throws InvalidFolderName. */
  folder(name: string): MaildirFolder {
    const key = canonicalInbox(name);
    let folder = this.folders.get(key);
    if (!folder) {
      if (key !== 'INBOX') checkFolderName(key);
      folder = new MaildirFolder(key, key === 'INBOX' ? this.dir : join(this.dir, `.${key}`), this.context);
      this.folders.set(key, folder);
      if (this.folders.size > this.sweepAt) this.letGoOfAbsent();
    }
    return folder;
  }

  /**
   * Forgets the objects of names with no folder on disk that nobody looked into or is creating:
   * a client asking about a new made-up name each time (STATUS, SELECT) would otherwise leave an
   * object for every one. A folder on disk keeps its one object, so two never index it at once.
   */
  private letGoOfAbsent(): void {
    for (const [key, folder] of this.folders) {
      const { state } = folder;
      if (key === 'INBOX' || state.isLoaded || state.creating || state.changes.listenerCount('change') > 0) continue;
      if (!existsSync(join(folder.dir, 'cur'))) this.folders.delete(key);
    }
    this.sweepAt = this.folders.size + ABSENT_KEPT;
  }

  /** Whether one more folder may be created (MAX_FOLDERS). */
  async roomForFolder(): Promise<boolean> {
    return (await this.folderNames()).length < MAX_FOLDERS;
  }

  /** Creates a folder: looked up and marked as being created in one step, so it is never let go meanwhile. */
  async createFolder(name: string): Promise<MaildirFolder> {
    const folder = this.folder(name);
    await folder.create().catch((err: unknown) => {
      // Not made after all (a full disk): the object may be let go again.
      folder.state.creating = false;
      throw err;
    });
    return folder;
  }

  /** Creates the inbox and the standard folders. */
  async create(): Promise<void> {
    await this.inbox.create();
    for (const { name } of STANDARD_FOLDERS) await this.folder(name).create();
  }

  /** Names of the folders that exist on disk, INBOX first. */
  async folderNames(): Promise<string[]> {
    const names = ['INBOX'];
    let entries: string[] = [];
    try {
      entries = await readdir(this.dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    for (const entry of entries.sort()) {
      if (!entry.startsWith('.') || entry === '.' || entry === '..') continue;
      const name = entry.slice(1);
      try {
        checkFolderName(name);
        if ((await stat(join(this.dir, entry, 'cur'))).isDirectory()) names.push(name);
      } catch {
        // Not a Maildir++ folder (a stray dot file): not shown.
      }
    }
    return names;
  }

  /**
   * The folder names this user is subscribed to (IMAP SUBSCRIBE). Until the user changes them,
   * INBOX and the standard folders are, like Dovecot's autosubscribed special folders.
   */
  async subscriptions(): Promise<string[]> {
    let text: string;
    try {
      text = await readFile(join(this.dir, SUBSCRIPTIONS_FILE), 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      return ['INBOX', ...STANDARD_FOLDERS.map((f) => f.name)];
    }
    return text.split('\n').filter((name) => name !== '');
  }

  /**
   * Adds or removes a subscription. Subscribing does not require the folder to exist, so the
   * names are capped (MAX_FOLDERS): the file is written whole at every change, and 5,000
   * SUBSCRIBEs of made-up names wrote gigabytes. False when a new name would go past the cap.
   */
  async setSubscribed(name: string, subscribed: boolean): Promise<boolean> {
    const key = canonicalInbox(name);
    if (key !== 'INBOX') checkFolderName(key);
    const work = async (): Promise<boolean> => {
      const names = new Set(await this.subscriptions());
      if (subscribed && !names.has(key) && names.size >= MAX_FOLDERS) return false;
      if (subscribed) names.add(key);
      else names.delete(key);
      await writeFileAtomic(join(this.dir, SUBSCRIPTIONS_FILE), [...names].map((n) => `${n}\n`).join(''));
      return true;
    };
    // One change at a time, so two quick SUBSCRIBEs cannot lose each other.
    return this.subscriptionQueue.run(work);
  }

  /** Removes a folder and its messages. INBOX cannot be removed. */
  async deleteFolder(name: string): Promise<void> {
    if (isInbox(name)) throw new InvalidFolderName(name, 'INBOX cannot be deleted');
    const folder = this.folder(name);
    // Sessions that still hold the object must not write into a folder created later under the same name.
    await folder.retire();
    this.folders.delete(folder.name);
    await rm(folder.dir, { recursive: true, force: true });
  }

  /** Renames a folder on disk (its messages keep their UIDs and its UIDVALIDITY). */
  async renameFolder(from: string, to: string): Promise<void> {
    if (isInbox(from) || isInbox(to)) throw new InvalidFolderName(from, 'INBOX cannot be renamed here');
    const source = this.folder(from);
    const target = this.folder(to);
    await source.flush();
    await renameDir(source.dir, target.dir);
    source.retire();
    target.retire();
    this.folders.delete(source.name);
    this.folders.delete(target.name);
  }

  /** Moves messages to another folder (IMAP MOVE): one atomic rename each. */
  move(source: MaildirFolder, target: MaildirFolder, uids: readonly number[]): Promise<TransferResult> {
    return moveMessages(this.transferLock, source, target, uids);
  }

  /** Copies messages to another folder (IMAP COPY) as hard links under new names. */
  copy(source: MaildirFolder, target: MaildirFolder, uids: readonly number[]): Promise<TransferResult> {
    return copyMessages(this.transferLock, source, target, uids);
  }

  /** The files were replaced (a sandbox reset): no folder object may write to them again. */
  retire(): void {
    for (const folder of this.folders.values()) folder.retire();
    this.folders.clear();
  }

  /** Brings every open folder's index file up to date (at shutdown). */
  async flush(): Promise<void> {
    await Promise.all([...this.folders.values()].map((f) => f.flush().catch(() => undefined)));
  }

  private readonly transferLock = <T>(work: () => Promise<T>): Promise<T> => this.transferQueue.run(work);
}
