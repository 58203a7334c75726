/**
 * Readable text of a message for SEARCH: header values with RFC 2047 encoded words decoded,
 * and text parts with their transfer encoding and charset undone. Matching is then a
 * case-insensitive substring test on real characters, as Dovecot does.
 */
import { parseAddressList } from './addresses.js';
import { headerValue } from './header.js';
import type { MimePart } from './parse.js';

/** Byte string (latin1) -> Unicode, trying UTF-8 first for raw 8-bit text. */
function bytesToText(bytes: Buffer, charset = 'utf-8'): string {
  try {
    return new TextDecoder(charset.toLowerCase(), { fatal: false }).decode(bytes);
  } catch {
    // An unknown charset: latin1 keeps every octet as some character.
    return bytes.toString('latin1');
  }
}

/** Decodes RFC 2047 encoded words in a header value (given as a byte string). */
export function decodeHeaderValue(value: string): string {
  const words = /=\?([^?\s]+)\?([bBqQ])\?([^?\s]*)\?=/g;
  let out = '';
  let last = 0;
  let lastWasWord = false;
  for (let m = words.exec(value); m; m = words.exec(value)) {
    const between = value.slice(last, m.index);
    // Whitespace between two encoded words is not part of the text (RFC 2047 §6.2).
    if (!(lastWasWord && /^\s*$/.test(between))) out += bytesToText(Buffer.from(between, 'latin1'));
    const charset = m[1]!.split('*')[0]!;
    const data = m[2]!.toUpperCase() === 'B' ? Buffer.from(m[3]!, 'base64') : decodeQ(m[3]!);
    out += bytesToText(data, charset);
    last = m.index + m[0].length;
    lastWasWord = true;
  }
  return out + bytesToText(Buffer.from(value.slice(last), 'latin1'));
}

function decodeQ(text: string): Buffer {
  return decodeQuotedPrintable(Buffer.from(text.replace(/_/g, ' '), 'latin1'));
}

export function decodeQuotedPrintable(data: Buffer): Buffer {
  const out = Buffer.alloc(data.length);
  let o = 0;
  for (let i = 0; i < data.length; i++) {
    const c = data[i]!;
    if (c !== 0x3d) {
      out[o++] = c;
      continue;
    }
    const hex = data.subarray(i + 1, i + 3).toString('latin1');
    if (/^[0-9A-Fa-f]{2}$/.test(hex)) {
      out[o++] = parseInt(hex, 16);
      i += 2;
    } else if (data[i + 1] === 0x0d && data[i + 2] === 0x0a) i += 2; // soft line break
    else if (data[i + 1] === 0x0a) i += 1;
    else out[o++] = c;
  }
  return out.subarray(0, o);
}

/** The decoded text of every text part (and of enclosed messages), for BODY and TEXT. */
export function bodyText(wire: Buffer, part: MimePart): string {
  if (part.type === 'multipart') return part.children.map((c) => bodyText(wire, c)).join('\n');
  if (part.message) return `${headersText(part.message)}\n${bodyText(wire, part.message)}`;
  const raw = wire.subarray(part.bodyStart, part.end);
  if (part.type !== 'text') return '';
  const encoding = (headerValue(part.fields, 'content-transfer-encoding') ?? '7bit').toLowerCase();
  const decoded = encoding === 'base64' ? Buffer.from(raw.toString('latin1'), 'base64') : encoding === 'quoted-printable' ? decodeQuotedPrintable(raw) : raw;
  const charset = part.params.find(([k]) => k === 'charset')?.[1] ?? 'us-ascii';
  return bytesToText(decoded, charset === 'us-ascii' ? 'utf-8' : charset);
}

/** All header fields as "name: decoded value" lines. */
export function headersText(part: MimePart): string {
  return part.fields.map((f) => `${f.name}: ${decodeHeaderValue(f.value)}`).join('\n');
}

/**
 * An address header as Dovecot searches it: each address rebuilt from its parsed parts, as
 * "Name <local@domain>", groups as "group: members;", so comments and odd spacing inside an
 * address do not hide it from "FROM user@domain.org".
 */
export function addressText(value: string): string {
  const addresses = parseAddressList(value);
  // Nothing readable as an address: search the text itself.
  if (addresses.length === 0) return decodeHeaderValue(value);
  const out: string[] = [];
  let inGroup = false;
  for (const a of addresses) {
    if (a.host === null) {
      if (a.mailbox !== null) {
        out.push(`${decodeHeaderValue(a.mailbox)}:`);
        inGroup = true;
      } else if (inGroup) {
        out.push(';');
        inGroup = false;
      }
      continue;
    }
    // The placeholders the parser writes for a missing part are not text to search.
    const spec = [a.mailbox, a.host].filter((p) => p !== 'MISSING_MAILBOX' && p !== 'MISSING_DOMAIN').join('@');
    out.push(a.name ? `${decodeHeaderValue(a.name)} <${spec}>` : spec);
  }
  return out.join(' ');
}
