/**
 * The records of a folder's field cache in memory (fieldCache.ts keeps the file). The file is
 * held as one byte string (latin1: a character per octet) and a value is handed out as a slice
 * of it: V8 makes that a view, not a copy, and the response writer joins byte strings without
 * a Buffer for each. A restart's first FETCH waits for the reading, so it makes no string or
 * object per record but the message's base name (a map key): per record, a few numbers in
 * typed arrays.
 */

/**
 * "<base> <field> <length>[ <previous>]\n": the base name in ASCII (the usual case) or in any
 * other bytes (UTF-8, for a file someone named by hand), the value's length, and where the
 * message's record before this one starts (none for its first, and in files of earlier versions).
 */
const RECORD_HEAD = /(?:([!-~]+)|([^ \n]+)) ([^ \n]+) (\d{1,15})(?: (\d{1,15}))?\n/y;
/** A record's head after its base name: read where the index says the record starts. */
const REST_OF_HEAD = /([^ \n]+) (\d{1,15})(?: (\d{1,15}))?\n/y;
const NEWLINE = 0x0a;
const SPACE = 0x20;
const NOT_ASCII = /[^\x00-\x7f]/;
/** A big file is gone through a slice per turn of the event loop, so other sessions' requests go on meanwhile. */
const READ_SLICE = 2 * 1024 * 1024;

/** A record as the file has it, a byte string: "<base> <field> <length>[ <previous>]\n<value>\n". */
export function recordText(base: string, field: string, value: string, previous = -1): string {
  const head = `${base} ${field} ${value.length}${previous >= 0 ? ` ${previous}` : ''}\n`;
  return `${NOT_ASCII.test(head) ? Buffer.from(head, 'utf8').toString('latin1') : head}${value}\n`;
}

/** Goes through a whole file's text, a slice per turn; `size`: where its records stop being whole (a crash cut one short). */
export async function readRecords(text: string): Promise<{ records: FieldRecords; size: number }> {
  const records = new FieldRecords(text);
  let pos = 0;
  for (;;) {
    const to = Math.min(text.length, pos + READ_SLICE);
    pos = records.read(pos, to);
    if (pos < to || pos >= text.length) break;
    await new Promise((resolve) => setImmediate(resolve));
  }
  return { records, size: pos };
}

export class FieldRecords {
  /**
   * Per record: where it starts in the file, where its value starts and ends in the text (a
   * value added after the reading is late[-1 - start]), its field (a number, from the names met)
   * and the message's previous record. Per message, its last record.
   */
  private heads: Int32Array;
  private starts: Int32Array;
  private ends: Int32Array;
  private fieldIds: Int32Array;
  private previous: Int32Array;
  private count = 0;
  private readonly lastOf = new Map<string, number>();
  private readonly fieldNames: string[] = [];
  private readonly late: string[] = [];
  private lateBytes = 0;
  /** Records added after the reading (past the text's end), by where each starts: where the message's record before it starts. */
  private readonly lateBefore = new Map<number, number>();
  /** Every record read names the one before it of its message: the file's chains are whole. */
  linked = true;
  /** Where headAt() found the value and the previous record. */
  private found = { start: 0, end: 0, previous: -1 };

  constructor(private readonly text: string) {
    // Room for a record per 256 bytes (about an ENVELOPE record); grown when there are more.
    const capacity = Math.max(64, text.length >> 8);
    this.heads = new Int32Array(capacity);
    this.starts = new Int32Array(capacity);
    this.ends = new Int32Array(capacity);
    this.fieldIds = new Int32Array(capacity);
    this.previous = new Int32Array(capacity);
  }

  /** Bytes held: the file as read and the values added since. */
  get bytes(): number {
    return this.text.length + this.lateBytes;
  }

  /**
   * Notes the records of the text that start before `to`, from `pos` on (a record start);
   * returns where the next one starts, or where a damaged or cut-short one does (before `to`).
   */
  read(pos: number, to: number): number {
    const { text } = this;
    while (pos < to) {
      RECORD_HEAD.lastIndex = pos;
      const head = RECORD_HEAD.exec(text);
      if (head === null) return pos;
      const start = pos + head[0].length;
      const end = start + Number(head[4]);
      if (end >= text.length || text.charCodeAt(end) !== NEWLINE) return pos;
      // Base names are ASCII but for a file someone named by hand; read as what they are.
      const base = head[1] ?? Buffer.from(head[2]!, 'latin1').toString('utf8');
      const before = this.lastOf.get(base);
      if ((head[5] === undefined ? -1 : Number(head[5])) !== (before === undefined ? -1 : this.heads[before]!)) this.linked = false;
      this.note(base, head[3]!, pos, start, end);
      pos = end + 1;
    }
    return pos;
  }

  /**
   * A value kept after the reading (it reaches the file separately, its record starting at `at`
   * and naming the message's record before it, at `previous`): a chain from the index's offset
   * passes through it to the records read.
   */
  add(base: string, field: string, value: string, at: number, previous: number): void {
    if (at >= this.text.length && previous < at) this.lateBefore.set(at, previous);
    this.note(base, field, at, -1 - this.late.length, 0);
    this.late.push(value);
    this.lateBytes += value.length;
  }

