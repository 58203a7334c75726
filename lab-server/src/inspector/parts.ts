/**
 * A message's MIME parts as the inspector lists them — each with the IMAP section number that
 * names it in FETCH BODY[...] (numbered exactly as imap/mime/sections.ts walks the tree) and its
 * own BODYSTRUCTURE — and a part's body with its transfer encoding undone.
 */
import { serialize } from '../imap/response.js';
import { headerValue, parseStructured } from '../imap/mime/header.js';
import { countLines, type MimePart } from '../imap/mime/parse.js';
import { bodyStructureOf } from '../imap/mime/structure.js';
import { decodeHeaderValue, decodeQuotedPrintable } from '../imap/mime/text.js';

export interface PartView {
  /** "" for the whole message, else "1", "1.2", "2.1" ... */
  section: string;
  depth: number;
  type: string;
  params: Array<[string, string]>;
  charset?: string;
  encoding: string;
  disposition?: string;
  filename?: string;
  contentId?: string;
  /** Body octets on the wire, and its lines. */
  size: number;
  lines: number;
  /** Where the part's header and body start in the wire form (CRLF lines). */
  headerStart: number;
  bodyStart: number;
  end: number;
  /** This part's BODYSTRUCTURE, as the IMAP server sends it. */
  bodyStructure: string;
}

/** Parts listed at most: a hostile message's 10,000 parts are counted, not all drawn. */
export const MAX_LISTED_PARTS = 500;

export function encodingOf(part: MimePart): string {
  return (headerValue(part.fields, 'content-transfer-encoding') ?? '7bit').toLowerCase().trim();
}

function describe(wire: Buffer, part: MimePart, section: string, depth: number): PartView {
  const disposition = headerValue(part.fields, 'content-disposition');
  const parsedDisposition = disposition ? parseStructured(disposition) : undefined;
  const param = (list: Array<[string, string]> | undefined, name: string): string | undefined => list?.find(([k]) => k === name || k === `${name}*`)?.[1];
  const filename = param(parsedDisposition?.params, 'filename') ?? param(part.params, 'name');
  const contentId = headerValue(part.fields, 'content-id');
  return {
    section,
    depth,
    type: `${part.type}/${part.subtype}`,
    params: part.params,
    ...(param(part.params, 'charset') ? { charset: param(part.params, 'charset')! } : {}),
    encoding: encodingOf(part),
    ...(parsedDisposition?.value ? { disposition: parsedDisposition.value } : {}),
    ...(filename ? { filename: decodeHeaderValue(filename.replace(/^[\w-]+'[\w-]*'/, '')) } : {}),
    ...(contentId ? { contentId: contentId.replace(/^<|>$/g, '') } : {}),
    size: part.end - part.bodyStart,
    lines: countLines(wire, part.bodyStart, part.end),
    headerStart: part.headerStart,
    bodyStart: part.bodyStart,
    end: part.end,
    bodyStructure: serialize(bodyStructureOf(wire, part, true)).toString('latin1'),
  };
}

/**
 * Every part in document order with its section number, and how many there are in all. The
 * numbering follows RFC 3501 §6.4.5: a multipart's children are n, n.1 ...; a message/rfc822
 * part's enclosed message is numbered below it; a single-part message's body is section 1.
 */
export function listParts(wire: Buffer, root: MimePart): { parts: PartView[]; total: number } {
  const parts: PartView[] = [describe(wire, root, '', 0)];
  let total = 1;
  const visit = (part: MimePart, path: number[]): void => {
    total++;
    if (parts.length < MAX_LISTED_PARTS) parts.push(describe(wire, part, path.join('.'), path.length));
    const inner = part.type === 'multipart' ? part.children : part.message ? (part.message.type === 'multipart' ? part.message.children : [part.message]) : [];
    inner.forEach((child, i) => visit(child, [...path, i + 1]));
  };
  if (root.type === 'multipart') root.children.forEach((child, i) => visit(child, [i + 1]));
  else visit(root, [1]);
  return { parts, total };
}

const fromMessage = (m: MimePart, n: number): MimePart | undefined => (m.type === 'multipart' ? m.children[n - 1] : n === 1 ? m : undefined);
const fromPart = (p: MimePart, n: number): MimePart | undefined => (p.type === 'multipart' ? p.children[n - 1] : p.message ? fromMessage(p.message, n) : undefined);

/** The part a section number names, stepping as sections.ts does. */
export function partAt(root: MimePart, section: string): MimePart | undefined {
  if (section === '') return root;
  let part: MimePart | undefined = root;
  for (const [i, n] of section.split('.').map(Number).entries()) {
    if (!Number.isInteger(n) || n < 1) return undefined;
    part = i === 0 ? fromMessage(root, n) : fromPart(part!, n);
    if (!part) return undefined;
  }
  return part;
}

/** A part's body with its transfer encoding undone (base64, quoted-printable; others as they are). */
export function decodedBody(wire: Buffer, part: MimePart): Buffer {
  const raw = wire.subarray(part.bodyStart, part.end);
  const encoding = encodingOf(part);
  if (encoding === 'base64') return Buffer.from(raw.toString('latin1').replace(/[^A-Za-z0-9+/=]/g, ''), 'base64');
  if (encoding === 'quoted-printable') return decodeQuotedPrintable(raw);
  return raw;
}

/** Bytes to text in the part's charset (UTF-8 when it names none or one we do not know). */
export function bodyText(bytes: Buffer, charset: string | undefined): string {
  try {
    return new TextDecoder(!charset || charset.toLowerCase() === 'us-ascii' ? 'utf-8' : charset.toLowerCase()).decode(bytes);
  } catch {
    return new TextDecoder('utf-8').decode(bytes);
  }
}
