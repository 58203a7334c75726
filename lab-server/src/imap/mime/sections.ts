/**
 * BODY[section]: which octets of a message a section names (RFC 3501 §6.4.5). Part numbers
 * walk into multiparts and through message/rfc822 parts; HEADER, TEXT and HEADER.FIELDS
 * apply to the message (or to an enclosed message), MIME to a part's own header.
 */
import { astringBytes } from '../response.js';
import { ArgumentError, textOf } from '../schema.js';
import type { Token } from '../parser.js';
import { rootOf, type PartRef, type PartTable } from './table.js';

export type SectionKind = '' | 'HEADER' | 'HEADER.FIELDS' | 'HEADER.FIELDS.NOT' | 'TEXT' | 'MIME';

export interface Section {
  path: number[];
  kind: SectionKind;
  /** Lower-case field names for HEADER.FIELDS (.NOT). */
  fields: string[];
  /** The section as echoed in the response, e.g. "1.HEADER.FIELDS (SUBJECT)". */
  label: string;
}

const SECTION_HELP = 'Sections are empty (the whole message), HEADER, TEXT, HEADER.FIELDS (FROM SUBJECT), a part number like 1 or 1.2, or a part number with .MIME, .HEADER or .TEXT';

/** Reads what stood inside BODY[...]. */
export function parseSection(tokens: readonly Token[]): Section {
  if (tokens.length === 0) return { path: [], kind: '', fields: [], label: '' };
  const first = tokens[0]!;
  if (first.type !== 'atom' || first.section) throw new ArgumentError(`Invalid section. ${SECTION_HELP}`);
  const words = first.value.toUpperCase().split('.');
  const path: number[] = [];
  while (words.length > 0 && /^\d+$/.test(words[0]!)) {
    const n = Number(words.shift());
    if (n < 1 || n > 100_000) throw new ArgumentError('Part numbers start at 1');
    path.push(n);
  }
  if (path.length > 64) throw new ArgumentError('Section part path is too deep');
  const kind = words.join('.') as SectionKind;
  if (!['', 'HEADER', 'HEADER.FIELDS', 'HEADER.FIELDS.NOT', 'TEXT', 'MIME'].includes(kind)) {
    throw new ArgumentError(`Unknown section "${first.value.slice(0, 40)}". ${SECTION_HELP}`);
  }
  if (kind === 'MIME' && path.length === 0) throw new ArgumentError('MIME needs a part number, e.g. BODY[1.MIME]');
  if (kind === '' && path.length === 0) throw new ArgumentError(`Invalid section. ${SECTION_HELP}`);
  const wantsFields = kind === 'HEADER.FIELDS' || kind === 'HEADER.FIELDS.NOT';
  if (!wantsFields) {
    if (tokens.length > 1) throw new ArgumentError(`Only HEADER.FIELDS takes a list of field names in a section`);
    return { path, kind, fields: [], label: first.value.toUpperCase() };
  }
  const list = tokens[1];
  if (tokens.length !== 2 || !list || list.type !== 'list' || list.items.length === 0) {
    throw new ArgumentError(`${kind} needs a list of header field names, e.g. BODY[${kind} (FROM SUBJECT)]`);
  }
  const names = list.items.map((t) => textOf(t, 'header field name'));
  if (names.some((n) => !/^[\x21-\x39\x3b-\x7e]+$/.test(n))) throw new ArgumentError('Header field names are letters, digits and dashes, e.g. Subject');
  const label = `${first.value.toUpperCase()} (${names.map((n) => astringBytes(n.toUpperCase()).toString('latin1')).join(' ')})`;
  return { path, kind, fields: names.map((n) => n.toLowerCase()), label };
}

/**
 * The part a path of part numbers names: null for the empty path (the message), undefined if
 * none. As Dovecot 2.3 walks it (imap-msgpart.c): n is a multipart's nth child; any other part
 * answers only to 1, itself, and only at the path's end, unless it is a message/rfc822, whose
 * enclosed message the next number walks into. So a single-part message's 1 is its body, and
 * 1.1 names nothing; a multipart's 1.1 is its first child again when that is a plain part.
 */
export function partAt(table: PartTable, path: readonly number[]): PartRef | null | undefined {
  if (path.length === 0) return null;
  let part: PartRef | undefined = rootOf(table);
  for (const [i, n] of path.entries()) {
    const more = i < path.length - 1;
    if (part.isMultipart) part = part.child(n);
    else if (n !== 1 || (more && !part.message)) return undefined;
    if (!part) return undefined;
    if (more && part.message) part = part.message;
  }
  return part;
}

/** The octets a section names, or undefined when the message has no such part. */
export function sectionBytes(wire: Buffer, table: PartTable, section: Section): Buffer | undefined {
  const root = rootOf(table);
  const part = partAt(table, section.path) ?? undefined;
  if (part === undefined && section.path.length > 0) return undefined;
  if (section.kind === '') return part ? wire.subarray(part.bodyStart, part.end) : wire;
  if (section.kind === 'MIME') return wire.subarray(part!.headerStart, part!.bodyStart);
  // HEADER, TEXT and HEADER.FIELDS name a message: the top one, or one inside a part.
  const message = part ? part.message : root;
  if (!message) return undefined;
  if (section.kind === 'HEADER') return wire.subarray(message.headerStart, message.bodyStart);
  if (section.kind === 'TEXT') return wire.subarray(message.bodyStart, message.end);
  const wanted = new Set(section.fields);
  const keep = section.kind === 'HEADER.FIELDS';
  const lines: Buffer[] = [];
  for (const [start, colon, end] of message.fields()) {
    const name = wire.toString('latin1', start, colon).trim().toLowerCase();
    if (wanted.has(name) === keep) lines.push(wire.subarray(start, end), CRLF);
  }
  lines.push(CRLF);
  return Buffer.concat(lines);
}

const CRLF = Buffer.from('\r\n');
