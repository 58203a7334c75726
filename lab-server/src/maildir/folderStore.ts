/**
 * Keeps one folder's index on disk and in step with the files: loads it (index file, then the
 * log of changes since), rebuilds it from the uid list and the files when it is missing or
 * damaged, decides when the directories must be read again, hands out UIDs (uid list first)
 * and modification sequences, and records every change in the log before anyone is told.
 */
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { FolderIndex } from './folderIndex.js';
import { appendLog, clearLog, logLine, readLog, type LogEntry } from './indexLog.js';
import { readIndexFile, writeIndexFile } from './indexFile.js';
import { KeywordTable } from './keywords.js';
import { StoredMessage } from './message.js';
import { parseName } from './names.js';
import { dirMtimes, scanFiles, type ScanResult } from './scan.js';
import { appendUids, readUidList, UIDLIST_FILE, writeUidList } from './uidlist.js';
import type { UidValidityCounter } from './uidValidity.js';

export class FolderNotFound extends Error {
  constructor(readonly folderName: string) {
    super(`No such folder: ${folderName}`);
  }
}

/** What a folder needs from its mailbox. */
export interface FolderContext {
  /** Gives new UIDVALIDITY values for this user's folders. */
  uidValidity: UidValidityCounter;
}

export interface Refreshed {
  gone: StoredMessage[];
  reflagged: StoredMessage[];
  arrivals: number;
}

/** Past this many log lines the index file is written instead and the log emptied. */
const LOG_LIMIT = 1000;

const isMissingError = (err: unknown): boolean => (err as NodeJS.ErrnoException).code === 'ENOENT';

/**
 * A directory time this close to the moment it was read could be followed by another change
 * in the same clock tick, which would leave the same time: such a look is not trusted.
 * File systems with whole-second times get a whole second.
 */
function trustworthy(mtimes: readonly number[], lookedAt: number): boolean {
  return mtimes.every((t) => lookedAt - t >= (t % 1000 === 0 ? 1000 : 50));
}

export class FolderStore {
  index = new FolderIndex();
  loaded = false;
  retired = false;
  /** An SMTP delivery put a file in new/ since the last look. */
  newDirTouched = false;
  /** The index file is behind the index in memory (written when the folder goes idle). */
  snapshotDue = false;
  readonly keywords: KeywordTable;
  /** UIDs the uid list holds for files the index does not know yet (after a crash). */
  private reserved: Map<string, number> | undefined;
  private uidlistSize = 0;
  private logLines = 0;

  constructor(
    private readonly name: string,
    private readonly dir: string,
    private readonly context: FolderContext,
  ) {
    this.keywords = new KeywordTable(dir);
  }

  /** Looks at the directories and takes in what changed; undefined when nothing did. */
  async refresh(): Promise<Refreshed | undefined> {
    let mtimes: [number, number];
    try {
      if (this.retired) throw Object.assign(new Error('retired'), { code: 'ENOENT' });
      mtimes = await dirMtimes(this.dir);
      if (!this.loaded) await this.load();
    } catch (err) {
      if (isMissingError(err)) throw new FolderNotFound(this.name);
      throw err;
    }
    const index = this.index;
    const stamp = index.stamp;
    const lookedAt = Date.now();
    const scanNew = this.newDirTouched || !stamp?.trusted || stamp.newMtime !== mtimes[0];
    const scanCur = !stamp?.trusted || stamp.curMtime !== mtimes[1];
    if (!scanNew && !scanCur) return undefined;
    const touched = this.newDirTouched;
    this.newDirTouched = false;
    try {
      const found = await scanFiles(this.dir, index, scanNew && scanCur ? ['new', 'cur'] : scanNew ? ['new'] : ['cur']);
      const result = await this.takeIn(found);
      // Only now is the index as the directories were: the next look may be skipped.
      index.stamp = { newMtime: mtimes[0], curMtime: mtimes[1], trusted: trustworthy(mtimes, lookedAt) };
      this.snapshotDue = true;
      return result;
    } catch (err) {
      this.newDirTouched ||= touched;
      throw err;
    }
  }

  private async takeIn(found: ScanResult): Promise<Refreshed | undefined> {
    const index = this.index;
    if (found.gone.size === 0 && found.reflagged.length === 0 && found.arrivals.length === 0) return undefined;
    const modseq = index.nextModseq();
    const entries: LogEntry[] = [];
    for (const m of found.reflagged) {
      m.modseq = modseq;
      entries.push({ kind: 'm', modseq, uid: m.uid, flags: m.flags });
    }
    const fresh: Array<[string, number]> = [];
    const taken = new Set<number>();
    const arrivals = found.arrivals.map((f) => {
      let uid = this.reserved?.get(f.base);
      if (uid === undefined || uid >= index.nextUid || index.get(uid) || taken.has(uid)) {
        uid = index.nextUid++;
        fresh.push([f.base, uid]);
      }
      taken.add(uid);
      const message = new StoredMessage(uid, f.base, f.dir === 'cur' ? parseName(f.fileName).flags : '', f.dir, f.fileName, f.size, f.wireSize, modseq, 0, this.dir);
      entries.push({ kind: 'm', modseq, uid, flags: message.flags });
      return message;
    });
    // The uid list must be on disk before any client is shown a new UID.
    await this.appendToUidList(fresh);
    this.reserved = undefined;
    index.add(arrivals);
    const gone = [...found.gone].map((uid) => index.get(uid)!);
    if (gone.length > 0) {
      index.remove(found.gone, modseq);
      entries.push({ kind: 'x', modseq, uids: [...found.gone] });
    }
    await this.commit(entries);
    return { gone, reflagged: found.reflagged, arrivals: arrivals.length };
  }

