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

  constructor(private readonly folderDir: string) {}

  /** A cached field of a message, reading the cache file the first time. */
  async get(base: string, field: string): Promise<Buffer | undefined> {
    if (!this.entries) await (this.loading ??= this.load());
    return this.entries?.get(base)?.get(field);
  }

  /** Every cached field of a message. */
  async all(base: string): Promise<ReadonlyMap<string, Buffer>> {
    if (!this.entries) await (this.loading ??= this.load());
    return this.entries?.get(base) ?? new Map();
  }

  /** Keeps a field; it reaches the file with the next batch of appends. */
  set(base: string, field: string, value: Buffer): void {
    if (base.includes(' ') || base.includes('\n')) return;
    if (this.entries) {
      let fields = this.entries.get(base);
      if (!fields) this.entries.set(base, (fields = new Map()));
      if (fields.has(field)) return;
      fields.set(field, value);
    }
    // Not loaded: the record still goes to the file, where the next load finds it.
    const record = Buffer.concat([Buffer.from(`${base} ${field} ${value.length}\n`, 'utf8'), value, NEWLINE]);
    this.pending.push(record);
    this.pendingBytes += record.length;
    if (this.entries) {
      this.bytes += record.length;
      touch(this, this.bytes);
    }
    if (this.pendingBytes >= WRITE_AT) void this.flush();
    else if (!this.flushQueued) {
      this.flushQueued = true;
      setImmediate(() => void this.flush());
    }
  }

  /** Writes the gathered appends. */
  flush(): Promise<void> {
    this.flushQueued = false;
    if (this.pending.length === 0) return this.writing;
    const data = Buffer.concat(this.pending);
    this.pending = [];
    this.pendingBytes = 0;
    this.writing = this.writing.then(() => appendFile(join(this.folderDir, CACHE_FILE), data).catch(() => undefined));
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
    while (pos < data.length) {
      const nl = data.indexOf(NEWLINE_BYTE, pos);
      const m = nl === -1 ? null : /^(\S+) (\S+) (\d+)$/.exec(data.toString('utf8', pos, nl));
      if (!m) break;
      const start = nl + 1;
      const end = start + Number(m[3]);
      if (end >= data.length || data[end] !== NEWLINE_BYTE) break;
      let fields = entries.get(m[1]!);
      if (!fields) entries.set(m[1]!, (fields = new Map()));
      fields.set(m[2]!, data.subarray(start, end));
      pos = end + 1;
    }
    // A record cut short by a crash: cut it off, or every later append would be lost behind it.
    if (pos < data.length) await writeFileAtomic(join(this.folderDir, CACHE_FILE), data.subarray(0, pos)).catch(() => undefined);
    this.entries = entries;
    this.bytes = data.length;
    touch(this, this.bytes);
  }
}

const NEWLINE_BYTE = 0x0a;
const NEWLINE = Buffer.from('\n');
