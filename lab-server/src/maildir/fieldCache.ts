/**
 * A folder's cache of fields worked out from its messages (ENVELOPE, BODYSTRUCTURE, …), kept
 * in `maillab-cache` beside the index, like Dovecot's dovecot.index.cache: after a restart the
 * first `FETCH 1:* ENVELOPE` reads one file instead of every message. A message file never
 * changes once delivered (only its name does), so entries are keyed by its base name and never
 * go stale; entries of expunged messages are dropped when the file is rewritten.
 *
 * Records are appended as "<base> <field> <length> <previous>\n<bytes>\n", each naming where the
 * message's record before it starts, and the folder index keeps where each message's newest
 * record starts (cacheOffsets.ts): after a restart the file is read but not gone through, and
 * a FETCH follows each message's records from its offset. The offsets are taken only while the
 * file has the size the index was written with, and each is checked when used; one that misses
 * has the file gone through as a whole, as it is when the sizes differ. The cache may always be
 * lost: a record cut short by a crash ends the reading, and a missing file is an empty cache.
 * Loaded caches share one memory budget (cacheBudget.ts). Values are
 * byte strings (latin1: a character per octet); fieldRecords.ts has the file in memory.
 */
import { join } from 'node:path';
import { writeFileAtomic } from '../files/atomicWrite.js';
import { readByteString } from '../files/byteString.js';
import { CacheAppends } from './cacheAppends.js';
import { compactionDue } from './cacheCompaction.js';
import { forgetCache, touchCache, type Unloadable } from './cacheBudget.js';
import { CacheOffsets, type CacheOwner } from './cacheOffsets.js';
import { FieldRecords, readRecords } from './fieldRecords.js';
import { isStamped } from './fieldStamps.js';
import type { FolderIndex } from './folderIndex.js';

export type { CacheOwner } from './cacheOffsets.js';

export const CACHE_FILE = 'maillab-cache';

/** A record placed: its message, field and value, where it starts and the message's record before it, its length. */
type Placed = { base: string; field: string; value: string; at: number; previous: number; length: number };
/** A base name the file's record heads cannot hold. */
const unrecordable = (base: string): boolean => base.includes(' ') || base.includes('\n');

export class FieldCache implements Unloadable {
  /** The file as loaded, and the fields set since; undefined until then (and after unload). */
  private records: FieldRecords | undefined;
  private loading: Promise<void> | undefined;
  /** The appends, and the readings and rewrites in turn with them. */
  private readonly appends: CacheAppends;
  private retired = false;
  /** Loaded by the index's offsets: `records` holds only the values added since (chained() finds the rest). */
  private hinted = false;
  /** The index and its removals count when loaded by offsets: no message gone since, no record gone stale. */
  private hintedBy = { index: undefined as FolderIndex | undefined, removals: 0 };
  /** Loaded by offsets, a message with records got a stamped field: perhaps a raised stamp's, superseding one in the file. */
  private restamped = false;
  private readonly offsets: CacheOffsets;
  /** Records placed while the file is being read (their appends land after the reading): added to what is read. */
  private meanwhile: Placed[] | undefined;

  constructor(
    private readonly folderDir: string,
    private readonly owner: CacheOwner,
  ) {
    this.offsets = new CacheOffsets(owner);
    this.appends = new CacheAppends(join(folderDir, CACHE_FILE), this.offsets);
  }

  /** A cached field of a message (a byte string), reading the cache file the first time. */
  async get(base: string, field: string): Promise<string | undefined> {
    await this.ready();
    return this.peek(base, field);
  }

  /** Resolves once the cache file is in memory (read the first time only). */
  async ready(): Promise<void> {
    if (!this.records) await (this.loading ??= this.load());
  }

  /** Starts reading the cache file if it is not in memory, without waiting (a read that fails is an empty cache). */
  prefetch(): void {
    if (!this.records && !this.loading) this.ready().catch(() => undefined);
  }

  /**
   * A cached field, if the file is in memory already (after ready()): no waiting. `at` is the
   * message's cacheAt when the caller has the message at hand (else it is looked up).
   */
  peek(base: string, field: string, at?: number): string | undefined {
    const records = this.records;
    if (!records) return undefined;
    const value = records.value(base, field);
    if (value !== undefined || !this.hinted) return value;
    at ??= this.owner.index.byBaseName(base)?.cacheAt ?? -1;
    if (at < 0) return undefined;
    const chained = records.chained(base, field, at);
    if (chained !== null) return chained;
    this.distrust();
    return undefined;
  }

