/**
 * Small reads and writes of a message's header section, enough for logging and for the
 * headers a submission server adds (RFC 5322 §3.6: Date, Message-ID, From are required).
 */

/** The header section (up to the first empty line) as text. */
function headerSection(message: Buffer): string {
  const end = message.indexOf('\r\n\r\n');
  const lfEnd = message.indexOf('\n\n');
  const cut = end === -1 ? (lfEnd === -1 ? message.length : lfEnd) : end;
  return message.subarray(0, Math.min(cut, 64 * 1024)).toString('utf8');
}

/** The unfolded value of the first header field with this name, or undefined. */
export function headerValue(message: Buffer, name: string): string | undefined {
  const unfolded = headerSection(message).replace(/\r?\n[ \t]+/g, ' ');
  const wanted = name.toLowerCase();
  for (const line of unfolded.split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon > 0 && line.slice(0, colon).trim().toLowerCase() === wanted) return line.slice(colon + 1).trim();
  }
  return undefined;
}

const LF = 0x0a;
const CR = 0x0d;
const COLON = 0x3a;

/** Whether the line at [start, end) (its LF excluded) is a header field: a name of printable ASCII, spaces, ':'. */
function isHeaderLine(message: Buffer, start: number, end: number): boolean {
  let i = start;
  while (i < end && message[i]! >= 0x21 && message[i]! <= 0x7e && message[i] !== COLON) i++;
  if (i === start) return false;
  while (i < end && (message[i] === 0x20 || message[i] === 0x09)) i++;
  return message[i] === COLON;
}

/**
 * The message with its header section ended by an empty line, as Postfix's cleanup ends it:
 * the body starts at the first line that is neither a header field nor a continuation of one,
 * and a message that is all header fields gets an empty body. A learner typing DATA, "hello"
 * and "." sends no header at all; without the empty line "hello" would be read as a broken
 * header field, and the message could not be DKIM-signed.
 */
export function withHeaderEnd(message: Buffer): Buffer {
  // The empty line ends as the message's lines do (a client may send bare LFs).
  const firstLf = message.indexOf(LF);
  const eol = Buffer.from(firstLf > 0 && message[firstLf - 1] !== CR ? '\n' : '\r\n');
  for (let start = 0; start < message.length; ) {
    const lf = message.indexOf(LF, start);
    const end = lf === -1 ? message.length : lf;
    const lineEnd = end > start && message[end - 1] === CR ? end - 1 : end;
    // The empty line is there: nothing to do.
    if (lineEnd === start) return message;
    const continuation = start > 0 && (message[start] === 0x20 || message[start] === 0x09);
    if (!continuation && !isHeaderLine(message, start, lineEnd)) {
      return Buffer.concat([message.subarray(0, start), eol, message.subarray(start)]);
    }
    if (lf === -1) return Buffer.concat([message, eol, eol]);
    start = lf + 1;
  }
  return Buffer.concat([message, eol]);
}

/**
 * Lines a message's header section may have, and one field of it (the field's first line and
 * its continuation lines). mailauth, which signs and verifies DKIM, unfolds each header field
 * in time that grows faster than the square of its lines: a Subject folded into 50,000 lines
 * (200 KB) kept a worker thread (of two) busy for 30 s, 20,000 lines 3 s, and 10,000 lines
 * still 30-300 ms per signing or check, which anyone may send to port 25 again and again.
 * Fields of 1,000 lines cost it a few milliseconds each (measured with the lab's mailauth).
 * No real header comes near either (a long-travelled message has a few hundred lines; a
 * folded To: of a hundred recipients about a hundred).
 */
export const MAX_HEADER_LINES = 10_000;
export const MAX_FIELD_LINES = 1_000;

/**
 * Why the header section (up to the empty line that ends it) is too large to take, in the
 * words of a 5.3.4 reply; undefined when it is not. It stops reading at the first bound passed.
 */
export function headerTooLarge(message: Buffer): string | undefined {
  let lines = 0;
  let field = { start: 0, lines: 0 };
  for (let start = 0; start < message.length; ) {
    const lf = message.indexOf(LF, start);
    const end = lf === -1 ? message.length : lf;
    if (end === start || (end === start + 1 && message[start] === CR)) return undefined;
    if (++lines > MAX_HEADER_LINES) {
      return `5.3.4 Message header too large: more than ${MAX_HEADER_LINES} lines before the empty line that ends it. Send the message with a shorter header`;
    }
    if (message[start] === 0x20 || message[start] === 0x09) field.lines++;
    else field = { start, lines: 1 };
    if (field.lines > MAX_FIELD_LINES) {
      return `5.3.4 Message header too large: the ${fieldName(message, field.start)} field is folded into more than ${MAX_FIELD_LINES} lines. Send the message with shorter header fields`;
    }
    if (lf === -1) return undefined;
    start = lf + 1;
  }
  return undefined;
}

/** The name of the header field starting at `start` (printable ASCII, as isHeaderLine found it), cut short for a reply. */
function fieldName(message: Buffer, start: number): string {
  const head = message.subarray(start, start + 65);
  const name = head.subarray(0, Math.max(0, head.indexOf(COLON))).toString('latin1').trim();
  return /^[\x21-\x7e]{1,64}$/.test(name) ? `${name}:` : 'first';
}

/**
 * What Postfix's cleanup adds to mail from its own users when a required header is missing
 * (local_header_rewrite_clients): Date, Message-ID and From, on top of the message.
 */
export function addMissingHeaders(message: Buffer, info: { from: string; host: string; queueId: string; date: Date }): Buffer {
  const added: string[] = [];
  if (headerValue(message, 'date') === undefined) added.push(`Date: ${info.date.toUTCString().replace('GMT', '+0000')}`);
  if (headerValue(message, 'message-id') === undefined) added.push(`Message-ID: <${info.date.getTime()}.${info.queueId}@${info.host}>`);
  if (headerValue(message, 'from') === undefined) added.push(`From: <${info.from}>`);
  if (added.length === 0) return message;
  return Buffer.concat([Buffer.from(added.map((h) => `${h}\r\n`).join('')), message]);
}