  /** UIDs for base names about to be placed in the folder, on disk before they are used. */
  async reserveUids(bases: readonly string[]): Promise<number[]> {
    const entries = bases.map((base): [string, number] => [base, this.index.nextUid++]);
    await this.appendToUidList(entries);
    return entries.map(([, uid]) => uid);
  }

  /**
   * Records changes made through this folder: in the log before anyone is told, and (when a
   * file was renamed, added or removed) the directories' new times, so the next look at them
   * can be skipped.
   */
  async afterOwnChange(entries: LogEntry[], touchedFiles = true): Promise<void> {
    await this.commit(entries);
    if (!touchedFiles) return;
    try {
      const [newMtime, curMtime] = await dirMtimes(this.dir);
      this.index.stamp = { newMtime, curMtime, trusted: true };
      this.snapshotDue = true;
    } catch (err) {
      if (!isMissingError(err)) throw err;
    }
  }

  /** Writes the index file if it is behind. */
  async flush(): Promise<void> {
    if (this.loaded && !this.retired && (this.snapshotDue || this.logLines > 0)) await this.writeSnapshot();
  }

  retire(): void {
    this.retired = true;
  }

  private async commit(entries: LogEntry[]): Promise<void> {
    if (entries.length === 0 || this.retired) return;
    this.logLines += entries.length;
    if (this.logLines >= LOG_LIMIT) await this.writeSnapshot();
    else await appendLog(this.dir, entries.map(logLine).join(''));
    this.snapshotDue = true;
  }

  private async appendToUidList(entries: ReadonlyArray<readonly [string, number]>): Promise<void> {
    if (entries.length === 0) return;
    await appendUids(this.dir, entries);
    this.uidlistSize += entries.reduce((n, [base, uid]) => n + Buffer.byteLength(base) + String(uid).length + 2, 0);
  }

  private async writeSnapshot(): Promise<void> {
    const index = this.index;
    // Lines of messages long gone are dropped once they are most of the uid list.
    const live = new Map(index.messages.map((m) => [m.base, m.uid]));
    const liveBytes = index.messages.reduce((n, m) => n + Buffer.byteLength(m.base) + String(m.uid).length + 2, 0);
    if (this.uidlistSize > 2 * liveBytes + 16 * 1024) {
      await writeUidList(this.dir, { uidValidity: index.uidValidity, nextUid: index.nextUid, uids: live });
      this.uidlistSize = await fileSize(join(this.dir, UIDLIST_FILE));
    }
    index.uidlistSize = this.uidlistSize;
    await writeIndexFile(this.dir, index);
    await clearLog(this.dir);
    this.logLines = 0;
    this.snapshotDue = false;
  }

  private async load(): Promise<void> {
    let index = await readIndexFile(this.dir);
    let listSize = await fileSize(join(this.dir, UIDLIST_FILE));
    if (index && listSize !== index.uidlistSize) {
      // The uid list grew after the index was written (or was replaced): take in its UIDs.
      const list = listSize >= 0 ? await readUidList(this.dir) : undefined;
      if (list && list.uidValidity === index.uidValidity) {
        this.reserved = list.uids;
        index.nextUid = Math.max(index.nextUid, list.nextUid);
      } else if (listSize >= 0) {
        index = undefined;
      } else {
        // The uid list is lost but the index has every UID: write the list again from it.
        await writeUidList(this.dir, { uidValidity: index.uidValidity, nextUid: index.nextUid, uids: new Map(index.messages.map((m) => [m.base, m.uid])) });
        listSize = await fileSize(join(this.dir, UIDLIST_FILE));
      }
    }
    if (!index) {
      index = new FolderIndex();
      const list = await readUidList(this.dir);
      if (list) {
        index.uidValidity = list.uidValidity;
        index.nextUid = list.nextUid;
        this.reserved = list.uids;
      } else {
        // A new folder (or one whose uid list is lost): UIDVALIDITY is saved at once, even empty.
        index.uidValidity = await this.context.uidValidity.next();
        await writeUidList(this.dir, { uidValidity: index.uidValidity, nextUid: 1, uids: new Map() });
      }
      listSize = await fileSize(join(this.dir, UIDLIST_FILE));
      this.snapshotDue = true;
    }
    // With UIDs to take in from the uid list, both directories must be read once.
    if (this.reserved) index.stamp = undefined;
    const log = await readLog(this.dir);
    const written = index.highestModseq;
    for (const entry of log) replay(index, entry, written);
    this.logLines = log.length;
    this.uidlistSize = Math.max(0, listSize);
    await this.keywords.load();
    this.index = index;
    this.loaded = true;
  }
}

/**
 * Applies one log line to an index read from its file; lines with a modseq the file already
 * had (`written`) are skipped.
 */
function replay(index: FolderIndex, entry: LogEntry, written: number): void {
  if (entry.kind === 'r') {
    index.firstRecentUid = Math.max(index.firstRecentUid, entry.uid);
    return;
  }
  if (entry.modseq <= written) return;
  index.highestModseq = Math.max(index.highestModseq, entry.modseq);
  if (entry.kind === 'x') {
    index.remove(new Set(entry.uids), entry.modseq);
    return;
  }
  const message = index.get(entry.uid);
  if (message) {
    message.modseq = entry.modseq;
    message.flags = entry.flags;
  }
}

async function fileSize(path: string): Promise<number> {
  try {
    return (await stat(path)).size;
  } catch (err) {
    if (isMissingError(err)) return -1;
    throw err;
  }
}
