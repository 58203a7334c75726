/**
 * The MIME tree of a message (RFC 2045/2046), as offsets into its wire form (CRLF lines), so
 * sizes, line counts and BODY[section] octets are exactly what the client will receive.
 */
import { headerValue, parseHeaderFields, parseStructured, unreadableContentType, type HeaderField } from './header.js';
import { MIME_LIMITS, type MimeLimits } from './limits.js';

export interface MimePart {
  /** Offset of the part's header in the message. */
  headerStart: number;
  /** Offset of the body: just after the blank line that ends the header. */
  bodyStart: number;
  /** Offset just past the body. */
  end: number;
  fields: HeaderField[];
  /** Lower-case media type and subtype (defaults applied). */
  type: string;
  subtype: string;
  params: Array<[string, string]>;
  /** Sub-parts of a multipart. */
  children: MimePart[];
  /** The message inside a message/rfc822 part. */
  message?: MimePart;
  /**
   * A message (the whole one, or one inside message/rfc822) with neither MIME-Version nor
   * Content-Type: Dovecot 2.3 (message-parser.c) then takes none of its Content-* fields for
   * BODYSTRUCTURE; a multipart's parts are MIME whatever they hold.
   */
  plain?: true;
}

const CRLF2 = Buffer.from('\r\n\r\n');

/** What is left of the limits while one message is parsed. */
interface Budget {
  limits: MimeLimits;
  parts: number;
  fields: number;
  /** Set when a limit cut the parse short. */
  limited: boolean;
}

export interface ParsedMessage {
  root: MimePart;
  /** True when a limit left part of the message unparsed (see limits.ts). */
  limited: boolean;
}

/** The MIME tree of a message, within the limits (the lab's own by default). */
export function parseMessage(wire: Buffer, limits: MimeLimits = MIME_LIMITS): MimePart {
  return parseWithin(wire, limits).root;
}

export function parseWithin(wire: Buffer, limits: MimeLimits): ParsedMessage {
  const budget: Budget = { limits, parts: limits.maxParts, fields: limits.maxFields, limited: false };
  const root = parseEntity(wire, 0, wire.length, 'text/plain', 0, budget);
  return { root, limited: budget.limited };
}

/** A part whose insides are not read: the rest of a message past a limit. */
function opaque(start: number, end: number): MimePart {
  return { headerStart: start, bodyStart: start, end, fields: [], type: 'application', subtype: 'octet-stream', params: [], children: [] };
}

/**
 * Where the body starts: just after the blank line that ends the header; undefined when the
 * header runs to `end` (an empty part, "--b\r\n\r\n--b--", whose CRLF is the delimiter's, too).
 */
function bodyStartOf(wire: Buffer, start: number, end: number): number | undefined {
  if (start + 2 > end) return undefined;
  if (wire[start] === 0x0d && wire[start + 1] === 0x0a) return start + 2;
  // Searched within the part only: from each part's start to the message's end, a multipart
  // of thousands of parts without a blank line read the rest of the message once per part.
  const blank = wire.subarray(start, end).indexOf(CRLF2);
  return blank !== -1 && start + blank + 4 <= end ? start + blank + 4 : undefined;
}

/** `crlfAfter`: the part is a multipart's, and the CRLF just past `end` is its delimiter's. */
function parseEntity(wire: Buffer, start: number, end: number, defaultType: string, depth: number, budget: Budget, crlfAfter = false): MimePart {
  budget.parts--;
  const headerEnds = bodyStartOf(wire, start, end);
  const bodyStart = headerEnds ?? end;
  const fields = parseHeaderFields(wire.subarray(start, bodyStart), start, budget.limits.maxFieldsPerHeader, budget);
  if (fields.length >= budget.limits.maxFieldsPerHeader || budget.fields <= 0) budget.limited = true;
  const contentType = headerValue(fields, 'content-type');
  const parsed = contentType ? parseStructured(contentType) : undefined;
  // Only a type Dovecot's parser reads counts ("multipart/mixed x" is no multipart to it): others take the default.
  const readable = parsed !== undefined && unreadableContentType(contentType!) === undefined && /^[^/\s]+\/[^/\s]+$/.test(parsed.value);
  const [type, subtype] = (readable ? parsed.value : defaultType).split('/') as [string, string];
  const params = readable ? parsed.params : defaultType === 'text/plain' ? [['charset', 'us-ascii'] as [string, string]] : [];
  const part: MimePart = { headerStart: start, bodyStart, end, fields, type, subtype, params, children: [] };
  if (!contentType && !fields.some((f) => f.name === 'mime-version')) part.plain = true;
  // Dovecot 2.3 reads inside message/rfc822 only: a message/global (RFC 6532) is a leaf to it.
  const container = type === 'multipart' || (type === 'message' && subtype === 'rfc822');
  if (container && (depth >= budget.limits.maxDepth || budget.parts <= 0)) {
    // Too deep, or no parts left to count: the part stays whole and opaque.
    budget.limited = true;
    if (type === 'multipart') Object.assign(part, { type: 'application', subtype: 'octet-stream' });
    return part;
  }

  if (type === 'multipart') {
    const boundary = params.find(([k]) => k === 'boundary')?.[1];
    if (boundary) {
      const childDefault = subtype === 'digest' ? 'message/rfc822' : 'text/plain';
      for (const [from, to, cut] of multipartRanges(wire, bodyStart, end, boundary)) {
        if (budget.parts <= 0) {
          // Past the part limit: everything from here to the end of the multipart is one part.
          budget.limited = true;
          part.children.push(opaque(from, end));
          break;
        }
        const child = parseEntity(wire, from, to, childDefault, depth + 1, budget, cut);
        delete child.plain;
        part.children.push(child);
      }
    }
    if (part.children.length === 0) {
      // A multipart without a usable boundary: shown as one empty text part, as Dovecot does.
      part.children.push({ headerStart: end, bodyStart: end, end, fields: [], type: 'text', subtype: 'plain', params: [['charset', 'us-ascii']], children: [] });
    }
  } else if (container) {
    // The enclosed message is the raw text whatever the Content-Transfer-Encoding, as Dovecot 2.3
    // reads it (RFC 2046 §5.2.1 allows none; a base64 one is all header, a quoted-printable one
    // has its header up to the first blank line).
    part.message = parseEntity(wire, bodyStart, end, 'text/plain', depth + 1, budget);
    // An enclosed header that runs to the delimiter takes the delimiter's CRLF as its last line's
    // end in Dovecot 2.3: the part (BODY[n], its size and lines) is 2 bytes and a line longer,
    // while BODY[n.HEADER] stays as written.
    if (crlfAfter && headerEnds !== undefined && bodyStartOf(wire, bodyStart, end) === undefined) part.end = end + 2;
  }
  return part;
}

