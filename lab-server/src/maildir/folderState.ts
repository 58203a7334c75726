/**
 * A folder's index kept in step with its files, and every change announced.
 *
 * `refresh()` decides whether the directories must be read at all (their times moved, or an
 * SMTP delivery touched new/) and takes in what changed: files gone (expunged by someone
 * else), renamed (flags changed by hand) or new (they get UIDs, on disk in the uid list before
 * anyone sees them). Changes made through the folder come in through adopt(), forget() and
 * recordFlags(). Each change gets a modification sequence and a line in the log before it is
 * announced on `changes`, which live IMAP sessions and POP3 locks listen to.
 */
import { EventEmitter } from 'node:events';
import { isOutOfSpace } from '../files/diskSpace.js';
import type { CacheOwner } from './cacheOffsets.js';
import { ExpungedMessages } from './expungedMessages.js';
import { FolderIndex } from './folderIndex.js';
import { IndexFiles } from './indexFiles.js';
import type { LogEntry } from './indexLog.js';
import { KeywordTable } from './keywords.js';
import { StoredMessage } from './message.js';
import type { WrittenFile } from './messageFile.js';
import { parseName } from './names.js';
import { dirMtimes, scanFiles, trustworthy, type ScanResult } from './scan.js';
import { inSlices, isMissing } from './slices.js';
import type { UidValidityCounter } from './uidValidity.js';

export type FolderChange =
  | { type: 'exists' }
  | { type: 'flags'; uid: number; flags: string }
  | { type: 'expunge'; uids: number[] };

export class FolderNotFound extends Error {
  constructor(readonly folderName: string) {
    super(`No such folder: ${folderName}`);
  }
}

/** What a folder needs from its mailbox. */
export interface FolderContext {
  /** Gives new UIDVALIDITY values for this user's folders. */
  uidValidity: UidValidityCounter;
  /** The tree the folder's directories are made in (its sandbox), never made again once it is gone; unset: made with every parent. */
  top?: string;
}

export class FolderState implements CacheOwner {
  index = new FolderIndex();
  retired = false;
  /** Files SMTP delivered into new/ since the last look, already announced as 'exists'. */
  readonly delivered = new Set<string>();
  /** Goes up with every change, so a session can skip comparing when nothing happened. */
  version = 0;
  readonly changes = new EventEmitter();
  readonly keywords: KeywordTable;
  /** create() was called: the folder's mailbox keeps this object even before it is on disk. */
  creating = false;
  private loaded = false;
  private readonly files: IndexFiles;
  private reserved: Map<string, number> | undefined;
  /** The last look left files out (still being written, or no room for their UIDs): no later stamp may skip the next look. */
  private leftOut = false;
  private readonly ghosts = new ExpungedMessages();

  constructor(
    private readonly name: string,
    private readonly dir: string,
    context: FolderContext,
  ) {
    // Many IMAP sessions may listen to one busy folder.
    this.changes.setMaxListeners(0);
    this.keywords = new KeywordTable(dir);
    this.files = new IndexFiles(dir, context.uidValidity);
  }

  /** The folder has been looked at (its index loaded). */
  get isLoaded(): boolean {
    return this.loaded;
  }

  /** The index file is behind the index in memory. */
  get snapshotDue(): boolean {
    return this.files.due;
  }

  /** A message expunged lately, as it was. */
  expunged(uid: number): StoredMessage | undefined {
    return this.ghosts.get(uid);
  }

  /** Looks at the directories (when their times say something changed) and takes in what did. */
  async refresh(): Promise<void> {
    let mtimes: [number, number];
    try {
      if (this.retired) throw Object.assign(new Error('retired'), { code: 'ENOENT' });
      mtimes = dirMtimes(this.dir);
      if (!this.loaded) await this.load();
    } catch (err) {
      if (isMissing(err)) throw new FolderNotFound(this.name);
      throw err;
    }
    const stamp = this.index.stamp;
    const lookedAt = Date.now();
    const scanNew = this.delivered.size > 0 || !stamp?.trusted || stamp.newMtime !== mtimes[0];
    const scanCur = !stamp?.trusted || stamp.curMtime !== mtimes[1];
    if (!scanNew && !scanCur) return;
    // Deliveries from here on are seen by this look, or announced and looked for again.
    const announced = new Set(this.delivered);
    this.delivered.clear();
    try {
      const found = await scanFiles(this.dir, this.index, scanNew && scanCur ? ['new', 'cur'] : scanNew ? ['new'] : ['cur']);
      const whole = (await this.takeIn(found, announced)) && found.growing === 0;
      // Only now is the index as the directories were: the next look may be skipped. Arrivals
      // left out (a full disk, a file still being written) are looked for again at the next look.
      this.leftOut = !whole;
      this.index.stamp = { newMtime: mtimes[0], curMtime: mtimes[1], trusted: whole && trustworthy(mtimes, lookedAt) };
      this.files.due = true;
    } catch (err) {
      for (const base of announced) this.delivered.add(base);
      throw err;
    }
  }

