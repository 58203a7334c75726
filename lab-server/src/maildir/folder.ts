/**
 * One Maildir folder (INBOX or a Maildir++ ".Name" folder): its messages, their UIDs, flags,
 * keywords and modification sequences.
 *
 * The files are the truth; the index (folderIndex.ts, kept on disk by folderStore.ts) is what
 * makes opening a big folder cheap. `sync()` squares the two: while the directories' times
 * have not moved, nothing is read at all. Every change made through this object is announced
 * on `changes`, so live IMAP sessions and POP3 locks learn about deliveries, flag changes and
 * expunges made by other sessions.
 */
import { EventEmitter } from 'node:events';
import { mkdir, readFile, stat } from 'node:fs/promises';
import { readFileSync, renameSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { FolderStore, type FolderContext } from './folderStore.js';
export { FolderNotFound, type FolderContext } from './folderStore.js';
import type { FolderIndex } from './folderIndex.js';
import type { KeywordTable } from './keywords.js';
import { StoredMessage, type MessageInfo } from './message.js';
import { prepareMessage, writeMessageFile, type DeliverOptions, type WrittenFile } from './messageFile.js';
import { curName, normaliseFlags, parseName } from './names.js';
import { inSlices, isMissing } from './slices.js';

export type { MessageInfo } from './message.js';
export type { DeliverOptions } from './messageFile.js';

export type FolderChange =
  | { type: 'exists' }
  | { type: 'flags'; uid: number; flags: string }
  | { type: 'expunge'; uids: number[] };

/** Files up to this size are read in one synchronous call (well under a millisecond). */
const READ_AT_ONCE = 256 * 1024;
/** How long a folder stays unchanged before its index file is brought up to date. */
const FLUSH_DELAY_MS = 1000;
/** Expunged messages remembered so a session that has not been told yet can still be answered. */
const GHOSTS = 2000;

export interface StoreResult {
  /** Messages whose flags are now as asked (changed or already so). */
  stored: MessageInfo[];
  /** UNCHANGEDSINCE (RFC 7162): messages left alone because they changed after that modseq. */
  modified: number[];
}

export class MaildirFolder {
  /** Announces FolderChange events to every session that has this folder open. */
  readonly changes = new EventEmitter();
  private readonly store: FolderStore;
  private queue: Promise<unknown> = Promise.resolve();
  private changeCount = 0;
  private ghosts = new Map<number, StoredMessage>();
  private flushTimer: NodeJS.Timeout | undefined;

  constructor(
    readonly name: string,
    readonly dir: string,
    context: FolderContext,
  ) {
    // Many IMAP sessions may listen to one busy folder.
    this.changes.setMaxListeners(0);
    this.store = new FolderStore(name, dir, context);
  }

  private get index(): FolderIndex {
    return this.store.index;
  }

  get uidValidity(): number {
    return this.store.loaded ? this.index.uidValidity : 0;
  }

  get nextUid(): number {
    return this.store.loaded ? this.index.nextUid : 1;
  }

  get highestModseq(): number {
    return this.store.loaded ? this.index.highestModseq : 0;
  }

  /** The lowest UID that is still \Recent (not yet noticed by a read-write session). */
  get firstRecentUid(): number {
    return this.store.loaded ? this.index.firstRecentUid : 1;
  }

  /** Messages no read-write session has noticed yet (STATUS RECENT). */
  get recentCount(): number {
    return this.index.recentCount;
  }

  get keywords(): KeywordTable {
    return this.store.keywords;
  }

  /**
   * Goes up whenever the index may have changed (files found or gone, a rename, an expunge),
   * so a live session can skip comparing thousands of messages when nothing happened.
   */
  get version(): number {
    return this.changeCount;
  }

  /** Creates cur/, new/ and tmp/ if they are missing, and gives the folder its UIDVALIDITY. */
  async create(): Promise<void> {
    await Promise.all(['cur', 'new', 'tmp'].map((d) => mkdir(join(this.dir, d), { recursive: true })));
    await this.sync();
  }

  async exists(): Promise<boolean> {
    if (this.store.retired) return false;
    try {
      return (await stat(join(this.dir, 'cur'))).isDirectory();
    } catch {
      return false;
    }
  }

  /**
   * Delivers a message atomically (tmp/, fsync, rename into new/). It gets its UID at the next
   * sync, as a file dropped in by another program would.
   */
  async deliver(message: Buffer, options: DeliverOptions = {}): Promise<string> {
    const written = await writeMessageFile(this.dir, prepareMessage(message, options.internalDate));
    this.store.newDirTouched = true;
    this.changes.emit('change', { type: 'exists' } satisfies FolderChange);
    return written.base;
  }

  /** Brings the index up to date with the files and returns the messages in UID order. */
  sync(): Promise<readonly MessageInfo[]> {
    return this.exclusive(async () => {
      await this.syncNow();
      return this.index.messages;
    });
  }

  /** The message with this UID as of the last sync. */
  get(uid: number): MessageInfo | undefined {
    return this.store.loaded ? this.index.get(uid) : undefined;
  }

  /** Inside the store: the message with its file's path. */
  stored(uid: number): StoredMessage | undefined {
    return this.store.loaded ? this.index.get(uid) : undefined;
  }

  /** True if a message with this base name is in the folder. */
  hasBase(base: string): boolean {
    return this.index.byBaseName(base) !== undefined;
  }

  /** A message expunged lately, as it was: for sessions that have not been told yet. */
  expunged(uid: number): MessageInfo | undefined {
    return this.ghosts.get(uid);
  }

  /** Messages as of the last sync, in UID order. */
  list(): readonly MessageInfo[] {
    return this.store.loaded ? this.index.messages : [];
  }

  /** UIDs expunged after a modseq, or undefined when the history does not reach back that far. */
  expungedSince(modseq: number): number[] | undefined {
    return this.index.expungedSince(modseq);
  }

  /** The stored bytes of a message (LF line ends), or undefined if it has been expunged. */
  async read(uid: number): Promise<Buffer | undefined> {
    for (let attempt = 0; attempt < 2; attempt++) {
      const message = this.index.get(uid);
      if (!message) return undefined;
      try {
        return message.size <= READ_AT_ONCE ? readFileSync(message.path) : await readFile(message.path);
      } catch (err) {
        if (!isMissing(err)) throw err;
        // Renamed by someone else (a flag change we have not seen yet): look again.
        await this.sync();
      }
    }
    return undefined;
  }

  /** Replaces one message's flags (POP3 marks what it downloaded \Seen). */
  async setFlags(uid: number, flags: string): Promise<MessageInfo | undefined> {
    return (await this.storeFlags([{ uid, flags }])).stored[0];
  }

  /**
   * Replaces the flags of many messages in one pass (IMAP STORE on a range); each message moves
   * to cur/ with its flags in its name. With `unchangedSince`, messages changed after that
   * modseq are left alone and listed in `modified` (RFC 7162 conditional STORE).
   */
  storeFlags(changes: ReadonlyArray<{ uid: number; flags: string }>, unchangedSince?: number): Promise<StoreResult> {
    return this.exclusive(async () => {
      await this.syncNow();
      const result: StoreResult = { stored: [], modified: [] };
      const flagged: StoredMessage[] = [];
      let modseq = 0;
      await inSlices(changes, ({ uid, flags }) => {
        const message = this.index.get(uid);
        if (!message) return;
        if (unchangedSince !== undefined && message.modseq > unchangedSince) {
          result.modified.push(uid);
          return;
        }
        const wanted = normaliseFlags(flags);
        const fileName = curName(message.base, wanted);
        if (message.dir !== 'cur' || message.fileName !== fileName) {
          try {
            renameSync(message.path, join(this.dir, 'cur', fileName));
          } catch (err) {
            // Expunged by another program between the sync and now: nothing to flag.
            if (isMissing(err)) return;
            throw err;
          }
          const changed = message.flags !== wanted;
          Object.assign(message, { dir: 'cur', fileName, flags: wanted });
          if (changed) {
            message.modseq = modseq ||= this.index.nextModseq();
            flagged.push(message);
          }
        }
        result.stored.push(message);
      });
      await this.store.afterOwnChange(flagged.map((m) => ({ kind: 'm', modseq: m.modseq, uid: m.uid, flags: m.flags })));
      this.changeCount++;
      for (const m of flagged) this.changes.emit('change', { type: 'flags', uid: m.uid, flags: m.flags } satisfies FolderChange);
      return result;
    });
  }

  /** Deletes messages for good. Returns the UIDs that were removed. */
  expunge(uids: Iterable<number>): Promise<number[]> {
    return this.exclusive(async () => {
      await this.syncNow();
      const doomed = [...uids].map((uid) => this.index.get(uid)).filter((m): m is StoredMessage => m !== undefined);
      await inSlices(doomed, (message) => {
        try {
          unlinkSync(message.path);
        } catch (err) {
          if (!isMissing(err)) throw err;
        }
      });
      await this.forget(doomed);
      return doomed.map((m) => m.uid);
    });
  }

  /**
   * A read-write session notices the folder: every message from `firstRecentUid` on becomes
   * \Recent for it alone (RFC 3501), and files still in new/ move to cur/. Returns the UID
   * range [from, to) the session now holds as \Recent.
   */
  claimRecent(): Promise<{ from: number; to: number }> {
    return this.exclusive(async () => {
      await this.syncNow();
      const index = this.index;
      const claimed = { from: index.firstRecentUid, to: index.nextUid };
      const waiting = index.messages.filter((m) => m.dir === 'new');
      await inSlices(waiting, (message) => {
        const fileName = curName(message.base, message.flags);
        try {
          renameSync(message.path, join(this.dir, 'cur', fileName));
          Object.assign(message, { dir: 'cur', fileName });
        } catch (err) {
          if (!isMissing(err)) throw err;
        }
      });
      if (claimed.to > claimed.from) index.firstRecentUid = claimed.to;
      await this.store.afterOwnChange(claimed.to > claimed.from ? [{ kind: 'r', uid: claimed.to }] : [], waiting.length > 0);
      if (waiting.length > 0) this.changeCount++;
      return claimed;
    });
  }

  /**
   * Stores messages (IMAP APPEND, COPY) and gives them UIDs in the order given, so a client
   * can be told which new UID belongs to which message (UIDPLUS). The UIDs are on disk before
   * any file appears, and the messages are in the index before this resolves.
   */
  deliverAll(items: ReadonlyArray<{ message: Buffer; flags?: string; internalDate?: Date }>): Promise<number[]> {
    return this.exclusive(async () => {
      await this.syncNow();
      const prepared = items.map((item) => prepareMessage(item.message, item.internalDate));
      const uids = await this.store.reserveUids(prepared.map((p) => p.base));
      const added: StoredMessage[] = [];
      try {
        for (const [i, message] of prepared.entries()) {
          const file = await writeMessageFile(this.dir, message, items[i]!.flags ?? '');
          added.push(this.adopt(file, uids[i]!));
        }
      } finally {
        await this.announceArrivals(added);
      }
      return added.map((m) => m.uid);
    });
  }

  /** Writes the index file now if it is behind (at shutdown, or when a folder goes idle). */
  flush(): Promise<void> {
    return this.exclusive(() => this.store.flush());
  }

  /** The folder was deleted or renamed: this object must never write to that path again. */
  retire(): void {
    this.store.retire();
    clearTimeout(this.flushTimer);
  }

  /**
   * Runs one index-changing operation at a time, in call order. Only moves between folders
   * (transfer.ts) hold two folders at once, always under their mailbox's transfer lock.
   */
  exclusive<T>(work: () => Promise<T>): Promise<T> {
    const run = this.queue.then(work, work);
    this.queue = run.catch(() => undefined);
    void this.queue.then(() => this.flushWhenIdle());
    return run;
  }

  /** Writes the index file a moment after the last change, not after every one. */
  private flushWhenIdle(): void {
    if (!this.store.snapshotDue || this.flushTimer) return;
    this.flushTimer = setTimeout(() => {
      this.flushTimer = undefined;
      this.flush().catch(() => undefined);
    }, FLUSH_DELAY_MS);
    this.flushTimer.unref();
  }

  /** Inside exclusive(): brings the index up to date with the files. */
  async syncNow(): Promise<void> {
    const found = await this.store.refresh();
    if (!found) return;
    this.changeCount++;
    for (const m of found.gone) this.remember(m);
    for (const m of found.reflagged) this.changes.emit('change', { type: 'flags', uid: m.uid, flags: m.flags } satisfies FolderChange);
    if (found.gone.length > 0) this.changes.emit('change', { type: 'expunge', uids: found.gone.map((m) => m.uid) } satisfies FolderChange);
    if (found.arrivals > 0) this.changes.emit('change', { type: 'exists' } satisfies FolderChange);
  }

  /**
   * Inside exclusive(): puts a file just placed in cur/ or new/ into the index under a UID
   * reserved for it (store.reserveUids). announceArrivals() then gives it its modseq.
   */
  adopt(file: WrittenFile, uid: number): StoredMessage {
    const flags = file.dir === 'cur' ? parseName(file.fileName).flags : '';
    const message = new StoredMessage(uid, file.base, flags, file.dir, file.fileName, file.size, file.wireSize, 0, file.mtimeMs, this.dir);
    this.index.add([message]);
    return message;
  }

  /** Inside exclusive(): reserves UIDs for base names about to be placed here (on disk first). */
  reserveUids(bases: readonly string[]): Promise<number[]> {
    return this.store.reserveUids(bases);
  }

  /** Inside exclusive(): gives adopted messages their modseq, logs them and tells the sessions. */
  async announceArrivals(added: StoredMessage[]): Promise<void> {
    if (added.length === 0) return;
    const modseq = this.index.nextModseq();
    for (const m of added) m.modseq = modseq;
    await this.store.afterOwnChange(added.map((m) => ({ kind: 'm', modseq, uid: m.uid, flags: m.flags })));
    this.changeCount++;
    this.changes.emit('change', { type: 'exists' } satisfies FolderChange);
  }

  /** Inside exclusive(): drops messages whose files are gone (expunged, or moved away). */
  async forget(gone: readonly StoredMessage[]): Promise<void> {
    if (gone.length === 0) return;
    const modseq = this.index.nextModseq();
    const uids = gone.map((m) => m.uid);
    this.index.remove(new Set(uids), modseq);
    for (const m of gone) this.remember(m);
    await this.store.afterOwnChange([{ kind: 'x', modseq, uids }]);
    this.changeCount++;
    this.changes.emit('change', { type: 'expunge', uids } satisfies FolderChange);
  }

  private remember(message: StoredMessage): void {
    this.ghosts.set(message.uid, message);
    if (this.ghosts.size > GHOSTS) this.ghosts.delete(this.ghosts.keys().next().value!);
  }
}