/**
 * The [start, end) ranges of the parts of a multipart body, one at a time, and whether a CRLF
 * was cut off the end. A delimiter is a line "--boundary" (or "--boundary--" for the last), and
 * the CRLF before it belongs to the delimiter.
 */
function* multipartRanges(wire: Buffer, bodyStart: number, end: number, boundary: string): Generator<[number, number, boolean]> {
  const delimiter = Buffer.from(`--${boundary}`, 'latin1');
  let partStart = -1;
  let pos = bodyStart;
  while (pos < end) {
    // Straight to the next line that starts with the delimiter, by the engine's search: read
    // line by line in JavaScript, each of 99 nested multiparts read all it encloses (5 MB, 3 s).
    pos = nextLineWith(wire, delimiter, pos, bodyStart, end);
    if (pos === -1) break;
    let nl = wire.indexOf(0x0a, pos);
    if (nl === -1 || nl >= end) nl = end;
    const lineEnd = nl > pos && wire[nl - 1] === 0x0d ? nl - 1 : nl;
    if (lineEnd - pos >= delimiter.length && wire.compare(delimiter, 0, delimiter.length, pos, pos + delimiter.length) === 0) {
      const after = wire.subarray(pos + delimiter.length, lineEnd).toString('latin1');
      const closing = /^--[ \t]*$/.test(after);
      if (closing || /^[ \t]*$/.test(after)) {
        if (partStart !== -1) {
          // The CRLF before the delimiter line is part of the delimiter.
          const partEnd = pos >= 2 && wire[pos - 2] === 0x0d && wire[pos - 1] === 0x0a ? pos - 2 : pos;
          yield [partStart, Math.max(partStart, partEnd), partEnd === pos - 2 && partEnd >= partStart];
        }
        if (closing) return;
        partStart = Math.min(nl + 1, end);
      }
    }
    pos = nl + 1;
  }
  // No closing delimiter: the last part runs to the end.
  if (partStart !== -1) yield [partStart, end, false];
}

/** Where the first line at or after `from` (lines start at `first` and after each LF) starts with `text`; -1 if none does before `end`. */
function nextLineWith(wire: Buffer, text: Buffer, from: number, first: number, end: number): number {
  for (let at = from; at < end; ) {
    const hit = wire.indexOf(text, at);
    if (hit === -1 || hit + text.length > end) return -1;
    if (hit === first || wire[hit - 1] === 0x0a) return hit;
    at = hit + 1;
  }
  return -1;
}

/**
 * Lines in a body, counted as Dovecot counts them: its line breaks. A last line without one
 * (every part before a boundary, whose CRLF belongs to the delimiter) adds nothing.
 */
export function countLines(wire: Buffer, start: number, end: number): number {
  let lines = 0;
  for (let i = wire.indexOf(0x0a, start); i !== -1 && i < end; i = wire.indexOf(0x0a, i + 1)) lines++;
  return lines;
}

/**
 * countLines() for the many parts of one message, each count taken from the nearest place
 * already counted to. Nested parts share their ends (a message/rfc822 part ends where the
 * message inside it does): counting each part whole read a 100-deep message 100 times, twice
 * (BODYSTRUCTURE and BODY), seconds of a mail worker's time for a few megabytes.
 */
export class LineCounter {
  /** Known places, in order, and the line breaks before each. */
  private readonly at: number[] = [0];
  private readonly before: number[] = [0];

  constructor(private readonly wire: Buffer) {}

  lines(start: number, end: number): number {
    return end <= start ? 0 : this.breaksBefore(end) - this.breaksBefore(start);
  }

  private breaksBefore(pos: number): number {
    // The last known place at or before pos (binary search), and the one after it.
    let lo = 0;
    let hi = this.at.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.at[mid]! <= pos) lo = mid;
      else hi = mid - 1;
    }
    if (this.at[lo] === pos) return this.before[lo]!;
    const next = lo + 1 < this.at.length ? this.at[lo + 1]! : -1;
    const breaks = next !== -1 && next - pos < pos - this.at[lo]! ? this.before[lo + 1]! - countLines(this.wire, pos, next) : this.before[lo]! + countLines(this.wire, this.at[lo]!, pos);
    this.at.splice(lo + 1, 0, pos);
    this.before.splice(lo + 1, 0, breaks);
    return breaks;
  }
}
