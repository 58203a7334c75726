/**
 * The work done on a whole message for IMAP, as plain functions of its stored bytes: run on a
 * worker thread for anything big or busy, or right here for small simple messages (cache.ts
 * decides). Their inputs and results cross threads, so they are bytes, numbers and strings; the
 * limits are always passed, as the pool hands a job one more argument (its calls).
 */
import { toWire } from '../../maildir/wire.js';
import { sentDay } from '../dates.js';
import { serialize } from '../response.js';
import { headerValue } from './header.js';
import type { MimeLimits } from './limits.js';
import { parseWithin } from './parse.js';
import { ENVELOPE_ORDER, envelopeOf, envelopeOfValues, envelopeSlot, envelopeSlotValue, messageStructuresOf, noValues } from './structure.js';
import { tableOf, type PartTable } from './table.js';
import { addressText, bodyText, decodeHeaderValue, headersText } from './text.js';
import { asBuffer } from '../../workers/bytes.js';

export interface MessageSummary {
  envelope: Uint8Array;
  bodyStructure: Uint8Array;
  body: Uint8Array;
}

export interface DescribedMessage {
  /** The message as it goes on the wire (CRLF line ends). */
  wire: Uint8Array;
  table: PartTable;
  summary: MessageSummary;
  /** A limit left part of it unparsed. */
  limited: boolean;
}

/**
 * Bytes in a memory block of their own. A small Buffer is a slice of a shared 8 KB slab, and
 * sending or keeping the slice would carry the whole slab along.
 */
const own = (bytes: Buffer): Buffer => (bytes.byteLength === bytes.buffer.byteLength ? bytes : Buffer.from(new Uint8Array(bytes)));

/** Parses a stored message (LF line ends) into what FETCH needs. */
export function describeMessage(stored: Uint8Array, limits: MimeLimits): DescribedMessage {
  const wire = toWire(asBuffer(stored));
  const { root, limited } = parseWithin(wire, limits);
  const { bodyStructure, body } = messageStructuresOf(wire, root);
  return {
    wire: own(wire),
    table: tableOf(root),
    summary: {
      envelope: own(serialize(envelopeOf(root.fields))),
      bodyStructure: own(serialize(bodyStructure)),
      body: own(serialize(body)),
    },
    limited,
  };
}

/**
 * Where the header of a stored message (its start as a byte string, LF or CRLF line ends)
 * ends: just past its last header line, at the blank line the wire form's CRLF CRLF stands
 * for; 0 when the message starts with a blank line, -1 when `stored` holds no blank line.
 */
export function storedHeaderEnd(stored: string): number {
  if (stored.startsWith('\n') || stored.startsWith('\r\n')) return 0;
  // The first LF followed by LF or CRLF: two searches, not one per line (a first FETCH does
  // this for thousands of messages). The CRLF one only before the LF one.
  const lf = stored.indexOf('\n\n');
  const crlf = stored.indexOf('\n\r\n');
  if (crlf !== -1 && (lf === -1 || crlf < lf)) return crlf + 1;
  return lf === -1 ? -1 : lf + 1;
}

/**
 * The ENVELOPE from a message's header alone (its stored start up to storedHeaderEnd(), or the
 * whole message when it has no body, as a byte string): the same bytes describeMessage() gives,
 * as a byte string (latin1), without reading or parsing the body. Undefined when the header may
 * hold more fields than `limits` lets a header have (the careful path decides then).
 *
 * Only the ten fields are read, by one regular expression (machine code from the first message
 * on), not every field of the header line by line in JavaScript: a real header has dozens of
 * Received, DKIM and X- fields, and a first FETCH reads thousands of headers. A field is what
 * parseHeaderFields() takes for one: a line that starts with its name, maybe blanks, then the
 * colon, and the lines after it that start with a blank.
 */
export function envelopeOfHeader(storedHeader: string, limits: MimeLimits): string | undefined {
  // A field has a line at least: with fewer lines than the limit, the header is within it.
  if (linesReach(storedHeader, Math.min(limits.maxFieldsPerHeader, limits.maxFields))) return undefined;
  const values = noValues();
  ENVELOPE_FIELD.lastIndex = 0;
  for (let field = ENVELOPE_FIELD.exec(storedHeader); field !== null; field = ENVELOPE_FIELD.exec(storedHeader)) {
    const slot = envelopeSlot(field[1]!.toLowerCase())!;
    // The value up to its line's end, as parseHeaderFields() takes it: without the CR of a CRLF.
    const text = field[2]!;
    if (values[slot] === undefined) values[slot] = envelopeSlotValue(slot, text.endsWith('\r') ? text.slice(0, -1) : text);
  }
  return envelopeOfValues(values);
}

/** One of the ten fields at the start of a line: its name, and its value with any folded lines. */
const ENVELOPE_FIELD = new RegExp(`(?:^|\\n)(${ENVELOPE_ORDER.join('|')})[ \\t]*:([^\\n]*(?:\\n[ \\t][^\\n]*)*)`, 'gi');

/** True when `text` has `count` lines or more (the last one may lack its LF). */
function linesReach(text: string, count: number): boolean {
  let lines = 1;
  for (let at = text.indexOf('\n'); at !== -1 && lines < count; at = text.indexOf('\n', at + 1)) lines++;
  return lines >= count;
}

/** What SEARCH asks of a message's content (header and text keys, SENT* dates). */
export type ContentQuery = { op: 'header'; field: string; text: string; address?: boolean } | { op: 'body'; text: string } | { op: 'text'; text: string } | { op: 'sent' };

/** True or false for a text query; the day of the Date: header (or null) for 'sent'. */
export type ContentAnswer = boolean | number | null;

/**
 * Answers SEARCH's content queries for one message: header values with RFC 2047 words
 * decoded, text parts with their transfer encoding and charset undone, matched without regard
 * to case, as Dovecot does.
 */
export function searchMessage(stored: Uint8Array, queries: ContentQuery[], limits: MimeLimits): { answers: ContentAnswer[]; limited: boolean } {
  const wire = toWire(asBuffer(stored));
  const { root, limited } = parseWithin(wire, limits);
  let headers: string | undefined;
  let body: string | undefined;
  const headersOf = (): string => (headers ??= headersText(root).toLowerCase());
  const bodyOf = (): string => (body ??= bodyText(wire, root).toLowerCase());
  const answers = queries.map((q): ContentAnswer => {
    switch (q.op) {
      case 'sent': {
        const date = headerValue(root.fields, 'date');
        return (date === undefined ? undefined : sentDay(date)) ?? null;
      }
      case 'header': {
        const fields = root.fields.filter((f) => f.name === q.field);
        // HEADER field "" matches every message that has the field at all.
        if (q.text === '') return fields.length > 0;
        const wanted = q.text.toLowerCase();
        // FROM, TO, CC and BCC match the addresses as parsed, as Dovecot does; other fields the text.
        const text = q.address ? addressText : decodeHeaderValue;
        return fields.some((f) => text(f.value).toLowerCase().includes(wanted));
      }
      case 'body':
        return bodyOf().includes(q.text.toLowerCase());
      case 'text':
        return headersOf().includes(q.text.toLowerCase()) || bodyOf().includes(q.text.toLowerCase());
    }
  });
  return { answers, limited };
}