  /**
   * An offset from the index missed its record (the files were changed behind the lab's back):
   * the file is gone through as a whole from now on, and the index learns the offsets again.
   */
  private distrust(): void {
    this.owner.cacheChanged();
    this.unload();
    this.prefetch();
  }

  /** Every cached field of a message. */
  async all(base: string): Promise<ReadonlyMap<string, string>> {
    await this.ready();
    const records = this.records;
    if (!records) return new Map<string, string>();
    const fields = records.fieldsOf(base);
    const at = this.hinted ? (this.owner.index.byBaseName(base)?.cacheAt ?? -1) : -1;
    if (at < 0 || records.chainedFields(base, at, fields)) return fields;
    this.distrust();
    return this.all(base);
  }

  /** Messages with records appended before they were in the index (cacheOffsets.ts), for synced(). */
  strays(): string[] {
    return this.offsets.strays();
  }

  /** A sync begun after strays() is done: those still not in the index were deleted unseen. */
  synced(strays: readonly string[]): void {
    if (strays.length > 0) this.offsets.synced(strays);
  }

  /** The file's size for the index to keep with the messages' offsets (cacheOffsets.ts). */
  settledSize(): number | undefined {
    return this.offsets.settledSize(this.appends.empty);
  }

  /**
   * Keeps a field (bytes, or a byte string: one character per octet); it reaches the file with
   * the next batch of appends. True when it is in memory now (peek() finds it): the cache is loaded.
   */
  set(base: string, field: string, value: Buffer | string): boolean {
    if (this.retired || unrecordable(base)) return false;
    if (this.records && this.peek(base, field) !== undefined) return true;
    // As it is after the lookup: one that missed its record dropped the cache read by offsets.
    const { records } = this;
    // A string of its own: a Buffer `value` may be a view of a much larger block.
    const bytes = typeof value === 'string' ? value : value.toString('latin1');
    // Not read yet (a delivery's ENVELOPE, most often): no offsets to learn, no index to write for it.
    if (this.appends.empty) this.owner.cacheChanged(this.offsets.placing);
    if (this.hinted && isStamped(field) && (this.owner.index.byBaseName(base)?.cacheAt ?? -1) >= 0) this.restamped = true;
    this.appends.add(this.placed(base, field, bytes, records));
    // Loaded: found at once (touchCache() lets other folders' caches go first, never this one).
    // Not loaded: the record still goes to the file, where the next load finds it.
    if (records) touchCache(this, records.bytes);
    return records !== undefined;
  }

  /**
   * set() for one field of many messages (a chunk of a first FETCH ENVELOPE): appended and told
   * to the memory budget once. Null values are left out. False: nothing kept, set() each instead.
   */
  setMany(field: string, bases: readonly string[], values: ReadonlyArray<string | null>): boolean {
    const { records } = this;
    // Loaded by offsets, a lookup may drop the cache (distrust()): each then goes by set().
    if (this.retired || !records || this.hinted || bases.some(unrecordable)) return false;
    let text = '';
    for (let i = 0; i < bases.length; i++) {
      const value = values[i];
      if (value === null || value === undefined || records.value(bases[i]!, field) !== undefined) continue;
      if (text === '' && this.appends.empty) this.owner.cacheChanged(this.offsets.placing);
      text += this.placed(bases[i]!, field, value, records);
    }
    if (text !== '') this.appends.add(text);
    touchCache(this, records.bytes);
    return true;
  }

  /** A record placed at the file's end, for the appends; in memory too when loaded. */
  private placed(base: string, field: string, bytes: string, records: FieldRecords | undefined): string {
    const record = this.offsets.place(base, field, bytes);
    this.meanwhile?.push({ base, field, value: bytes, at: this.offsets.placedAt, previous: this.offsets.placedAfter, length: record.length });
    records?.add(base, field, bytes, this.offsets.placedAt, this.offsets.placedAfter);
    return record;
  }

  /** Writes the gathered appends. */
  flush(): Promise<void> {
    return this.appends.flush();
  }

