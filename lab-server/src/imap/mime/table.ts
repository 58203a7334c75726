/**
 * The MIME tree as flat tables of offsets: what the main thread keeps of a parsed message. A
 * few typed arrays cost almost nothing to send from a worker thread or to keep in the cache,
 * where thousands of little objects would cost time at every step.
 */
import type { MimePart } from './parse.js';

export interface PartTable {
  /** Per part, STRIDE numbers: see the H_ ... constants. Part 0 is the message. */
  parts: Int32Array;
  /** Part numbers of children, referred to by a part's kids range. */
  kids: Int32Array;
  /** Per header field, three offsets: start, colon, end (without the CRLF). */
  fields: Int32Array;
}

const STRIDE = 8;
const HEADER_START = 0;
const BODY_START = 1;
const END = 2;
const KIDS_AT = 3;
const KIDS = 4;
/** Part number of the message inside a message/rfc822 part, or -1. */
const MESSAGE = 5;
const FIELDS_AT = 6;
const FIELDS = 7;

/** Flattens a parsed tree (depth first, the message first). */
export function tableOf(root: MimePart): PartTable {
  const parts: MimePart[] = [];
  const number = new Map<MimePart, number>();
  const visit = (p: MimePart): void => {
    number.set(p, parts.length);
    parts.push(p);
    p.children.forEach(visit);
    if (p.message) visit(p.message);
  };
  visit(root);
  const table: PartTable = {
    parts: new Int32Array(parts.length * STRIDE),
    kids: new Int32Array(parts.reduce((n, p) => n + p.children.length, 0)),
    fields: new Int32Array(parts.reduce((n, p) => n + p.fields.length, 0) * 3),
  };
  let kidsAt = 0;
  let fieldsAt = 0;
  parts.forEach((p, i) => {
    const row = table.parts.subarray(i * STRIDE, (i + 1) * STRIDE);
    row.set([p.headerStart, p.bodyStart, p.end, kidsAt, p.children.length, p.message ? number.get(p.message)! : -1, fieldsAt, p.fields.length]);
    for (const child of p.children) table.kids[kidsAt++] = number.get(child)!;
    for (const f of p.fields) table.fields.set([f.start, f.colon, f.end], 3 * fieldsAt++);
  });
  return table;
}

/** Bytes a table takes. */
export function tableBytes(t: PartTable): number {
  return t.parts.byteLength + t.kids.byteLength + t.fields.byteLength;
}

/** Reads one part of a table. */
export class PartRef {
  constructor(
    private readonly t: PartTable,
    readonly index: number,
  ) {}

  private at(field: number): number {
    return this.t.parts[this.index * STRIDE + field]!;
  }

  get headerStart(): number {
    return this.at(HEADER_START);
  }

  get bodyStart(): number {
    return this.at(BODY_START);
  }

  get end(): number {
    return this.at(END);
  }

  /** A multipart always has at least one child; any other part has none. */
  get isMultipart(): boolean {
    return this.at(KIDS) > 0;
  }

  /** The nth child (1-based) of a multipart. */
  child(n: number): PartRef | undefined {
    if (n < 1 || n > this.at(KIDS)) return undefined;
    return new PartRef(this.t, this.t.kids[this.at(KIDS_AT) + n - 1]!);
  }

  /** The message inside a message/rfc822 part. */
  get message(): PartRef | undefined {
    const m = this.at(MESSAGE);
    return m === -1 ? undefined : new PartRef(this.t, m);
  }

  /** [start, colon, end] of each header field of this part, in order. */
  *fields(): Generator<[number, number, number]> {
    const from = this.at(FIELDS_AT);
    for (let i = 0; i < this.at(FIELDS); i++) {
      const at = 3 * (from + i);
      yield [this.t.fields[at]!, this.t.fields[at + 1]!, this.t.fields[at + 2]!];
    }
  }
}

export function rootOf(t: PartTable): PartRef {
  return new PartRef(t, 0);
}
