/**
 * One Maildir folder (INBOX or a Maildir++ ".Name" folder): its messages, their UIDs, flags,
 * keywords and modification sequences.
 *
 * The files are the truth; the index (folderIndex.ts, kept on disk by indexFiles.ts and in step
 * with the files by folderState.ts) is what makes opening a big folder cheap: while the
 * directories' times have not moved, `sync()` reads nothing at all. One operation changes the
 * folder at a time (exclusive()); every change is announced on `changes`, so live IMAP sessions
 * and POP3 locks learn about deliveries, flag changes and expunges made by other sessions.
 */
import { mkdir, stat, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { makeDirsBelow } from '../files/dirsBelow.js';
import { FieldCache } from './fieldCache.js';
import { flagExpunged, renameForFlags, unlinkAll, type StoreResult } from './fileMoves.js';
import type { FolderIndex } from './folderIndex.js';
import { FolderState, type FolderChange, type FolderContext } from './folderState.js';
import type { KeywordTable } from './keywords.js';
import type { MessageInfo, StoredMessage } from './message.js';
import { placeMessageFile, prepareMessageInTurns, stageMessageFile, writeMessageFiles, type DeliverOptions, type PreparedMessage, type StagedFile } from './messageFile.js';
import { openMessage, readMessage, readMessageNow, readMessageStart, type ReadableFolder } from './messageReads.js';
import { FolderUpkeep } from './folderUpkeep.js';
import { ForcedLooks } from './forcedLooks.js';

export { FolderNotFound, type FolderChange, type FolderContext } from './folderState.js';
export type { MessageInfo } from './message.js';
export type { DeliverOptions } from './messageFile.js';
export type { StoreResult } from './fileMoves.js';

export class MaildirFolder {
  /** ENVELOPE, BODYSTRUCTURE and other fields worked out from the messages, kept on disk. */
  readonly fields: FieldCache;
  /** The index and its announcements; for the store's own modules (transfer.ts). */
  readonly state: FolderState;
  /** Its queue of operations, index writes and let-go when idle. */
  private readonly upkeep: FolderUpkeep;
  /** What messageReads.ts needs of this folder. */
  private readonly reads: ReadableFolder;

  constructor(
    readonly name: string,
    readonly dir: string,
    private readonly context: FolderContext,
  ) {
    this.state = new FolderState(name, dir, context);
    this.fields = new FieldCache(dir, this.state);
    this.upkeep = new FolderUpkeep(this.state, this.fields, dir);
    const looks = new ForcedLooks(() => this.sync(true));
    this.reads = { state: this.state, use: this.upkeep.use, lookAgain: (missedAt) => looks.after(missedAt) };
  }

  private get use(): FolderUpkeep['use'] {
    return this.upkeep.use;
  }

  private get index(): FolderIndex {
    return this.state.index;
  }

  /** Announces FolderChange events to every session that has this folder open. */
  get changes(): NodeJS.EventEmitter {
    return this.state.changes;
  }

  /** UIDVALIDITY (0 until the folder has been looked at). */
  get uidValidity(): number {
    return this.index.uidValidity;
  }

  get nextUid(): number {
    return this.index.nextUid;
  }

  /** HIGHESTMODSEQ (RFC 7162): 1 while nothing has happened in the folder, never 0. */
  get highestModseq(): number {
    return Math.max(1, this.index.highestModseq);
  }

  /** The lowest UID that is still \Recent (not yet noticed by a read-write session). */
  get firstRecentUid(): number {
    return this.index.firstRecentUid;
  }

  /** Messages no read-write session has noticed yet (STATUS RECENT). */
  get recentCount(): number {
    return this.index.recentCount;
  }

  get keywords(): KeywordTable {
    return this.state.keywords;
  }

  /** Goes up whenever the index may have changed, so a live session can skip comparing. */
  get version(): number {
    return this.state.version;
  }

  /** Creates cur/, new/ and tmp/ if they are missing, and gives the folder its UIDVALIDITY. */
  async create(): Promise<void> {
    this.state.creating = true;
    const { top } = this.context;
    await Promise.all(['cur', 'new', 'tmp'].map((d) => (top ? makeDirsBelow(top, join(this.dir, d)) : mkdir(join(this.dir, d), { recursive: true }))));
    await this.sync();
  }

  async exists(): Promise<boolean> {
    return !this.state.retired && (await stat(join(this.dir, 'cur')).then((s) => s.isDirectory(), () => false));
  }

  /** Delivers a message atomically (tmp/, fsync, rename into new/; or one staged in this folder's tmp/ already); it gets its UID at the next sync, as a dropped-in file does. */
  async deliver(message: Buffer | StagedFile, options: DeliverOptions = {}): Promise<string> {
    const written = await placeMessageFile(Buffer.isBuffer(message) ? await stageMessageFile(this.dir, await prepareMessageInTurns([message], options.internalDate)) : message);
    this.state.delivered.add(written.base);
    this.changes.emit('change', { type: 'exists' } satisfies FolderChange);
    return written.base;
  }

  /**
   * Brings the index up to date with the files and returns the messages in UID order; `whole`:
   * reads the directories whatever their times say (a file the index names was missing).
   */
  sync(whole = false): Promise<readonly MessageInfo[]> {
    return this.exclusive(async () => {
      const strays = this.fields.strays();
      if (whole) this.state.distrust();
      await this.state.refresh();
      this.fields.synced(strays);
      return this.index.messages;
    });
  }

  /** A client command is working on the folder (until release()): files it may read are not moved from new/ to cur/ meanwhile. */
  hold(): void {
    this.use.held++;
  }

  release(): void {
    this.use.held--;
    this.use.count++;
  }

  /** A session (an IMAP selection, a POP3 maildrop) keeps the folder's index in memory until it calls the function returned. */
  keepOpen(): () => void {
    return this.upkeep.keepOpen();
  }

  /** The message with this UID as of the last sync. */
  get(uid: number): MessageInfo | undefined {
    return this.index.get(uid);
  }

  /** Messages as of the last sync, in UID order. */
  list(): readonly MessageInfo[] {
    return this.index.messages;
  }

  /** Inside the store: the message with its file's path. */
  stored(uid: number): StoredMessage | undefined {
    this.use.count++;
    return this.index.get(uid);
  }

  /** True if a message with this base name is in the folder. */
  hasBase(base: string): boolean {
    return this.index.byBaseName(base) !== undefined;
  }

  /** A message expunged lately, as it was: for sessions that have not been told yet. */
  expunged(uid: number): MessageInfo | undefined {
    return this.state.expunged(uid);
  }

  /** UIDs expunged after a modseq, or undefined when the history does not reach back that far. */
  expungedSince(modseq: number): number[] | undefined {
    return this.index.expungedSince(modseq);
  }

  /** The stored bytes of a message (LF line ends), or undefined if it has been expunged. */
  read(uid: number): Promise<Buffer | undefined> {
    return readMessage(this.reads, uid);
  }

  /** The first `max` bytes of a message, lent to `use` (messageReads.ts). */
  readStart<T>(uid: number, max: number, use: (start: Buffer) => T): Promise<T | undefined> {
    return readMessageStart(this.reads, uid, max, use);
  }

  /** A small message's bytes, read at once and lent to `use`; undefined when it must be read() or open()ed (messageReads.ts). */
  readNow<T>(uid: number, use: (stored: Buffer) => T): T | undefined {
    return readMessageNow(this.reads, uid, use);
  }

  /** A message's file opened to be read piece by piece (a big message); undefined if expunged. The caller closes it. */
  open(uid: number): Promise<FileHandle | undefined> {
    return openMessage(this.reads, uid);
  }

  /**
   * Replaces the flags of many messages in one pass (IMAP STORE on a range); each message moves
   * to cur/ with its flags in its name. With `unchangedSince`, messages changed after that
   * modseq are left alone and listed in `modified` (RFC 7162 conditional STORE).
   */
  storeFlags(changes: ReadonlyArray<{ uid: number; flags: string }>, unchangedSince?: number): Promise<StoreResult> {
    return this.exclusive(async () => {
      await this.state.refresh();
      const { changed, ...result } = await renameForFlags(this.index, this.dir, changes, unchangedSince);
      await this.state.recordFlags(changed);
      const gone = changes.filter(({ uid }) => !this.index.get(uid));
      if (gone.length > 0) result.expunged = flagExpunged((uid) => this.state.expunged(uid), gone, unchangedSince);
      return result;
    });
  }

  /** Deletes messages for good. Returns the UIDs that were removed. */
  expunge(uids: Iterable<number>): Promise<number[]> {
    return this.exclusive(async () => {
      await this.state.refresh();
      const doomed = [...uids].map((uid) => this.index.get(uid)).filter((m): m is StoredMessage => m !== undefined);
      await unlinkAll(doomed);
      await this.state.forget(doomed);
      return doomed.map((m) => m.uid);
    });
  }

  /**
   * A read-write session notices the folder: every message from `firstRecentUid` on becomes
   * \Recent for it alone (RFC 3501), and its files move from new/ to cur/ a moment after the
   * reply (noticedMoves.ts). Returns the UID range [from, to) the session now holds as \Recent.
   */
  claimRecent(): Promise<{ from: number; to: number }> {
    return this.exclusive(async () => {
      await this.state.refresh();
      const claimed = { from: this.index.firstRecentUid, to: this.index.nextUid };
      await this.state.noticedUpTo(claimed.to);
      this.upkeep.noticedMoves.schedule();
      return claimed;
    });
  }

  /**
   * Stores messages (IMAP APPEND) and gives them UIDs in the order given, so a client can be
   * told which new UID belongs to which message (UIDPLUS). The UIDs are on disk before any
   * file appears, and the messages are in the index before this resolves.
   */
  async deliverAll(items: ReadonlyArray<{ message: Buffer; flags?: string; internalDate?: Date }>): Promise<number[]> {
    // Converted before the folder is held: a message of megabytes takes many turns (a 9 MB one
    // in one turn kept the loop 85-135 ms), and the folder's other work need not wait for that.
    const prepared: PreparedMessage[] = [];
    for (const item of items) prepared.push(await prepareMessageInTurns([item.message], item.internalDate));
    return this.exclusive(async () => {
      await this.state.refresh();
      const uids = await this.state.reserveUids(prepared.map((p) => p.base));
      // All or none (MULTIAPPEND, RFC 3502): a full disk part-way stores nothing.
      const written = await writeMessageFiles(this.dir, prepared, items.map((item) => item.flags ?? ''));
      const added = written.map((file, i) => this.state.adopt(file, uids[i]!));
      await this.state.announceArrivals(added);
      return added.map((m) => m.uid);
    });
  }

  /** Writes the index file now if it is behind (at shutdown, or when a folder goes idle). */
  flush(): Promise<void> {
    return this.upkeep.flush();
  }

  /** The folder was deleted or renamed: this object must never write to that path again. */
  retire(): Promise<void> {
    this.upkeep.retire();
    return this.fields.retire();
  }

  /**
   * Runs one index-changing operation at a time, in call order. Only moves between folders
   * (transfer.ts) hold two folders at once, always under their mailbox's transfer lock.
   */
  exclusive<T>(work: () => Promise<T>): Promise<T> {
    this.use.count++;
    return this.upkeep.run(work);
  }
}
