/**
 * Where a folder's field cache records land in `maillab-cache` (fieldCache.ts), so the folder
 * index can keep each message's offset to its newest record (StoredMessage.cacheAt) and the
 * file size those offsets describe (FolderIndex.cacheSize), as Dovecot's index keeps offsets
 * into dovecot.index.cache. Each record names where its message's record before it starts, so
 * one offset per message reaches all of its fields. The offsets describe the file ("linked")
 * only while every record does that and every message's offset is its newest record's.
 */
import { recordText, type FieldRecords } from './fieldRecords.js';
import { currentFields } from './fieldStamps.js';
import type { FolderIndex } from './folderIndex.js';

/** What a cache needs of its folder: the index, whose messages keep where their records start. */
export interface CacheOwner {
  readonly index: FolderIndex;
  /**
   * The file is about to change: the index's offsets hold again only once settled
   * (settledSize()); `due` (the default) when the index is to be written then, with new offsets.
   */
  cacheChanged(due?: boolean): void;
}

export class CacheOffsets {
  /** Where the record place() made starts (-1: not known), and the one before it it names. */
  placedAt = -1;
  placedAfter = -1;
  /** The file's size once the appends queued have landed (-1: unknown until it is read). */
  private end = -1;
  /** Its size with the appends done so far. */
  private written = 0;
  private linked = false;
  /** Newest records of messages not in the index yet (just delivered), by base name. */
  private readonly orphans = new Map<string, number>();

  constructor(private readonly owner: CacheOwner) {}

  /** A record to append, naming the message's record before it; its message learns where it starts. */
  place(base: string, field: string, value: string): string {
    const at = this.end;
    const message = at === -1 || !this.linked ? undefined : this.owner.index.byBaseName(base);
    const previous = message ? message.cacheAt : at === -1 || !this.linked ? -1 : (this.orphans.get(base) ?? -1);
    const record = recordText(base, field, value, previous);
    this.placedAt = at;
    this.placedAfter = previous;
    // Where it lands is unknown until the file is read: the offsets no longer describe it.
    if (at === -1) {
      this.linked = false;
      return record;
    }
    this.end += record.length;
    if (message) message.cacheAt = at;
    else if (this.linked) this.orphans.set(base, at);
    return record;
  }

  appended(bytes: number): void {
    this.written += bytes;
  }

  /** An append failed, perhaps in part: where later records land is unknown until the file is read again. */
  failed(): void {
    this.end = -1;
    this.linked = false;
    this.owner.cacheChanged();
  }

  /**
   * The file was read (`size` bytes kept): by the index's offsets, or gone through as a whole,
   * when the offsets are set again from what was read if its records are linked. `placed`:
   * bytes of records placed during the reading, to be appended after it; they were placed where
   * the file was thought to end, so they are linked only if it ended there.
   */
  read(size: number, scanned?: FieldRecords, placed = 0): void {
    const thought = this.end === -1 ? -1 : this.end - placed;
    this.end = size + placed;
    this.written = size;
    this.linked = (scanned?.linked ?? true) && (placed === 0 || thought === size);
    // Messages still to come into the index: their newest records as read (and placed meanwhile).
    for (const base of this.orphans.keys()) {
      const at = this.linked && scanned ? scanned.lastAt(base) : this.linked ? this.orphans.get(base)! : -1;
      if (at >= 0) this.orphans.set(base, at);
      else this.orphans.delete(base);
    }
    if (scanned && this.linked && relink(scanned, this.owner.index)) this.owner.cacheChanged();
  }

  /** Where appended records land is known (the file was read): the index can learn their offsets. */
  get placing(): boolean {
    return this.end !== -1;
  }

  /** Whether the file needs rewriting for the index to keep offsets into it. */
  get unlinked(): boolean {
    return !this.linked;
  }

  /**
   * The file rewritten with the live messages' fields only (of a stamped name, the highest
   * stamp: fieldStamps.ts), each message's records together and linked; the messages' offsets are set to it (the file is written by the caller).
   */
  rewrite(records: FieldRecords, live: ReadonlySet<string>): string {
    this.owner.cacheChanged();
    const { index } = this.owner;
    for (const m of index.messages) m.cacheAt = -1;
    const parts: string[] = [];
    let size = 0;
    for (const base of records.bases()) {
      if (!live.has(base)) continue;
      let previous = -1;
      for (const [field, value] of currentFields(records.fieldsOf(base))) {
        const part = recordText(base, field, value, previous);
        parts.push(part);
        previous = size;
        size += part.length;
      }
      const message = index.byBaseName(base);
      if (message) message.cacheAt = previous;
    }
    this.orphans.clear();
    this.end = size;
    this.linked = true;
    return parts.join('');
  }

  /** The rewritten file is in place. */
  rewritten(size: number): void {
    this.written = size;
  }

  /**
   * The file's size for the index to keep with the messages' offsets, once every append has
   * landed (`idle`); -1 when the offsets do not describe it; undefined when this process has
   * not read it (the index keeps what it had).
   */
  settledSize(idle: boolean): number | undefined {
    if (this.end === -1) return undefined;
    // Messages delivered since their record was appended are in the index now, most often.
    this.adopt(this.orphans.keys(), false);
    return this.linked && idle && this.orphans.size === 0 && this.written === this.end ? this.end : -1;
  }

  /** Messages not in the index yet that have records: to be looked for again after the next sync. */
  strays(): string[] {
    return [...this.orphans.keys()];
  }

  /**
   * A look at the folder's files (begun after these records were appended, so after their files
   * were written) is done: a message that is not in the index now was deleted before the lab saw
   * it, and its records are only stale ones, as an expunged message's (else the offsets would
   * never be settled again).
   */
  synced(strays: Iterable<string>): void {
    this.adopt(strays, true);
  }

  /** Gives messages now in the index their newest record's offset; `gone`: forgets the others. */
  private adopt(bases: Iterable<string>, gone: boolean): void {
    for (const base of bases) {
      const at = this.orphans.get(base);
      if (at === undefined) continue;
      const message = this.owner.index.byBaseName(base);
      if (message?.cacheAt === -1) message.cacheAt = at;
      if (message || gone) this.orphans.delete(base);
    }
  }
}

/** Sets each message's offset to its newest record as read; true if any changed. */
function relink(records: FieldRecords, index: FolderIndex): boolean {
  let changed = false;
  for (const m of index.messages) {
    const at = records.lastAt(m.base);
    if (m.cacheAt !== at) {
      m.cacheAt = at;
      changed = true;
    }
  }
  return changed;
}
