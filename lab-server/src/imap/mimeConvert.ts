/**
 * Rewriting the leaf parts of a message while every other octet (headers, preambles,
 * delimiters, epilogues) stays as it was. Two uses, both from RFC 3516 BINARY:
 * - a message APPENDed as a literal8 may hold NULs and bare CRs, which a Maildir of text lines
 *   cannot keep: such parts are stored base64-encoded (as Dovecot does), and BINARY[...] gives
 *   their octets back;
 * - URLFETCH ... BINARY of a whole enclosed message decodes every part of it.
 */
import { decodeBody } from './binary.js';
import type { HeaderField } from './mime/header.js';
import type { MimePart } from './mime/parse.js';

export interface PartChange {
  body: Buffer;
  /** The new Content-Transfer-Encoding, or undefined to keep the header as it is. */
  encoding?: string;
}

/** The message with some leaf parts replaced; `change` returns undefined for a part to keep. */
export function rewriteLeaves(wire: Buffer, root: MimePart, change: (part: MimePart) => PartChange | undefined): Buffer {
  const out: Buffer[] = [];
  const emit = (part: MimePart): void => {
    if (part.children.length > 0) {
      out.push(wire.subarray(part.headerStart, part.bodyStart));
      let at = part.bodyStart;
      for (const child of part.children) {
        out.push(wire.subarray(at, child.headerStart));
        emit(child);
        at = child.end;
      }
      out.push(wire.subarray(at, part.end));
    } else if (part.message) {
      out.push(wire.subarray(part.headerStart, part.bodyStart));
      emit(part.message);
    } else {
      const changed = change(part);
      if (!changed) out.push(wire.subarray(part.headerStart, part.end));
      else {
        out.push(changed.encoding === undefined ? wire.subarray(part.headerStart, part.bodyStart) : withEncoding(wire, part, changed.encoding));
        out.push(changed.body);
      }
    }
  };
  emit(root);
  return Buffer.concat(out);
}

/** A part's header with its Content-Transfer-Encoding field set to `encoding`. */
function withEncoding(wire: Buffer, part: MimePart, encoding: string): Buffer {
  const line = Buffer.from(`Content-Transfer-Encoding: ${encoding}`, 'latin1');
  const field = part.fields.find((f: HeaderField) => f.name === 'content-transfer-encoding');
  if (field) return Buffer.concat([wire.subarray(part.headerStart, field.start), line, wire.subarray(field.end, part.bodyStart)]);
  // No such field: add it as the header's last line, before the blank line.
  const blank = part.bodyStart >= part.headerStart + 2 && wire[part.bodyStart - 2] === 0x0d ? part.bodyStart - 2 : part.bodyStart;
  return Buffer.concat([wire.subarray(part.headerStart, blank), line, CRLF, wire.subarray(blank, part.bodyStart)]);
}

const CRLF = Buffer.from('\r\n');

/** Octets a line-based text store cannot keep: NUL, or a CR or LF that is not part of a CRLF. */
function needsEncoding(body: Buffer): boolean {
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    if (c === 0) return true;
    if (c === 0x0d && body[i + 1] !== 0x0a) return true;
    if (c === 0x0a && body[i - 1] !== 0x0d) return true;
  }
  return false;
}

/** Base64 in lines of 76 characters, as MIME writes it. */
function base64Lines(data: Buffer): Buffer {
  const text = data.toString('base64');
  const lines: string[] = [];
  for (let i = 0; i < text.length; i += 76) lines.push(text.slice(i, i + 76));
  return Buffer.from(lines.length > 0 ? `${lines.join('\r\n')}\r\n` : '', 'latin1');
}

/** A part's Content-Transfer-Encoding, lower case (7bit when it has none). */
export const encodingOf = (part: MimePart): string => (part.fields.find((f) => f.name === 'content-transfer-encoding')?.value ?? '7bit').toLowerCase();

/**
 * The form a literal8 message is stored in: every leaf part declared "binary", or holding
 * octets a text line cannot, is re-encoded as base64. Undefined when nothing needs it.
 */
export function storableForm(wire: Buffer, root: MimePart): Buffer | undefined {
  let changed = false;
  const result = rewriteLeaves(wire, root, (part) => {
    const body = wire.subarray(part.bodyStart, part.end);
    if (encodingOf(part) !== 'binary' && !needsEncoding(body)) return undefined;
    changed = true;
    return { body: base64Lines(body), encoding: 'base64' };
  });
  return changed ? result : undefined;
}

/**
 * A message (or enclosed message) with every base64 and quoted-printable part decoded. With
 * `relabel` the parts say "binary" from then on (the octets a client gets); without, their
 * headers stay as stored, which is what Dovecot describes in a BODYPARTSTRUCTURE.
 */
export function decodedForm(wire: Buffer, root: MimePart, relabel: boolean): Buffer {
  return rewriteLeaves(wire, root, (part) => {
    const encoding = encodingOf(part);
    if (encoding !== 'base64' && encoding !== 'quoted-printable') return undefined;
    const decoded = decodeBody(wire.subarray(part.bodyStart, part.end), encoding);
    if (!decoded || !('data' in decoded)) return undefined;
    return { body: decoded.data, encoding: relabel ? 'binary' : undefined };
  });
}
