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
 *
 * A restart's first FETCH waits for the load, so loading copies nothing out of the file: it
 * notes where each record's bytes lie (typed arrays, a number per record) and one map entry
 * per message; a field becomes a Buffer only when it is asked for.
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
  /** The file as loaded; undefined until then (and after unload). */
  private records: Records | undefined;
  /** Fields set since the load (they are in the file too once flushed). */
  private added = new Map<string, Map<string, Buffer>>();
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
    if (!this.records) await (this.loading ??= this.load());
  }

  /** A cached field, if the file is in memory already (after ready()): no waiting. */
  peek(base: string, field: string): Buffer | undefined {
    if (!this.records) return undefined;
    if (this.added.size > 0) {
      const late = this.added.get(base)?.get(field);
      if (late) return late;
    }
    return this.records.value(base, field);
  }

  /** Every cached field of a message. */
  async all(base: string): Promise<ReadonlyMap<string, Buffer>> {
    await this.ready();
    const fields = this.records?.fieldsOf(base) ?? new Map<string, Buffer>();
    for (const [field, value] of this.added.get(base) ?? []) fields.set(field, value);
    return fields;
  }

  /**
   * Keeps a field (bytes, or a byte string: one character per octet); it reaches the file with
   * the next batch of appends.
   */
  set(base: string, field: string, value: Buffer | string): void {
    if (this.retired || base.includes(' ') || base.includes('\n')) return;
    if (this.records && this.peek(base, field)) return;
    // Written into a record of its own, and kept as a view of it: `value` may be a view of a
    // much larger block, and one buffer per record is cheaper than three.
    const head = `${base} ${field} ${value.length}\n`;
    const start = Buffer.byteLength(head);
    const record = Buffer.allocUnsafe(start + value.length + 1);
    record.write(head, 0, 'utf8');
    if (typeof value === 'string') record.write(value, start, 'latin1');
    else record.set(value, start);
    record[record.length - 1] = NEWLINE_BYTE;
    if (this.records) {
      // Loaded: found at once. Not loaded: the record still goes to the file, where the next load finds it.
      let fields = this.added.get(base);
      if (!fields) this.added.set(base, (fields = new Map()));
      fields.set(field, record.subarray(start, start + value.length));
    }
    this.pending.push(record);
    this.pendingBytes += record.length;
    if (this.records) {
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
    this.records = undefined;
    this.added = new Map();
    this.loading = undefined;
    this.bytes = 0;
  }

  /**
   * Rewrites the file with only the messages still in the folder, when most of it is about
   * messages long gone.
   */
  async compact(live: ReadonlySet<string>): Promise<void> {
    const records = this.records;
    if (!records) return;
    const bases = new Set([...records.bases(), ...this.added.keys()]);
    let stale = 0;
    for (const base of bases) if (!live.has(base)) stale++;
    if (stale < 100 || stale < bases.size / 2) return;
    await this.flush();
    // Let go meanwhile (memory budget): the file stays as it is until the next load.
    if (this.records !== records) return;
    const parts: Buffer[] = [];
    for (const base of bases) {
      if (!live.has(base)) continue;
      const fields = records.fieldsOf(base);
      for (const [field, value] of this.added.get(base) ?? []) fields.set(field, value);
      for (const [field, value] of fields) parts.push(Buffer.from(`${base} ${field} ${value.length}\n`, 'utf8'), value, NEWLINE);
    }
    const data = Buffer.concat(parts);
    this.records = Records.read(data).records;
    this.added = new Map();
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
    const { records, end } = Records.read(data);
    // A record cut short by a crash: cut it off, or every later append would be lost behind it.
    if (end < data.length) await writeFileAtomic(join(this.folderDir, CACHE_FILE), data.subarray(0, end)).catch(() => undefined);
    this.records = records;
    this.added = new Map();
    this.bytes = data.length;
    touch(this, this.bytes);
  }
}

/**
 * Where the records of a loaded file lie. Per record: where its value starts and ends, its
 * field (a number, from the names met) and the message's previous record; per message, its
 * last record.
 */
class Records {
  private starts: Int32Array;
  private ends: Int32Array;
  private fieldIds: Int32Array;
  private previous: Int32Array;
  private count = 0;
  private readonly lastOf = new Map<string, number>();
  private readonly fieldNames: string[] = [];

