/**
 * SORT (RFC 5256) and SORT=DISPLAY (RFC 5957): the sort program, the value each criterion
 * takes from a message, and the order. Ties fall back to mailbox order, which REVERSE does not
 * reverse.
 */
import { baseSubject, casemap, compareText } from './baseSubject.js';
import { parseSentDate } from './dates.js';
import { parseAddressList } from './mime/addresses.js';
import { headerFields, messageView, type MessageView } from './mime/cache.js';
import { headerValue } from './mime/header.js';
import { decodeHeaderValue } from './mime/text.js';
import type { Token } from './parser.js';
import { sortInTurns, takeTurns } from '../workers/turns.js';
import { ArgumentError } from './schema.js';
import type { Found } from './searchMailbox.js';
import type { SelectedMailbox } from './selected.js';

export const SORT_KEYS = ['ARRIVAL', 'CC', 'DATE', 'FROM', 'SIZE', 'SUBJECT', 'TO', 'DISPLAYFROM', 'DISPLAYTO'] as const;
export type SortKey = (typeof SORT_KEYS)[number];

export interface SortCriterion {
  key: SortKey;
  reverse: boolean;
}

/** A message with the values its sort criteria compare. */
export interface Sorted extends Found {
  values: Array<string | number>;
}

const SORT_HELP = `Sort criteria are ${SORT_KEYS.join(', ')}, each may follow REVERSE, e.g. (REVERSE DATE SUBJECT)`;

/**
 * Reads "(REVERSE DATE SUBJECT)". A key given again is dropped: where its first use leaves two
 * messages tied, so does every later one, REVERSE or not. (A program of 8,000 SUBJECTs kept
 * 8,000 values per message and compared them all in one turn of the event loop.)
 */
export function parseSortProgram(token: Token | undefined): SortCriterion[] {
  if (token?.type !== 'list') throw new ArgumentError(`SORT needs its criteria in parentheses. ${SORT_HELP}`);
  if (token.items.length === 0) throw new ArgumentError(`The sort program is empty. ${SORT_HELP}`);
  const criteria: SortCriterion[] = [];
  let reverse = false;
  for (const item of token.items) {
    const word = item.type === 'atom' && !item.section ? item.value.toUpperCase() : '';
    if (word === 'REVERSE') {
      if (reverse) throw new ArgumentError('REVERSE is given twice in a row');
      reverse = true;
      continue;
    }
    if (!(SORT_KEYS as readonly string[]).includes(word)) throw new ArgumentError(`Unknown sort criterion. ${SORT_HELP}`);
    if (!criteria.some((c) => c.key === word)) criteria.push({ key: word as SortKey, reverse });
    reverse = false;
  }
  if (reverse) throw new ArgumentError('The sort program ends with REVERSE: name what to reverse, e.g. (REVERSE DATE)');
  return criteria;
}

/** Does the program need the message header (anything but ARRIVAL and SIZE)? */
export function needsHeader(criteria: readonly SortCriterion[]): boolean {
  return criteria.some((c) => c.key !== 'ARRIVAL' && c.key !== 'SIZE');
}

/**
 * How much of an address header is read for its first address. A list is read left to right, so
 * what follows cannot change an address that ends before: a From: of 50,000 addresses (1 MB)
 * cost every SORT (FROM) a second of the whole lab's time when it was read whole.
 */
const FIRST_ADDRESS_WITHIN = 64 * 1024;

/** The first address of a header, as SORT (its mailbox part) or SORT=DISPLAY (its name) sees it. */
function firstAddress(view: MessageView | undefined, field: string, display: boolean): string {
  const value = view && headerValue(headerFields(view), field);
  const first = value === undefined ? undefined : parseAddressList(value.slice(0, FIRST_ADDRESS_WITHIN))[0];
  if (!first) return '';
  // A group's first "address" is the group name (mailbox set, host NIL).
  const mailbox = first.mailbox === 'MISSING_MAILBOX' ? '' : (first.mailbox ?? '');
  if (!display) return casemap(mailbox);
  if (first.name) return casemap(decodeHeaderValue(first.name));
  if (first.host === null || first.host === 'MISSING_DOMAIN') return casemap(mailbox);
  return casemap(`${mailbox}@${first.host}`);
}

/** The sent date (RFC 5256 §2.2): the Date: header, else the internal date. */
export function sentDate(found: Found, view: MessageView | undefined): number {
  const header = view && headerValue(headerFields(view), 'date');
  return (header === undefined ? undefined : parseSentDate(header)) ?? found.info.internalDate.getTime();
}

export function sortValue(key: SortKey, found: Found, view: MessageView | undefined): string | number {
  switch (key) {
    case 'ARRIVAL':
      return found.info.internalDate.getTime();
    case 'SIZE':
      return found.info.wireSize;
    case 'DATE':
      return sentDate(found, view);
    case 'SUBJECT':
      return casemap(baseSubject(view && headerValue(headerFields(view), 'subject')).base);
    case 'FROM':
    case 'TO':
    case 'CC':
      return firstAddress(view, key.toLowerCase(), false);
    case 'DISPLAYFROM':
      return firstAddress(view, 'from', true);
    case 'DISPLAYTO':
      return firstAddress(view, 'to', true);
  }
}

/** Orders by the criteria, then by mailbox order (UIDs ascend with sequence numbers). */
export function compareSorted(criteria: readonly SortCriterion[]): (a: Sorted, b: Sorted) => number {
  return (a, b) => {
    for (const [i, c] of criteria.entries()) {
      const x = a.values[i]!;
      const y = b.values[i]!;
      const d = typeof x === 'number' ? x - (y as number) : compareText(x, y as string);
      if (d !== 0) return c.reverse ? -d : d;
    }
    return a.uid - b.uid;
  };
}

/** The messages with their sort values, reading headers only when a criterion needs them. */
export async function withSortValues(selected: SelectedMailbox, found: readonly Found[], criteria: readonly SortCriterion[]): Promise<Sorted[]> {
  const header = needsHeader(criteria);
  const out: Sorted[] = [];
  const turn = takeTurns();
  for (const f of found) {
    await turn();
    const view = header ? await messageView(selected.folder, f.info) : undefined;
    out.push({ ...f, values: criteria.map((c) => sortValue(c.key, f, view)) });
  }
  return out;
}

/** Sorts messages by a program. */
export async function sortMessages(selected: SelectedMailbox, found: readonly Found[], criteria: readonly SortCriterion[]): Promise<Sorted[]> {
  return sortInTurns(await withSortValues(selected, found, criteria), compareSorted(criteria));
}
