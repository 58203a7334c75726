/**
 * BINARY (RFC 3516): a part's content with its Content-Transfer-Encoding undone by the server,
 * so a client gets an attachment's octets without decoding base64 itself. The whole message,
 * a multipart and an enclosed message are given with every leaf inside decoded, as Dovecot does.
 */
import type { MessageView } from './mime/cache.js';
import { unfold } from './mime/header.js';
import { partAt } from './mime/sections.js';
import { rootOf, type PartRef } from './mime/table.js';

export type BinaryContent =
  /**
   * `binary`: decoded from base64 or quoted-printable, or holding NUL. Dovecot 2.3 sends such
   * content as a literal8, ~{n}, even a slice of it without NUL (RFC 3516 lets the server choose).
   */
  | { data: Buffer; binary?: boolean }
  /** The part uses an encoding the server cannot undo: NO [UNKNOWN-CTE]. */
  | { unknownEncoding: string }
  /** The message has no such part. */
  | undefined;

/** The encodings whose octets are the content as they stand. */
const IDENTITY = new Set(['7bit', '8bit', 'binary']);

/** [colon, end] of a part's Content-Transfer-Encoding field: the last one, as Dovecot 2.3 reads it. */
function encodingField(wire: Buffer, part: PartRef): [number, number] | undefined {
  let found: [number, number] | undefined;
  for (const [start, colon, end] of part.fields()) {
    if (wire.toString('latin1', start, colon).trim().toLowerCase() === 'content-transfer-encoding') found = [colon, end];
  }
  return found;
}

/** A part's Content-Transfer-Encoding, lower-cased, its comments left out ("base64 (sent by x)"); 7bit when absent. */
export function transferEncoding(wire: Buffer, part: PartRef): string {
  const field = encodingField(wire, part);
  if (!field) return '7bit';
  const value = unfold(wire.toString('latin1', field[0] + 1, field[1])).replace(/\([^()]*\)/g, ' ').trim();
  return value.split(/[\s;]+/)[0]!.toLowerCase() || '7bit';
}

/** What BINARY[path] names. */
export function binaryContent(view: MessageView, path: readonly number[]): BinaryContent {
  const part = partAt(view.table, path);
  if (part === undefined) return undefined;
  if (part === null) return decodedInside(view.wire, rootOf(view.table), 0, view.wire.length);
  if (part.isMultipart || part.message) return decodedInside(view.wire, part, part.bodyStart, part.end);
  const content = decodeBody(view.wire.subarray(part.bodyStart, part.end), transferEncoding(view.wire, part));
  return 'data' in content! ? { data: content.data, binary: content.binary || content.data.includes(0) } : content;
}

/**
 * The bytes [from, to) of a part with parts inside (the whole message, a multipart, a
 * message/rfc822), as Dovecot 2.3 gives them to BINARY: each leaf inside whose body is base64 or
 * quoted-printable decoded, its Content-Transfer-Encoding made "binary"; the rest as stored.
 */
function decodedInside(wire: Buffer, top: PartRef, from: number, to: number): BinaryContent {
  const edits: Array<[number, number, Buffer]> = [];
  let unknown: string | undefined;
  const visit = (part: PartRef): void => {
    if (part.isMultipart) for (let n = 1, child = part.child(1); child; child = part.child(++n)) visit(child);
    else if (part.message) visit(part.message);
    else {
      const field = encodingField(wire, part);
      const encoding = transferEncoding(wire, part);
      const content = decodeBody(wire.subarray(part.bodyStart, part.end), encoding);
      if (content && 'unknownEncoding' in content) unknown ??= content.unknownEncoding;
      // An empty body too is said to be binary then, as Dovecot says it.
      else if (field && content && !IDENTITY.has(encoding)) edits.push([field[0] + 1, field[1], Buffer.from(' binary')], [part.bodyStart, part.end, content.data]);
    }
  };
  visit(top);
  if (unknown !== undefined) return { unknownEncoding: unknown };
  const pieces: Buffer[] = [];
  let at = from;
  for (const [start, end, bytes] of edits) {
    pieces.push(wire.subarray(at, start), bytes);
    at = end;
  }
  pieces.push(wire.subarray(at, to));
  const data = edits.length === 0 ? wire.subarray(from, to) : Buffer.concat(pieces);
  return { data, binary: edits.length > 0 || data.includes(0) };
}

export function decodeBody(body: Buffer, encoding: string): BinaryContent {
  if (IDENTITY.has(encoding)) return { data: body };
  // An empty body needs no decoding: Dovecot sends it as {0}.
  if (encoding === 'base64') return { data: Buffer.from(body.toString('latin1').replace(/[^A-Za-z0-9+/]/g, ''), 'base64'), binary: body.length > 0 };
  if (encoding === 'quoted-printable') return { data: decodeQuotedPrintableLines(body), binary: body.length > 0 };
  return { unknownEncoding: encoding };
}

/**
 * Quoted-printable as RFC 2045 §6.7 reads it: white space at a line's end is transport padding
 * and goes; "=" at a line's end joins the line to the next; other lines end in CRLF.
 */
export function decodeQuotedPrintableLines(body: Buffer): Buffer {
  const out: number[] = [];
  const lines = body.toString('latin1').split(/\r?\n/);
  lines.forEach((raw, i) => {
    let line = raw.replace(/[ \t]+$/, '');
    const soft = line.endsWith('=');
    if (soft) line = line.slice(0, -1);
    for (let j = 0; j < line.length; j++) {
      const hex = line[j] === '=' ? line.slice(j + 1, j + 3) : '';
      if (/^[0-9A-Fa-f]{2}$/.test(hex)) {
        out.push(parseInt(hex, 16));
        j += 2;
      } else out.push(line.charCodeAt(j));
    }
    if (!soft && i < lines.length - 1) out.push(0x0d, 0x0a);
  });
  return Buffer.from(out);
}

/** What introduces a literal of fetched content: literal8 ~{n} when it holds NUL, which a plain literal may not, or `binary` content. */
export function literalHead(bytes: Buffer, binary = false): string {
  return `${binary || bytes.includes(0) ? '~' : ''}{${bytes.length}}\r\n`;
}

/**
 * Content for a plain literal {n}, which may not hold NUL (RFC 3501 CHAR8): each NUL goes out as
 * 0x80, as Dovecot 2.3 sends it in BODY[...]; BINARY gives the octets themselves. Copied only then.
 */
export function withoutNul(bytes: Buffer): Buffer {
  if (!bytes.includes(0)) return bytes;
  const copy = Buffer.from(bytes);
  for (let at = copy.indexOf(0); at !== -1; at = copy.indexOf(0, at + 1)) copy[at] = 0x80;
  return copy;
}

/** A literal for fetched content, its head and octets joined. */
export function contentLiteral(bytes: Buffer): Buffer {
  return Buffer.concat([Buffer.from(literalHead(bytes)), bytes]);
}
