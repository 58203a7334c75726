/**
 * ENVELOPE and BODYSTRUCTURE / BODY (RFC 3501 §7.4.2) from a message's MIME tree. Header
 * values go out as they stand in the message (encoded words are the client's to decode).
 */
import { atom, serialize, type Atom, type ImapValue } from '../response.js';
import { parseAddressList } from './addresses.js';
import { envelopeText, headerValue, parseStructured, unfold, unreadableContentType, type HeaderField } from './header.js';
import { LineCounter, type MimePart } from './parse.js';

const bytes = (text: string | undefined): Buffer | null => (text === undefined ? null : Buffer.from(text, 'latin1'));

/**
 * A byte string as Dovecot 2.3 writes an nstring (imap_append_nstring): quoted, however long,
 * unless it holds CR, LF, NUL or an 8-bit byte, or more than four quotes and backslashes to
 * escape: a literal then.
 * The ENVELOPE is built as text with this, not as a value tree: a first FETCH of thousands of
 * envelopes spends most of its time here.
 */
function nstring(text: string | null | undefined): string {
  if (text === null || text === undefined) return 'NIL';
  // Regular expressions rather than a loop over the characters: they run as machine code from
  // the first message, where a loop runs in the interpreter until the engine compiles it.
  if (PLAIN.test(text)) return `"${text}"`;
  if (!QUOTABLE.test(text) || MANY_ESCAPES.test(text)) return `{${text.length}}\r\n${text}`;
  return `"${text.replace(QUOTED_SPECIALS, '\\$&')}"`;
}

/**
 * A subject or display name as Dovecot 2.3 writes it (imap_append_string_for_humans): as it is,
 * quoted, when it has no blank at either end, no two together, no tab, quote, backslash, NUL or
 * 8-bit byte; otherwise as a literal with each run of blanks one space, none at the ends (only
 * blanks: ""). A NUL is U+FFFD, as Dovecot's header reading makes it. A client shows the same
 * words either way.
 */
function humanString(text: string | null | undefined): string {
  if (text === null || text === undefined) return 'NIL';
  // One pass over a character class, then blanks at the ends or two together: the nested
  // quantifier this replaces cost a first FETCH ENVELOPE of 5,000 messages ~10% more CPU.
  if (HUMAN_CHARS.test(text) && text.charCodeAt(0) !== 0x20 && text.charCodeAt(text.length - 1) !== 0x20 && !text.includes('  ')) return `"${text}"`;
  const words = text.replace(/[ \t\r\n]+/g, ' ').replace(/^ | $/g, '').replace(/\0/g, '\xef\xbf\xbd');
  return words === '' ? '""' : `{${words.length}}\r\n${words}`;
}

/** What a quoted human string may hold: no tab, CR, LF, quote, backslash, NUL or 8-bit byte (blanks checked apart). */
const HUMAN_CHARS = /^[\x01-\x08\x0b\x0c\x0e-\x21\x23-\x5b\x5d-\x7f]*$/;

