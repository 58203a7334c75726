/**
 * A folder's cache of fields worked out from its messages (ENVELOPE, BODYSTRUCTURE, …), kept
 * in `maillab-cache` beside the index, like Dovecot's dovecot.index.cache: after a restart the
 * first `FETCH 1:* ENVELOPE` reads one file instead of every message. A message file never
 * changes once delivered (only its name does), so entries are keyed by its base name and never
 * go stale; entries of expunged messages are dropped when the file is rewritten.
 *
 * Records are appended as "<base> <field> <length>\n<bytes>\n". The cache may always be lost:
 * a record cut short by a crash ends the reading, and a missing file is an empty cache.
 * Loaded caches share one memory budget; the least recently used ones are let go. Values are
 * byte strings (latin1: a character per octet); fieldRecords.ts has the file in memory.
 */
import { appendFile, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../files/atomicWrite.js';
import { FieldRecords, recordText } from './fieldRecords.js';

export const CACHE_FILE = 'maillab-cache';
/** Memory all loaded caches may take together. */
const BUDGET = 64 * 1024 * 1024;
/** Appends are gathered and written together. */
const WRITE_AT = 256 * 1024;
const APPEND_DELAY_MS = 100;
/** A big file is read a slice per turn of the event loop, so other sessions' requests go on meanwhile. */
const READ_SLICE = 2 * 1024 * 1024;

const loaded = new Map<FieldCache, number>();
let loadedBytes = 0;

function touch(cache: FieldCache, bytes: number): void {
  loadedBytes += bytes - (loaded.get(cache) ?? 0);
  loaded.delete(cache);
  loaded.set(cache, bytes);
  for (const [other, size] of loaded) {
    if (loadedBytes <= BUDGET || other === cache) break;
    loaded.delete(other);
    loadedBytes -= size;
    other.unload();
  }
}

export class FieldCache {
  /** The file as loaded, and the fields set since; undefined until then (and after unload). */
  private records: FieldRecords | undefined;
  private loading: Promise<void> | undefined;
  /** Records not yet appended to the file, as byte strings. */
  private pending: string[] = [];
  private pendingBytes = 0;
  private flushQueued = false;
  private writing: Promise<void> = Promise.resolve();
  private retired = false;

  constructor(private readonly folderDir: string) {}

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

  /** A cached field, if the file is in memory already (after ready()): no waiting. */
  peek(base: string, field: string): string | undefined {
    return this.records?.value(base, field);
  }

  /** Every cached field of a message. */
  async all(base: string): Promise<ReadonlyMap<string, string>> {
    await this.ready();
    return this.records?.fieldsOf(base) ?? new Map<string, string>();
  }

  /**
   * Keeps a field (bytes, or a byte string: one character per octet); it reaches the file with
   * the next batch of appends. True when it is in memory now (peek() finds it): the cache is loaded.
   */
  set(base: string, field: string, value: Buffer | string): boolean {
    if (this.retired || base.includes(' ') || base.includes('\n')) return false;
    const { records } = this;
    if (records && records.value(base, field) !== undefined) return true;
    // A string of its own: a Buffer `value` may be a view of a much larger block.
    const bytes = typeof value === 'string' ? value : value.toString('latin1');
    const record = recordText(base, field, bytes);
    this.pending.push(record);
    this.pendingBytes += record.length;
    // Loaded: found at once. Not loaded: the record still goes to the file, where the next load finds it.
    if (records) {
      records.add(base, field, bytes);
      touch(this, records.bytes);
    }
    if (this.pendingBytes >= WRITE_AT) void this.flush();
    else if (!this.flushQueued) {
      // A moment later rather than at the next turn: a FETCH of thousands of new messages
      // yields often, and an append per turn would be hundreds of small writes.
      this.flushQueued = true;
      setTimeout(() => void this.flush(), APPEND_DELAY_MS).unref();
    }
    // touch() lets other folders' caches go first, never this one.
    return records !== undefined;
  }

  /** Writes the gathered appends. */
  flush(): Promise<void> {
    this.flushQueued = false;
    if (this.retired || this.pending.length === 0) return this.writing;
    const data = Buffer.from(this.pending.join(''), 'latin1');
    this.pending = [];
    this.pendingBytes = 0;
    this.writing = this.writing.then(() => appendFile(join(this.folderDir, CACHE_FILE), data).catch(() => undefined));
    return this.writing;
  }

  /**
   * The folder is being deleted: nothing more is written (an append landing while its directory
   * is removed would make the removal fail); resolves when a write under way is done.
   */
  retire(): Promise<void> {
    this.retired = true;
    this.pending = [];
    this.pendingBytes = 0;
    return this.writing;
  }

  /** Drops the in-memory copy (the file stays). */
  unload(): void {
    this.records = undefined;
    this.loading = undefined;
  }

  /**
   * Rewrites the file with only the messages still in the folder, when most of it is about
   * messages long gone.
   */
  async compact(live: ReadonlySet<string>): Promise<void> {
    const records = this.records;
    if (!records) return;
    let bases = 0;
    let stale = 0;
    for (const base of records.bases()) {
      bases++;
      if (!live.has(base)) stale++;
    }
    if (stale < 100 || stale < bases / 2) return;
    await this.flush();
    // Let go meanwhile (memory budget): the file stays as it is until the next load.
    if (this.records !== records) return;
    const parts: string[] = [];
    for (const base of records.bases()) {
      if (!live.has(base)) continue;
      for (const [field, value] of records.fieldsOf(base)) parts.push(recordText(base, field, value));
    }
    const text = parts.join('');
    const compacted = new FieldRecords(text);
    compacted.read(0, text.length);
    this.records = compacted;
    touch(this, compacted.bytes);
    this.writing = this.writing.then(() => writeFileAtomic(join(this.folderDir, CACHE_FILE), Buffer.from(text, 'latin1')).catch(() => undefined));
    await this.writing;
  }

  private async load(): Promise<void> {
    await this.flush();
    const path = join(this.folderDir, CACHE_FILE);
    let text = '';
    try {
      text = await readFile(path, 'latin1');
    } catch {
      // No file yet: an empty cache.
    }
    const records = new FieldRecords(text);
    let pos = 0;
    for (;;) {
      const to = Math.min(text.length, pos + READ_SLICE);
      pos = records.read(pos, to);
      if (pos < to || pos >= text.length) break;
      await new Promise((resolve) => setImmediate(resolve));
    }
    // A record cut short by a crash: cut it off, or every later append would be lost behind it.
    if (pos < text.length && !this.retired) await writeFileAtomic(path, Buffer.from(text.slice(0, pos), 'latin1')).catch(() => undefined);
    this.records = records;
    touch(this, records.bytes);
  }
}