  private constructor(
    private readonly data: Buffer,
    capacity: number,
  ) {
    this.starts = new Int32Array(capacity);
    this.ends = new Int32Array(capacity);
    this.fieldIds = new Int32Array(capacity);
    this.previous = new Int32Array(capacity);
  }

  /** Reads the records of a file up to the first one cut short or damaged (`end`). */
  static read(data: Buffer): { records: Records; end: number } {
    // Room for a record per 256 bytes (about an ENVELOPE record); grown when there are more.
    const records = new Records(data, Math.max(64, data.length >> 8));
    let pos = 0;
    while (pos < data.length) {
      const next = records.add(pos);
      if (next === -1) break;
      pos = next;
    }
    return { records, end: pos };
  }

  /** The value of a message's field, or undefined. */
  value(base: string, field: string): Buffer | undefined {
    const id = this.fieldNames.indexOf(field);
    if (id === -1) return undefined;
    for (let r = this.lastOf.get(base) ?? -1; r !== -1; r = this.previous[r]!) {
      if (this.fieldIds[r] === id) return this.data.subarray(this.starts[r]!, this.ends[r]!);
    }
    return undefined;
  }

  /** Every field of a message (the last record of a field wins, as in value()). */
  fieldsOf(base: string): Map<string, Buffer> {
    const fields = new Map<string, Buffer>();
    for (let r = this.lastOf.get(base) ?? -1; r !== -1; r = this.previous[r]!) {
      const name = this.fieldNames[this.fieldIds[r]!]!;
      if (!fields.has(name)) fields.set(name, this.data.subarray(this.starts[r]!, this.ends[r]!));
    }
    return fields;
  }

  bases(): IterableIterator<string> {
    return this.lastOf.keys();
  }

  /**
   * Notes the record "<base> <field> <length>\n<bytes>\n" at `pos`; where the next one starts,
   * or -1 if this one is cut short or damaged. Its first line is read byte by byte in this one
   * loop: an indexOf() call per space costs more than the bytes it skips.
   */
  private add(pos: number): number {
    const { data } = this;
    let space1 = -1;
    let space2 = -1;
    let ascii = true;
    let length = 0;
    let digits = 0;
    let i = pos;
    for (; i < data.length; i++) {
      const c = data[i]!;
      if (c === NEWLINE_BYTE) break;
      if (space2 !== -1) {
        const digit = c - 0x30;
        if (digit < 0 || digit > 9 || ++digits > 15) return -1;
        length = length * 10 + digit;
      } else if (c === SPACE_BYTE) {
        if (space1 === -1) space1 = i;
        else space2 = i;
      } else if (c > 0x7f && space1 === -1) ascii = false;
    }
    const nl = i;
    if (nl === data.length || space1 <= pos || space2 <= space1 + 1 || digits === 0) return -1;
    const start = nl + 1;
    const end = start + length;
    if (end >= data.length || data[end] !== NEWLINE_BYTE) return -1;
    if (this.count === this.starts.length) this.grow();
    const r = this.count++;
    // Base names are ASCII but for a file someone named by hand; read as what they are.
    const base = data.toString(ascii ? 'latin1' : 'utf8', pos, space1);
    this.starts[r] = start;
    this.ends[r] = end;
    this.fieldIds[r] = this.fieldId(space1 + 1, space2);
    this.previous[r] = this.lastOf.get(base) ?? -1;
    this.lastOf.set(base, r);
    return end + 1;
  }

  /** The number of the field named by data[from, to): compared as bytes, no string made for each record. */
  private fieldId(from: number, to: number): number {
    for (let id = 0; id < this.fieldNames.length; id++) {
      const name = this.fieldNames[id]!;
      if (name.length !== to - from) continue;
      let i = 0;
      while (i < name.length && name.charCodeAt(i) === this.data[from + i]) i++;
      if (i === name.length) return id;
    }
    this.fieldNames.push(this.data.toString('latin1', from, to));
    return this.fieldNames.length - 1;
  }

  private grow(): void {
    const larger = (old: Int32Array): Int32Array => {
      const next = new Int32Array(old.length * 2);
      next.set(old);
      return next;
    };
    this.starts = larger(this.starts);
    this.ends = larger(this.ends);
    this.fieldIds = larger(this.fieldIds);
    this.previous = larger(this.previous);
  }
}

const NEWLINE_BYTE = 0x0a;
const SPACE_BYTE = 0x20;
const NEWLINE = Buffer.from('\n');