/** Printable ASCII without a quote or a backslash: quoted as it is. */
const PLAIN = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;
/** What a quoted string may hold (RFC 3501 TEXT-CHAR: any CHAR but CR and LF), tabs and controls too, as Dovecot quotes them. */
const QUOTABLE = /^[\x01-\x09\x0b\x0c\x0e-\x7f]*$/;
const QUOTED_SPECIALS = /[\\"]/g;
/** A fifth quote or backslash: past Dovecot's four escapes, the string goes as a literal. */
const MANY_ESCAPES = /^(?:[^\\"]*[\\"]){5}/;

/** An address list, serialised; undefined when the field is absent or names no address. */
function addressList(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const addresses = parseAddressList(value);
  if (addresses.length === 0) return undefined;
  // RFC 3501 grammar: "(" 1*address ")", the addresses written one after the other, no spaces.
  let out = '(';
  for (let i = 0; i < addresses.length; i++) {
    const a = addresses[i]!;
    out += `(${humanString(a.name)} ${nstring(a.adl)} ${nstring(a.mailbox)} ${nstring(a.host)})`;
  }
  return out + ')';
}

/** The header fields an ENVELOPE is made of, in its order: two strings, six address lists, two strings. */
export const ENVELOPE_ORDER = ['date', 'subject', 'from', 'sender', 'reply-to', 'to', 'cc', 'bcc', 'in-reply-to', 'message-id'] as const;
const ENVELOPE_SLOT: ReadonlyMap<string, number> = new Map(ENVELOPE_ORDER.map((name, i) => [name, i]));
const SUBJECT = 1;
const FROM = 2;
const SENDER = 3;
const REPLY_TO = 4;
const LAST_ADDRESS_LIST = 7;

/** Where a field (its name in lower case) stands among the ENVELOPE's ten, if it does. */
export const envelopeSlot = (name: string): number | undefined => ENVELOPE_SLOT.get(name);

/** The ENVELOPE of a message (its top-level header fields), serialised. */
export function envelopeOf(fields: readonly HeaderField[]): Atom {
  // The first field of each name.
  const values = noValues();
  for (let i = 0; i < fields.length; i++) {
    const field = fields[i]!;
    const slot = ENVELOPE_SLOT.get(field.name);
    if (slot !== undefined && values[slot] === undefined) values[slot] = envelopeSlotValue(slot, field.raw.toString('latin1', field.colon - field.start + 1));
  }
  return atom(envelopeOfValues(values));
}

/** A field's text after the colon as its ENVELOPE slot takes it: the four strings keep blanks at their end, as in Dovecot. */
export const envelopeSlotValue = (slot: number, text: string): string => (slot < FROM || slot > LAST_ADDRESS_LIST ? envelopeText(text) : unfold(text));

/** A value per ENVELOPE field, none known yet. */
export const noValues = (): Array<string | undefined> => [undefined, undefined, undefined, undefined, undefined, undefined, undefined, undefined, undefined, undefined];

/**
 * The ENVELOPE from the values of its ten fields (unfolded, in ENVELOPE order; undefined when
 * absent). One loop over the ten, each kind written at one place: a first FETCH of thousands of
 * messages has the engine compile this early, and a copy of the address-list code for each of
 * the six lists made that compilation several times larger.
 */
export function envelopeOfValues(values: ReadonlyArray<string | undefined>): string {
  let out = '(';
  let from = 'NIL';
  for (let slot = 0; slot < ENVELOPE_ORDER.length; slot++) {
    let item: string;
    if (slot === SUBJECT) item = humanString(values[slot]);
    else if (slot < FROM || slot > LAST_ADDRESS_LIST) item = nstring(values[slot]);
    // RFC 3501: sender and reply-to default to from when absent.
    else item = addressList(values[slot]) ?? (slot === SENDER || slot === REPLY_TO ? from : 'NIL');
    if (slot === FROM) from = item;
    out += slot === 0 ? item : ` ${item}`;
  }
  return out + ')';
}

function paramList(params: ReadonlyArray<[string, string]>): ImapValue {
  if (params.length === 0) return null;
  return params.flatMap(([k, v]) => [bytes(k), bytes(v)]);
}

function disposition(fields: readonly HeaderField[]): ImapValue {
  const value = headerValue(fields, 'content-disposition');
  if (!value) return null;
  const parsed = parseStructured(value, true);
  if (!parsed.value) return null;
  return [bytes(parsed.value), paramList(parsed.params)];
}

function language(fields: readonly HeaderField[]): ImapValue {
  const value = headerValue(fields, 'content-language');
  if (!value) return null;
  const tags = value.split(',').map((t) => t.trim()).filter(Boolean);
  if (tags.length === 0) return null;
  // Always a list, one tag too, as Dovecot writes it (imap_append_string_list).
  return tags.map((t) => bytes(t));
}

/**
 * A part's type, subtype and parameters as its Content-Type writes them (Dovecot 2.3 keeps their
 * case: "TEXT" "PLAIN" ("CHARSET" ...)), but for a message/rfc822, always "message" "rfc822"; the
 * lab's lower-cased ones where the part's type is not the field's (a default, or a multipart too
 * deep to read). A leaf whose Content-Type Dovecot cannot read is shown as Dovecot shows it
 * (header.ts unreadableContentType), without parameters.
 */
function writtenType(part: MimePart, fields: readonly HeaderField[]): Pick<MimePart, 'type' | 'subtype' | 'params'> {
  const value = headerValue(fields, 'content-type');
  if (!value) return part;
  const leaf = part.type !== 'multipart' && !(part.type === 'message' && part.subtype === 'rfc822');
  const unreadable = leaf ? unreadableContentType(value) : undefined;
  if (unreadable) return { ...unreadable, params: [] };
  const written = parseStructured(value, true);
  const slash = written.value.indexOf('/');
  const type = written.value.slice(0, slash);
  const subtype = written.value.slice(slash + 1);
  if (slash === -1 || type.toLowerCase() !== part.type || subtype.toLowerCase() !== part.subtype) return part;
  if (part.type === 'message' && part.subtype === 'rfc822') return { type: part.type, subtype: part.subtype, params: written.params };
  return { type, subtype, params: written.params };
}

const isCharset = ([name]: [string, string]): boolean => name.toLowerCase() === 'charset';

/**
 * BODYSTRUCTURE (extensible = true) or BODY (false) of a part. For the top level pass the
 * message's root part.
 */
export function bodyStructureOf(wire: Buffer, part: MimePart, extensible: boolean, counter = new LineCounter(wire)): ImapValue {
  const f = part.plain ? [] : part.fields;
  const shown = writtenType(part, f);
  if (part.type === 'multipart') {
    const out: ImapValue[] = part.children.map((child) => bodyStructureOf(wire, child, extensible, counter));
    // The parts are written one after the other, then the subtype: "(...)(...) "mixed"".
    const items: ImapValue[] = [atom(Buffer.concat(out.map((o) => serialize(o)))), bytes(shown.subtype)];
    if (extensible) items.push(paramList(shown.params), disposition(f), language(f), bytes(headerValue(f, 'content-location')));
    return items;
  }
  const size = part.end - part.bodyStart;
  // Text as Dovecot tells it: by the type shown ("TEXT" with no subtype too).
  const text = shown.type.toLowerCase() === 'text';
  // A text part without a charset is us-ascii (RFC 2045 §5.2); say so last, as Dovecot does.
  const params = text && !shown.params.some(isCharset) ? [...shown.params, ['charset', 'us-ascii'] as [string, string]] : shown.params;
  const items: ImapValue[] = [
    bytes(shown.type),
    bytes(shown.subtype),
    paramList(params),
    bytes(headerValue(f, 'content-id')),
    bytes(headerValue(f, 'content-description')),
    // As Dovecot gives it: the word as written ("BASE64"), without comments ("base64 (by x)").
    bytes(headerValue(f, 'content-transfer-encoding')?.replace(/\([^()]*\)/g, ' ').trim().split(/[\s;]+/)[0] || '7bit'),
    size,
  ];
  if (part.message) {
    items.push(envelopeOf(part.message.fields), bodyStructureOf(wire, part.message, extensible, counter), counter.lines(part.bodyStart, part.end));
  } else if (part.type === 'message' && part.subtype === 'rfc822') {
    // An enclosed message left unread (past the depth or part limit): the grammar still wants an
    // envelope, a body and a line count, so describe it as an empty message.
    const empty: MimePart = { headerStart: 0, bodyStart: 0, end: 0, fields: [], type: 'text', subtype: 'plain', params: [], children: [] };
    items.push(envelopeOf([]), bodyStructureOf(wire, empty, extensible, counter), counter.lines(part.bodyStart, part.end));
  } else if (text) {
    items.push(counter.lines(part.bodyStart, part.end));
  }
  if (extensible) items.push(bytes(headerValue(f, 'content-md5')), disposition(f), language(f), bytes(headerValue(f, 'content-location')));
  return items;
}

/** Whether a BODYSTRUCTURE item is the byte string `word`, in any case. */
const is = (item: ImapValue | undefined, word: string): boolean => Buffer.isBuffer(item) && item.toString('latin1').toLowerCase() === word;

/**
 * BODYSTRUCTURE and BODY of a whole message, as an IMAP FETCH gives them. Dovecot 2.3 writes a
 * root text/plain part with no parameter but charset=us-ascii, 7bit, and no Content-ID,
 * -Description, -MD5, -Disposition, -Language or -Location in its own lower-case words, however
 * the message wrote them ("plain 7bit", message_part_data_is_plain_7bit); BODY too, judged by the
 * same fields. Any other part keeps the case written.
 */
export function messageStructuresOf(wire: Buffer, root: MimePart): { bodyStructure: ImapValue; body: ImapValue } {
  const bodyStructure = bodyStructureOf(wire, root, true);
  if (root.type === 'text' && root.subtype === 'plain' && Array.isArray(bodyStructure)) {
    const [type, subtype, params, id, description, encoding, size, lines, ...extension] = bodyStructure;
    if (is(type, 'text') && is(subtype, 'plain') && Array.isArray(params) && params.length === 2 && is(params[0], 'charset') && is(params[1], 'us-ascii')
      && id === null && description === null && is(encoding, '7bit') && extension.every((item) => item === null)) {
      const plain: ImapValue[] = [bytes('text'), bytes('plain'), [bytes('charset'), bytes('us-ascii')], null, null, bytes('7bit'), size!, lines!];
      return { bodyStructure: [...plain, null, null, null, null], body: plain };
    }
  }
  return { bodyStructure, body: bodyStructureOf(wire, root, false) };
}