  /** The value of a message's field (its last record), or undefined. */
  value(base: string, field: string): string | undefined {
    const id = this.fieldNames.indexOf(field);
    if (id === -1) return undefined;
    for (let r = this.lastOf.get(base) ?? -1; r !== -1; r = this.previous[r]!) {
      if (this.fieldIds[r] === id) return this.valueAt(r);
    }
    return undefined;
  }

  /** Every field of a message (the last record of a field wins, as in value()). */
  fieldsOf(base: string): Map<string, string> {
    const fields = new Map<string, string>();
    for (let r = this.lastOf.get(base) ?? -1; r !== -1; r = this.previous[r]!) {
      const name = this.fieldNames[this.fieldIds[r]!]!;
      if (!fields.has(name)) fields.set(name, this.valueAt(r));
    }
    return fields;
  }

  bases(): IterableIterator<string> {
    return this.lastOf.keys();
  }

  /** The field names met, read or added. */
  get names(): readonly string[] {
    return this.fieldNames;
  }

  /** The field names a message has records of, read or added. */
  namesOf(base: string): Set<string> {
    const names = new Set<string>();
    for (let r = this.lastOf.get(base) ?? -1; r !== -1; r = this.previous[r]!) names.add(this.fieldNames[this.fieldIds[r]!]!);
    return names;
  }

  /** Where the last record of a message read or added starts in the file (-1: none). */
  lastAt(base: string): number {
    const r = this.lastOf.get(base);
    return r === undefined ? -1 : this.heads[r]!;
  }

  /**
   * A field of a message found by following its records back from the one at `at` (an offset
   * the folder index kept), each checked to be a whole record of this message: nothing read
   * into maps. Records added since the reading are passed over (value() has them). Undefined
   * when the field is not there; null when a record is not where the chain says (the file is
   * not what the offsets describe).
   */
  chained(base: string, field: string, at: number): string | undefined | null {
    while (at >= 0) {
      at = this.readAt(at);
      if (at < 0) return undefined;
      const head = this.headAt(base, at);
      if (head === null) return null;
      if (head[1] === field) return this.text.slice(this.found.start, this.found.end);
      at = this.found.previous;
    }
    return undefined;
  }

  /** chained() for every field of the message, added to `into` when not there yet; false for a broken chain. */
  chainedFields(base: string, at: number, into: Map<string, string>): boolean {
    while (at >= 0) {
      at = this.readAt(at);
      if (at < 0) return true;
      const head = this.headAt(base, at);
      if (head === null) return false;
      if (!into.has(head[1]!)) into.set(head[1]!, this.text.slice(this.found.start, this.found.end));
      at = this.found.previous;
    }
    return true;
  }

  /** The first record at or before `at` that was read (not added since): -1 when there is none. */
  private readAt(at: number): number {
    for (let before = this.lateBefore.get(at); before !== undefined; before = this.lateBefore.get(at)) at = before;
    return at;
  }

  /**
   * The head of a whole record of `base` starting at `at` (field, length, previous record), its
   * value's place and the previous record in `found`; null when there is none. A previous
   * record must come earlier, so a chain always ends.
   */
  private headAt(base: string, at: number): RegExpExecArray | null {
    const { text } = this;
    if (at < 0 || at >= text.length || (at > 0 && text.charCodeAt(at - 1) !== NEWLINE)) return null;
    // As the file has it: a base name not in ASCII is there in UTF-8.
    let name = base;
    if (!text.startsWith(name, at)) {
      if (!NOT_ASCII.test(base)) return null;
      name = Buffer.from(base, 'utf8').toString('latin1');
      if (!text.startsWith(name, at)) return null;
    }
    if (text.charCodeAt(at + name.length) !== SPACE) return null;
    REST_OF_HEAD.lastIndex = at + name.length + 1;
    const head = REST_OF_HEAD.exec(text);
    if (head === null) return null;
    const start = REST_OF_HEAD.lastIndex;
    const end = start + Number(head[2]);
    const previous = head[3] === undefined ? -1 : Number(head[3]);
    if (end >= text.length || text.charCodeAt(end) !== NEWLINE || previous >= at) return null;
    this.found.start = start;
    this.found.end = end;
    this.found.previous = previous;
    return head;
  }

  private valueAt(r: number): string {
    const start = this.starts[r]!;
    return start >= 0 ? this.text.slice(start, this.ends[r]!) : this.late[-1 - start]!;
  }

  private note(base: string, field: string, head: number, start: number, end: number): void {
    if (this.count === this.starts.length) this.grow();
    const r = this.count++;
    let id = this.fieldNames.indexOf(field);
    if (id === -1) id = this.fieldNames.push(field) - 1;
    this.heads[r] = head;
    this.starts[r] = start;
    this.ends[r] = end;
    this.fieldIds[r] = id;
    this.previous[r] = this.lastOf.get(base) ?? -1;
    this.lastOf.set(base, r);
  }

  private grow(): void {
    const larger = (old: Int32Array): Int32Array => {
      const next = new Int32Array(old.length * 2);
      next.set(old);
      return next;
    };
    this.heads = larger(this.heads);
    this.starts = larger(this.starts);
    this.ends = larger(this.ends);
    this.fieldIds = larger(this.fieldIds);
    this.previous = larger(this.previous);
  }
}
