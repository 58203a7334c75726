/**
 * The records of a folder's field cache in memory (fieldCache.ts keeps the file). The file is
 * held as one byte string (latin1: a character per octet) and a value is handed out as a slice
 * of it: V8 makes that a view, not a copy, and the response writer joins byte strings without
 * a Buffer for each. A restart's first FETCH waits for the reading, so it makes no string or
 * object per record but the message's base name (a map key): per record, a few numbers in
 * typed arrays.
 */

/**
 * "<base> <field> <length>\n": the base name in ASCII (the usual case) or in any other bytes
 * (UTF-8, for a file someone named by hand), then the value's length in digits.
 */
const RECORD_HEAD = /(?:([!-~]+)|([^ \n]+)) ([^ \n]+) (\d{1,15})\n/y;
const NEWLINE = 0x0a;
const NOT_ASCII = /[^\x00-\x7f]/;

/** A record as the file has it, a byte string: "<base> <field> <length>\n<value>\n". */
export function recordText(base: string, field: string, value: string): string {
  const head = `${base} ${field} ${value.length}\n`;
  return `${NOT_ASCII.test(head) ? Buffer.from(head, 'utf8').toString('latin1') : head}${value}\n`;
}

export class FieldRecords {
  /**
   * Per record: where its value starts and ends in the text (a value added after the reading
   * is late[-1 - start]), its field (a number, from the names met) and the message's previous
   * record. Per message, its last record.
   */
  private starts: Int32Array;
  private ends: Int32Array;
  private fieldIds: Int32Array;
  private previous: Int32Array;
  private count = 0;
  private readonly lastOf = new Map<string, number>();
  private readonly fieldNames: string[] = [];
  private readonly late: string[] = [];
  private lateBytes = 0;

  constructor(private readonly text: string) {
    // Room for a record per 256 bytes (about an ENVELOPE record); grown when there are more.
    const capacity = Math.max(64, text.length >> 8);
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
      this.note(head[1] ?? Buffer.from(head[2]!, 'latin1').toString('utf8'), head[3]!, start, end);
      pos = end + 1;
    }
    return pos;
  }

  /** A value kept after the reading (it reaches the file separately). */
  add(base: string, field: string, value: string): void {
    this.note(base, field, -1 - this.late.length, 0);
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

  private valueAt(r: number): string {
    const start = this.starts[r]!;
    return start >= 0 ? this.text.slice(start, this.ends[r]!) : this.late[-1 - start]!;
  }

  private note(base: string, field: string, start: number, end: number): void {
    if (this.count === this.starts.length) this.grow();
    const r = this.count++;
    let id = this.fieldNames.indexOf(field);
    if (id === -1) id = this.fieldNames.push(field) - 1;
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
    this.starts = larger(this.starts);
    this.ends = larger(this.ends);
    this.fieldIds = larger(this.fieldIds);
    this.previous = larger(this.previous);
  }
}
