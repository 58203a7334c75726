/**
 * One folder's index on disk: the index file, the log of changes since it was written, and the
 * uid list (uidlist.ts). Loads them into a FolderIndex (rebuilding what is missing or
 * damaged), appends to the log and the uid list as changes happen, and writes the index file
 * again when the log grows long or the folder goes idle.
 */
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { FolderIndex } from './folderIndex.js';
import { isOutOfSpace } from '../files/diskSpace.js';
import { appendLog, clearLog, logLine, readLog, type LogEntry } from './indexLog.js';
import { INDEX_FILE, readIndexFile, writeIndexFile } from './indexFile.js';
import { appendUids, readUidList, UIDLIST_FILE, writeUidList } from './uidlist.js';
import { joinInSlices } from './slices.js';
import type { UidValidityCounter } from './uidValidity.js';

/**
 * Past this many log lines (or twice the folder's messages, if more) the index file is written
 * instead and the log emptied. Relative to the folder's size so that one big change (5,000
 * messages seen at once) is one append on the reply path; the idle flush writes the file soon.
 */
const LOG_LIMIT = 1000;
/** Readings of the index file and log before one that no write came between is given up on. */
const READ_TRIES = 8;

export interface LoadedIndex {
  index: FolderIndex;
  /** UIDs the uid list holds for files the index does not know yet (after a crash). */
  reserved: Map<string, number> | undefined;
}

export class IndexFiles {
  /** The index file is behind the index in memory. */
  due = false;
  /** A change could not be written for want of room: changes wait in memory until the index file is written. */
  private outOfRoom = false;
  private uidlistSize = 0;
  private logLines = 0;

  constructor(
    private readonly dir: string,
    private readonly uidValidity: UidValidityCounter,
  ) {}

  async load(): Promise<LoadedIndex> {
    const read = await this.readIndexAndLog();
    let index = read.index;
    let reserved: Map<string, number> | undefined;
    let listSize = await fileSize(join(this.dir, UIDLIST_FILE));
    if (index && listSize !== index.uidlistSize) {
      // The uid list grew after the index was written (or was replaced): take in its UIDs.
      const list = listSize >= 0 ? await readUidList(this.dir) : undefined;
      if (list && list.uidValidity === index.uidValidity) {
        reserved = list.uids;
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
        reserved = list.uids;
      } else {
        // A new folder (or one whose uid list is lost): UIDVALIDITY is saved at once, even empty.
        index.uidValidity = await this.uidValidity.next();
        await writeUidList(this.dir, { uidValidity: index.uidValidity, nextUid: 1, uids: new Map() });
      }
      listSize = await fileSize(join(this.dir, UIDLIST_FILE));
      this.due = true;
    }
    // With UIDs to take in from the uid list, both directories must be read once.
    if (reserved) index.stamp = undefined;
    const written = index.highestModseq;
    for (const entry of read.log) replay(index, entry, written);
    this.logLines = read.log.length;
    this.uidlistSize = Math.max(0, listSize);
    return { index, reserved };
  }

  /**
   * The index file and its log as they were at one moment. A write replaces the index file and
   * then empties the log: an index file read before it with the log read after it would lose the
   * changes in between. So the index file is looked at before and after, and both are read
   * again if it was replaced meanwhile (a write of the index still under way in a folder object
   * retired while another object for the same path loads it).
   */
  private async readIndexAndLog(): Promise<{ index: FolderIndex | undefined; log: LogEntry[] }> {
    const path = join(this.dir, INDEX_FILE);
    for (let tries = 1; ; tries++) {
      const before = await fileIdentity(path);
      const index = await readIndexFile(this.dir);
      const log = await readLog(this.dir);
      // A writer that never pauses: the last reading is taken, as before this check.
      if (before === (await fileIdentity(path)) || tries === READ_TRIES) return { index, log };
    }
  }

  /**
   * Records changes in the log (or, once the log is long, writes the whole index file). On a
   * full disk the changes stay in memory only, as Dovecot falls back to an in-memory index: the
   * change itself (a rename, an unlink) has happened, and refusing to go on would lock learners
   * out of reading and deleting mail, the one way to make room. The index file is written once
   * there is room (`due`); a crash before then costs the modseqs of those changes, and the next
   * look at the files gives them new ones.
   */
  async commit(index: FolderIndex, entries: readonly LogEntry[]): Promise<void> {
    if (entries.length === 0) return;
    this.logLines += entries.length;
    this.due = true;
    // Out of room: not the whole index at every change; the folder's flush tries again later.
    if (this.outOfRoom) return;
    try {
      if (this.logLines >= Math.max(LOG_LIMIT, 2 * index.messages.length)) await this.write(index);
      else await appendLog(this.dir, await joinInSlices(entries, logLine));
    } catch (err) {
      if (!isOutOfSpace(err)) throw err;
      this.outOfRoom = true;
    }
  }

  /** Appends UIDs to the uid list; on disk when this resolves. */
  async appendUids(entries: ReadonlyArray<readonly [string, number]>): Promise<void> {
    if (entries.length === 0) return;
    await appendUids(this.dir, entries);
    this.uidlistSize += entries.reduce((n, [base, uid]) => n + uidLineBytes(base, uid), 0);
  }

  /** Writes the index file and empties the log. */
  async write(index: FolderIndex): Promise<void> {
    // Lines of messages long gone are dropped once they are most of the uid list.
    const liveBytes = index.messages.reduce((n, m) => n + uidLineBytes(m.base, m.uid), 0);
    if (this.uidlistSize > 2 * liveBytes + 16 * 1024) {
      await writeUidList(this.dir, { uidValidity: index.uidValidity, nextUid: index.nextUid, uids: new Map(index.messages.map((m) => [m.base, m.uid])) });
      this.uidlistSize = await fileSize(join(this.dir, UIDLIST_FILE));
    }
    index.uidlistSize = this.uidlistSize;
    await writeIndexFile(this.dir, index);
    await clearLog(this.dir);
    this.logLines = 0;
    this.due = false;
    this.outOfRoom = false;
  }
}

const uidLineBytes = (base: string, uid: number): number => Buffer.byteLength(base) + String(uid).length + 2;

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

/** Which file is at `path` now (a rename over it makes another): its inode, change time and size, or '' when there is none. */
async function fileIdentity(path: string): Promise<string> {
  try {
    const s = await stat(path, { bigint: true });
    return `${s.ino} ${s.ctimeNs} ${s.size}`;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return '';
    throw err;
  }
}

async function fileSize(path: string): Promise<number> {
  try {
    return (await stat(path)).size;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return -1;
    throw err;
  }
}
