/**
 * What FETCH can ask for (RFC 3501 §6.4.5, RFC 3516 BINARY, RFC 7162 MODSEQ): the data items
 * and macros, parsed once into a list the FETCH command, NOTIFY's MessageNew and the session
 * share. A leaf below the command modules, so that the command contract can name its type.
 */
import { parseSection, type Section } from './mime/sections.js';
import type { PartialRange } from './partial.js';
import type { Token } from './parser.js';
import { ArgumentError, describe } from './schema.js';

type SimpleItem = 'UID' | 'FLAGS' | 'INTERNALDATE' | 'RFC822.SIZE' | 'ENVELOPE' | 'BODYSTRUCTURE' | 'BODY' | 'MODSEQ';

export type FetchItem =
  | { kind: SimpleItem }
  | { kind: 'section'; section: Section; peek: boolean; partial?: PartialRange; responseName: string }
  /** BINARY[part] and BINARY.SIZE[part] (RFC 3516): the content decoded, or its size. */
  | { kind: 'binary'; path: number[]; peek: boolean; partial?: PartialRange; responseName: string }
  | { kind: 'binarySize'; path: number[]; responseName: string };

const SIMPLE = new Set<string>(['UID', 'FLAGS', 'INTERNALDATE', 'RFC822.SIZE', 'ENVELOPE', 'BODYSTRUCTURE', 'BODY', 'MODSEQ']);
const MACROS: Record<string, SimpleItem[]> = {
  ALL: ['FLAGS', 'INTERNALDATE', 'RFC822.SIZE', 'ENVELOPE'],
  FAST: ['FLAGS', 'INTERNALDATE', 'RFC822.SIZE'],
  FULL: ['FLAGS', 'INTERNALDATE', 'RFC822.SIZE', 'ENVELOPE', 'BODY'],
};
const ITEM_HELP = 'Items are FLAGS, UID, INTERNALDATE, RFC822.SIZE, ENVELOPE, BODYSTRUCTURE, MODSEQ, BODY[...], BODY.PEEK[...], BINARY[...], BINARY.PEEK[...], BINARY.SIZE[...], RFC822, RFC822.HEADER, RFC822.TEXT, or ALL, FAST, FULL';
const MAX_OFFSET = 0xffffffff;

/** Reads FETCH's data items: one item, a macro, or a parenthesised list of items. */
export function parseFetchItems(tokens: readonly Token[]): FetchItem[] {
  if (tokens.length > 1) throw new ArgumentError('Put several data items in parentheses, e.g. (FLAGS UID ENVELOPE)');
  const only = tokens[0]!;
  if (only.type === 'atom' && !only.section && MACROS[only.value.toUpperCase()]) {
    return MACROS[only.value.toUpperCase()]!.map((kind) => ({ kind }));
  }
  const list = only.type === 'list' ? only.items : [only];
  if (list.length === 0) throw new ArgumentError(`Name at least one data item. ${ITEM_HELP}`);
  return withoutRepeats(list.map(parseItem));
}

/**
 * An item named twice is answered once, as Dovecot 2.3 does: (FLAGS FLAGS) gives one FLAGS,
 * and so do RFC822, RFC822.HEADER and RFC822.TEXT. Sections (BODY[...], BINARY[...],
 * BINARY.SIZE[...]) are answered each time asked, as Dovecot answers them too. RFC 3501 and
 * 9051 allow either; a client that keeps the last value seen works with both.
 */
function withoutRepeats(items: FetchItem[]): FetchItem[] {
  const seen = new Set<string>();
  return items.filter((item) => {
    if (item.kind === 'binary' || item.kind === 'binarySize') return true;
    if (item.kind === 'section' && item.responseName.startsWith('BODY[')) return true;
    const name = item.kind === 'section' ? item.responseName : item.kind;
    if (seen.has(name)) return false;
    seen.add(name);
    return true;
  });
}