  /** UIDs for base names about to be placed in the folder, on disk before they are used. */
  async reserveUids(bases: readonly string[]): Promise<number[]> {
    const entries = bases.map((base): [string, number] => [base, this.index.nextUid++]);
    await this.files.appendUids(entries);
    return entries.map(([, uid]) => uid);
  }

  /** Puts a file just placed in cur/ or new/ into the index under a UID reserved for it. */
  adopt(file: WrittenFile, uid: number): StoredMessage {
    const flags = file.dir === 'cur' ? parseName(file.fileName).flags : '';
    const message = new StoredMessage(uid, file.base, flags, file.dir, file.fileName, file.size, file.wireSize, 0, file.mtimeMs, this.dir);
    this.index.add([message]);
    return message;
  }

  /** Gives adopted messages their modseq, logs them and tells the sessions. */
  async announceArrivals(added: readonly StoredMessage[]): Promise<void> {
    if (added.length === 0) return;
    const modseq = this.index.nextModseq();
    for (const m of added) m.modseq = modseq;
    await this.afterOwnChange(added.map((m) => ({ kind: 'm', modseq, uid: m.uid, flags: m.flags })));
    this.announce({ type: 'exists' });
  }

  /** Drops messages whose files are gone (expunged, or moved away). */
  async forget(gone: readonly StoredMessage[]): Promise<void> {
    if (gone.length === 0) return;
    const modseq = this.index.nextModseq();
    const uids = gone.map((m) => m.uid);
    this.index.remove(new Set(uids), modseq);
    for (const m of gone) this.ghosts.add(m);
    await this.afterOwnChange([{ kind: 'x', modseq, uids }]);
    this.announce({ type: 'expunge', uids });
  }

  /** Logs and announces flag changes already made to the files (they carry their new modseq). */
  async recordFlags(changed: readonly StoredMessage[]): Promise<void> {
    await this.afterOwnChange(changed.map((m) => ({ kind: 'm', modseq: m.modseq, uid: m.uid, flags: m.flags })));
    this.version++;
    for (const m of changed) this.announce({ type: 'flags', uid: m.uid, flags: m.flags });
  }

  /** Marks everything below `uid` as noticed (no longer \Recent). */
  async noticedUpTo(uid: number): Promise<void> {
    if (uid <= this.index.firstRecentUid) return;
    this.index.firstRecentUid = uid;
    await this.afterOwnChange([{ kind: 'r', uid }], false);
  }

  /** Called once the index is loaded into memory (idleFolders.ts counts it). */
  afterLoad = (): void => undefined;

  /** Lets the index in memory go (the caller wrote it to disk): the next refresh() loads it again. */
  unload(): void {
    this.index = new FolderIndex();
    this.reserved = undefined;
    this.ghosts.clear();
    this.loaded = false;
    this.version++;
    this.changes.emit('unload');
  }

  /** Called after cacheChanged(): the folder writes the index (with the new offsets) once it is quiet. */
  afterCacheChange = (): void => undefined;

  /** The field cache file is about to change: the messages' offsets into it describe it no longer. */
  cacheChanged(due = true): void {
    this.index.cacheSize = -1;
    if (!due) return;
    this.files.due = true;
    this.afterCacheChange();
  }

  /** The field cache file's size that the messages' offsets describe, now its appends have landed (undefined: unchanged). */
  cacheSettled(size: number | undefined): void {
    if (size === undefined || size === this.index.cacheSize) return;
    this.index.cacheSize = size;
    this.files.due = true;
  }

