/**
 * A folder's cache of fields worked out from its messages (ENVELOPE, BODYSTRUCTURE, …), kept
 * in `maillab-cache` beside the index, like Dovecot's dovecot.index.cache: after a restart the
 * first `FETCH 1:* ENVELOPE` reads one file instead of every message. A message file never
 * changes once delivered (only its name does), so entries are keyed by its base name and never
 * go stale; entries of expunged messages are dropped when the file is rewritten.
 *
 * Records are appended as "<base> <field> <length>\n<bytes>\n". The cache may always be lost:
 * a record cut short by a crash ends the reading, and a missing file is an empty cache.
 * Loaded caches share one memory budget; the least recently used ones are let go.
 */
import { appendFile, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../files/atomicWrite.js';

export const CACHE_FILE = 'maillab-cache';
/** Memory all loaded caches may take together. */
const BUDGET = 64 * 1024 * 1024;
/** Appends are gathered and written together. */
const WRITE_AT = 256 * 1024;
const APPEND_DELAY_MS = 100;

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
  private entries: Map<string, Map<string, Buffer>> | undefined;
  private loading: Promise<void> | undefined;
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private bytes = 0;
  private flushQueued = false;
  private writing: Promise<void> = Promise.resolve();
  private retired = false;

  constructor(private readonly folderDir: string) {}

  /** A cached field of a message, reading the cache file the first time. */
  async get(base: string, field: string): Promise<Buffer | undefined> {
    await this.ready();
    return this.peek(base, field);
  }

  /** Resolves once the cache file is in memory (read the first time only). */
  async ready(): Promise<void> {
    if (!this.entries) await (this.loading ??= this.load());
  }

  /** A cached field, if the file is in memory already (after ready()): no waiting. */
  peek(base: string, field: string): Buffer | undefined {
    return this.entries?.get(base)?.get(field);
  }

  /** Every cached field of a message. */
  async all(base: string): Promise<ReadonlyMap<string, Buffer>> {
    if (!this.entries) await (this.loading ??= this.load());
    return this.entries?.get(base) ?? new Map();
  }

  /** Keeps a field; it reaches the file with the next batch of appends. */
  set(base: string, field: string, value: Buffer): void {
    if (this.retired || base.includes(' ') || base.includes('\n')) return;
    if (this.entries) {
      let fields = this.entries.get(base);
      if (!fields) this.entries.set(base, (fields = new Map()));
      if (fields.has(field)) return;
      fields.set(field, value);
    }
    // Not loaded: the record still goes to the file, where the next load finds it.
    // Copied into a record of its own: `value` may be a view of a much larger block.
    const record = Buffer.concat([Buffer.from(`${base} ${field} ${value.length}\n`, 'utf8'), value, NEWLINE]);
    this.pending.push(record);
    this.pendingBytes += record.length;
    if (this.entries) {
      this.bytes += record.length;
      touch(this, this.bytes);
    }
    if (this.pendingBytes >= WRITE_AT) void this.flush();
    else if (!this.flushQueued) {
      // A moment later rather than at the next turn: a FETCH of thousands of new messages
      // yields often, and an append per turn would be hundreds of small writes.
      this.flushQueued = true;
      setTimeout(() => void this.flush(), APPEND_DELAY_MS).unref();
    }
  }

  /** Writes the gathered appends. */
  flush(): Promise<void> {
    this.flushQueued = false;
    if (this.retired || this.pending.length === 0) return this.writing;
    const data = Buffer.concat(this.pending);
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
    this.entries = undefined;
    this.loading = undefined;
    this.bytes = 0;
  }

  /**
   * Rewrites the file with only the messages still in the folder, when most of it is about
   * messages long gone.
   */
  async compact(live: ReadonlySet<string>): Promise<void> {
    if (!this.entries) return;
    let stale = 0;
    for (const base of this.entries.keys()) if (!live.has(base)) stale++;
    if (stale < 100 || stale < this.entries.size / 2) return;
    await this.flush();
    const records: Buffer[] = [];
    for (const [base, fields] of this.entries) {
      if (!live.has(base)) {
        this.entries.delete(base);
        continue;
      }
      for (const [field, value] of fields) records.push(Buffer.from(`${base} ${field} ${value.length}\n`, 'utf8'), value, NEWLINE);
    }
    const data = Buffer.concat(records);
    this.bytes = data.length;
    touch(this, this.bytes);
    this.writing = this.writing.then(() => writeFileAtomic(join(this.folderDir, CACHE_FILE), data).catch(() => undefined));
    await this.writing;
  }

  private async load(): Promise<void> {
    await this.flush();
    let data: Buffer;
    try {
      data = await readFile(join(this.folderDir, CACHE_FILE));
    } catch {
      data = Buffer.alloc(0);
    }
    const entries = new Map<string, Map<string, Buffer>>();
    let pos = 0;
    // Read byte by byte rather than a regex per record: a restart's first FETCH waits on this.
    while (pos < data.length) {
      const record = recordAt(data, pos);
      if (!record) break;
      let fields = entries.get(record.base);
      if (!fields) entries.set(record.base, (fields = new Map()));
      fields.set(record.field, data.subarray(record.start, record.end));
      pos = record.end + 1;
    }
    // A record cut short by a crash: cut it off, or every later append would be lost behind it.
    if (pos < data.length) await writeFileAtomic(join(this.folderDir, CACHE_FILE), data.subarray(0, pos)).catch(() => undefined);
    this.entries = entries;
    this.bytes = data.length;
    touch(this, this.bytes);
  }
}

/** The record "<base> <field> <length>\n<bytes>\n" at `pos`, or undefined if it is cut short or damaged. */
function recordAt(data: Buffer, pos: number): { base: string; field: string; start: number; end: number } | undefined {
  const nl = data.indexOf(NEWLINE_BYTE, pos);
  const space1 = data.indexOf(SPACE_BYTE, pos);
  const space2 = space1 === -1 ? -1 : data.indexOf(SPACE_BYTE, space1 + 1);
  if (nl === -1 || space1 <= pos || space2 <= space1 + 1 || space2 >= nl - 1) return undefined;
  let length = 0;
  for (let i = space2 + 1; i < nl; i++) {
    const digit = data[i]! - 0x30;
    if (digit < 0 || digit > 9 || length > Number.MAX_SAFE_INTEGER / 10) return undefined;
    length = length * 10 + digit;
  }
  const start = nl + 1;
  const end = start + length;
  if (end >= data.length || data[end] !== NEWLINE_BYTE) return undefined;
  return { base: data.toString('utf8', pos, space1), field: data.toString('latin1', space1 + 1, space2), start, end };
}

const NEWLINE_BYTE = 0x0a;
const SPACE_BYTE = 0x20;
const NEWLINE = Buffer.from('\n');