function parseItem(token: Token): FetchItem {
  if (token.type !== 'atom') throw new ArgumentError(`"${describe(token)}" is not a data item. ${ITEM_HELP}`);
  const name = token.value.toUpperCase();
  if (token.section && name.startsWith('BINARY')) return parseBinaryItem(name, token.section, token.partial);
  if (token.section) {
    if (name !== 'BODY' && name !== 'BODY.PEEK') throw new ArgumentError(`Only BODY[...], BODY.PEEK[...] and BINARY[...] take a section. ${ITEM_HELP}`);
    const section = parseSection(token.section);
    const partial = parsePartial(token.partial);
    const responseName = `BODY[${section.label}]${partial ? `<${partial.start}>` : ''}`;
    return { kind: 'section', section, peek: name === 'BODY.PEEK', partial, responseName };
  }
  if (token.partial !== undefined) throw new ArgumentError('Only BODY[...] and BINARY[...] take a partial range <first.count>');
  if (SIMPLE.has(name)) return { kind: name as SimpleItem };
  const whole = { path: [], fields: [], label: '' };
  if (name === 'RFC822') return { kind: 'section', section: { ...whole, kind: '' }, peek: false, responseName: 'RFC822' };
  if (name === 'RFC822.HEADER') return { kind: 'section', section: { ...whole, kind: 'HEADER', label: 'HEADER' }, peek: true, responseName: 'RFC822.HEADER' };
  if (name === 'RFC822.TEXT') return { kind: 'section', section: { ...whole, kind: 'TEXT', label: 'TEXT' }, peek: false, responseName: 'RFC822.TEXT' };
  if (MACROS[name]) throw new ArgumentError(`${name} is a macro and must stand alone, e.g. FETCH 1 ${name}`);
  throw new ArgumentError(`Unknown data item "${token.value.slice(0, 30)}". ${ITEM_HELP}`);
}

function parsePartial(text: string | undefined): PartialRange | undefined {
  if (text === undefined) return undefined;
  const m = /^(\d{1,10})(?:\.(\d{1,10}))?$/.exec(text);
  const start = Number(m?.[1]);
  const length = m?.[2] === undefined ? undefined : Number(m[2]);
  if (!m || start > MAX_OFFSET || (length !== undefined && (length < 1 || length > MAX_OFFSET))) {
    throw new ArgumentError('A partial range is <first octet.count>, e.g. BODY[]<0.100> for the first 100 octets');
  }
  return { start, length };
}

/** BINARY[1.2]<0.100>, BINARY.PEEK[...], BINARY.SIZE[...]: the section is part numbers only. */
function parseBinaryItem(name: string, section: Token[], partialText: string | undefined): FetchItem {
  if (!['BINARY', 'BINARY.PEEK', 'BINARY.SIZE'].includes(name)) throw new ArgumentError(`Unknown data item "${name.slice(0, 30)}". ${ITEM_HELP}`);
  const first = section[0];
  const label = first?.type === 'atom' ? first.value : '';
  if (section.length > 1 || (first && (first.type !== 'atom' || !/^[1-9]\d{0,5}(\.[1-9]\d{0,5}){0,63}$/.test(label)))) {
    throw new ArgumentError(`${name} takes part numbers only, e.g. ${name}[1] or ${name}[2.1] (no HEADER, TEXT or MIME)`);
  }
  const path = label === '' ? [] : label.split('.').map(Number);
  if (name === 'BINARY.SIZE') {
    if (partialText !== undefined) throw new ArgumentError('BINARY.SIZE takes no partial range');
    return { kind: 'binarySize', path, responseName: `BINARY.SIZE[${label}]` };
  }
  const partial = parsePartial(partialText);
  return { kind: 'binary', path, peek: name === 'BINARY.PEEK', partial, responseName: `BINARY[${label}]${partial ? `<${partial.start}>` : ''}` };
}

/**
 * The items Dovecot 2.3 builds in memory (imap-fetch.c, IMAP_FETCH_HANDLER_FLAG_BUFFERED): it
 * writes them before the others (ENVELOPE, BODYSTRUCTURE, body sections, BINARY...), each kind
 * in the order asked, so "FETCH 1 (BODY[] UID)" answers "(UID 1 BODY[] {n}...)".
 */
const WRITTEN_FIRST = new Set<FetchItem['kind']>(['UID', 'FLAGS', 'INTERNALDATE', 'RFC822.SIZE', 'MODSEQ']);

/** The items in the order Dovecot answers them, and how many come first (the FLAGS a \Seen set adds go right after those). */
export function inAnswerOrder(items: readonly FetchItem[]): { items: FetchItem[]; writtenFirst: number } {
  const first = items.filter((item) => WRITTEN_FIRST.has(item.kind));
  return { items: [...first, ...items.filter((item) => !WRITTEN_FIRST.has(item.kind))], writtenFirst: first.length };
}