  /**
   * The folder is being deleted: nothing more is written (an append landing while its directory
   * is removed would make the removal fail); resolves when a write under way is done.
   */
  retire(): Promise<void> {
    this.retired = true;
    return this.appends.retire();
  }

  /** Drops the in-memory copy (the file stays). */
  unload(): void {
    this.records = undefined;
    this.loading = undefined;
    this.hinted = false;
    this.restamped = false;
    this.hintedBy = { index: undefined, removals: 0 };
    forgetCache(this);
  }

  /**
   * Rewrites the file with only the messages still in the folder, when that is worth it
   * (cacheCompaction.ts); one whose records do not all name the one before them (a file of an
   * earlier version, or appends made before it was read) so that the index can keep offsets into it.
   */
  async compact(live: ReadonlySet<string>): Promise<void> {
    // Loaded by the offsets, the records of messages gone are not known: go through the file, if
    // any went (the offsets keep serving meanwhile).
    if (this.hinted) {
      const { index } = this.owner;
      if (!this.restamped && index === this.hintedBy.index && index.removals === this.hintedBy.removals) return;
      this.restamped = false;
      const hinted = this.records;
      const whole = await this.read(false);
      // Let go meanwhile (memory budget): the next load reads the file again.
      if (this.records !== hinted) return;
      this.keep(whole.records);
    }
    const records = this.records;
    if (!records) return;
    if (!compactionDue(records, live, this.offsets.unlinked)) return;
    await this.flush();
    // Let go meanwhile (memory budget): the file stays as it is until the next load.
    if (this.records !== records) return;
    const text = this.offsets.rewrite(records, live);
    const compacted = new FieldRecords(text);
    compacted.read(0, text.length);
    this.records = compacted;
    // Every value appended since the reading is in the new file already.
    this.appends.drop();
    touchCache(this, compacted.bytes);
    await this.appends.after(() =>
      writeFileAtomic(join(this.folderDir, CACHE_FILE), Buffer.from(text, 'latin1')).then(
        () => this.offsets.rewritten(text.length),
        () => this.offsets.failed(),
      ),
    );
  }

  /** Reads the file, by the index's offsets when they describe it, else going through it all. */
  private async load(): Promise<void> {
    const { records, hinted } = await this.read(true);
    if (!hinted) return this.keep(records);
    this.records = records;
    this.hinted = true;
    this.hintedBy = { index: this.owner.index, removals: this.owner.index.removals };
    touchCache(this, records.bytes);
  }

  private keep(records: FieldRecords): void {
    this.records = records;
    this.hinted = false;
    touchCache(this, records.bytes);
  }

  /**
   * Reads the file in turn with the appends (those queued first, those queued meanwhile after),
   * so its size is the one the offsets are set to and no append lands while a record cut short
   * is cut off. `byOffsets`: taken as it is when it has the size the index was written with
   * (its offsets each checked when used), else gone through as a whole. Fields set meanwhile are added.
   */
  private read(byOffsets: boolean): Promise<{ records: FieldRecords; hinted: boolean }> {
    void this.flush();
    // Appended after the reading from here on; the size the index vouches for before any of them.
    const meanwhile: Placed[] = (this.meanwhile = []);
    const vouched = this.owner.index.cacheSize;
    return this.appends.after(async () => {
      try {
        // No file yet: an empty cache. In one piece: a FETCH after a restart searches it at once.
        const text = await readByteString(join(this.folderDir, CACHE_FILE)).catch(() => '');
        const hinted = byOffsets && text.length > 0 && vouched === text.length;
        const { records, size } = hinted ? { records: new FieldRecords(text), size: text.length } : await readRecords(text);
        // A record cut short by a crash is cut off, or every later append would be lost behind it.
        if (size < text.length && !this.retired) await writeFileAtomic(join(this.folderDir, CACHE_FILE), Buffer.from(text.slice(0, size), 'latin1')).catch(() => undefined);
        let placed = 0;
        for (const p of meanwhile) {
          records.add(p.base, p.field, p.value, p.at, p.previous);
          placed += p.length;
        }
        this.offsets.read(size, hinted ? undefined : records, placed);
        return { records, hinted };
      } finally {
        if (this.meanwhile === meanwhile) this.meanwhile = undefined;
      }
    });
  }
}