  /** Writes the index file if it is behind. */
  async flush(): Promise<void> {
    if (this.loaded && !this.retired && this.files.due) await this.files.write(this.index);
  }

  /**
   * Records changes made through this folder: in the log before anyone is told, and (when a
   * file was renamed, added or removed) the directories' new times, so the next look at them
   * can be skipped.
   */
  private async afterOwnChange(entries: LogEntry[], touchedFiles = true): Promise<void> {
    if (!this.retired) await this.files.commit(this.index, entries);
    if (touchedFiles) this.restamp();
  }

  /** Another program changed the directories behind the index: the next look reads them whole. */
  distrust(): void {
    if (this.index.stamp) this.index.stamp = { ...this.index.stamp, trusted: false };
  }

  /**
   * Takes the directories' times after files were renamed by this folder (the index already
   * says where they are), so the next look at them can be skipped.
   */
  restamp(): void {
    try {
      const [newMtime, curMtime] = dirMtimes(this.dir);
      // A file left out changes no directory's time when it is finished: only a look finds it.
      this.index.stamp = { newMtime, curMtime, trusted: !this.leftOut };
      this.files.due = true;
    } catch (err) {
      if (!isMissing(err)) throw err;
    }
  }

  /** Takes in what a look at the files found; false if arrivals had to wait (no room for their UIDs). */
  private async takeIn(found: ScanResult, announced: ReadonlySet<string>): Promise<boolean> {
    const index = this.index;
    if (found.gone.size === 0 && found.reflagged.length === 0 && found.arrivals.length === 0) return true;
    const modseq = index.nextModseq();
    const entries: LogEntry[] = [];
    for (const m of found.reflagged) {
      m.modseq = modseq;
      entries.push({ kind: 'm', modseq, uid: m.uid, flags: m.flags });
    }
    const fresh: Array<[string, number]> = [];
    const taken = new Set<number>();
    const firstFresh = index.nextUid;
    let arrivals = await inSlices(found.arrivals, (f) => {
      let uid = this.reserved?.get(f.base);
      if (uid === undefined || uid >= firstFresh || index.get(uid) || taken.has(uid)) {
        uid = index.nextUid++;
        fresh.push([f.base, uid]);
      }
      taken.add(uid);
      return new StoredMessage(uid, f.base, f.dir === 'cur' ? parseName(f.fileName).flags : '', f.dir, f.fileName, f.size, f.wireSize, modseq, 0, this.dir);
    });
    // The uid list must be on disk before any client is shown a new UID. On a full disk the
    // messages that need one wait, unseen, for the next look; the rest of the change goes on.
    let whole = true;
    try {
      await this.files.appendUids(fresh);
    } catch (err) {
      if (!isOutOfSpace(err)) throw err;
      whole = false;
      index.nextUid = firstFresh;
      arrivals = arrivals.filter((m) => m.uid < firstFresh);
      for (const [base] of fresh) if (announced.has(base)) this.delivered.add(base);
    }
    if (whole) this.reserved = undefined;
    for (const m of arrivals) entries.push({ kind: 'm', modseq, uid: m.uid, flags: m.flags });
    await index.addInSlices(arrivals);
    const gone = [...found.gone].map((uid) => index.get(uid)!);
    if (gone.length > 0) {
      index.remove(found.gone, modseq);
      for (const m of gone) this.ghosts.add(m);
      entries.push({ kind: 'x', modseq, uids: [...found.gone] });
    }
    await this.files.commit(index, entries);
    this.version++;
    for (const m of found.reflagged) this.announce({ type: 'flags', uid: m.uid, flags: m.flags });
    if (gone.length > 0) this.announce({ type: 'expunge', uids: gone.map((m) => m.uid) });
    // An SMTP delivery told the sessions when it landed; a file dropped in by hand is news now.
    if (arrivals.some((m) => !announced.has(m.base))) this.announce({ type: 'exists' });
    return whole;
  }

  private async load(): Promise<void> {
    const { index, reserved } = await this.files.load();
    await this.keywords.load();
    this.index = index;
    this.reserved = reserved;
    this.loaded = true;
    this.afterLoad();
  }

  private announce(change: FolderChange): void {
    if (change.type !== 'flags') this.version++;
    this.changes.emit('change', change);
  }
}
