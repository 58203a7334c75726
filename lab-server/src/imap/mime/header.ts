/**
 * Header fields of a message or a MIME part. Values are kept as "byte strings" (latin1, one
 * character per octet) so 8-bit headers go back on the wire exactly as they came.
 */

export interface HeaderField {
  /** Lower-case field name. */
  name: string;
  /** The field as it stands in the message, folding included, without the final CRLF. */
  raw: Buffer;
  /** The value after the colon, unfolded and trimmed (byte string). */
  value: string;
  /** Where the field starts in the message, where its name ends (the colon) and where it ends. */
  start: number;
  colon: number;
  end: number;
}

/** How many more fields may be read (the message's budget, see limits.ts). */
export interface FieldBudget {
  fields: number;
}

/**
 * Splits a header block (CRLF lines, possibly ending in the blank line) into fields; `base` is
 * the block's offset in the message. At most `perHeader` fields are read, and no more than the
 * budget has left; the rest of a longer header is not indexed.
 */
export function parseHeaderFields(block: Buffer, base = 0, perHeader = Infinity, budget: FieldBudget = { fields: Infinity }): HeaderField[] {
  // Read as one byte string: names and values are slices of it, not a conversion each.
  const text = block.toString('latin1');
  const fields: HeaderField[] = [];
  const read = { counted: 0 };
  let fieldStart = -1;
  let fieldEnd = -1;
  for (let pos = 0; pos < text.length && read.counted < perHeader && budget.fields > 0; ) {
    let nl = text.indexOf('\n', pos);
    if (nl === -1) nl = text.length;
    const lineEnd = nl > pos && text.charCodeAt(nl - 1) === 0x0d ? nl - 1 : nl;
    if (lineEnd === pos) break; // the blank line ends the header
    const first = text.charCodeAt(pos);
    if ((first === 0x20 || first === 0x09) && fieldStart !== -1) {
      fieldEnd = lineEnd; // a folded continuation of the field above
    } else {
      takeField(block, text, base, fieldStart, fieldEnd, fields, read, perHeader, budget);
      fieldStart = pos;
      fieldEnd = lineEnd;
    }
    pos = nl + 1;
  }
  takeField(block, text, base, fieldStart, fieldEnd, fields, read, perHeader, budget);
  return fields;
}

/** Adds the field between start and end, if it is one, and counts it against the limits. */
function takeField(block: Buffer, text: string, base: number, start: number, end: number, fields: HeaderField[], read: { counted: number }, perHeader: number, budget: FieldBudget): void {
  if (start === -1 || read.counted >= perHeader || budget.fields <= 0) return;
  // A line without a colon is not a field (a broken header): it is left out. The colon must
  // stand on the field's first line, after a name of printable characters (then maybe blanks).
  // (A regular expression, which runs as machine code from the first field on, where a loop
  // over the name's characters runs in the interpreter until the engine compiles it.)
  FIELD_NAME.lastIndex = start;
  const named = FIELD_NAME.exec(text);
  if (named === null) return;
  const colon = FIELD_NAME.lastIndex - 1;
  read.counted++;
  budget.fields--;
  fields.push(new Field(block, named[1]!.toLowerCase(), unfold(text.slice(colon + 1, end)), base, start, colon, end));
}

/** A field's name (printable characters but the colon), maybe blanks, then the colon, on its first line. */
const FIELD_NAME = /([\x21-\x39\x3b-\x7e]+)[ \t]*:/y;

/** A field read from a block; its raw bytes are cut out only when asked for (ENVELOPE never does). */
class Field implements HeaderField {
  readonly start: number;
  readonly colon: number;
  readonly end: number;

  constructor(
    private readonly block: Buffer,
    readonly name: string,
    readonly value: string,
    private readonly base: number,
    start: number,
    colon: number,
    end: number,
  ) {
    this.start = base + start;
    this.colon = base + colon;
    this.end = base + end;
  }

  get raw(): Buffer {
    return this.block.subarray(this.start - this.base, this.end - this.base);
  }
}

export function unfold(value: string): string {
  // Most fields are one line: nothing to unfold.
  return (value.includes('\n') ? value.replace(/\r?\n(?=[ \t])/g, '') : value).trim();
}

/**
 * A value as Dovecot 2.3 reads an ENVELOPE string (date, subject, In-Reply-To, Message-ID):
 * unfolded, the blanks after the colon skipped, those at its end kept, as its header parser
 * keeps them (a subject with them is changed text, so a literal).
 */
export function envelopeText(value: string): string {
  return (value.includes('\n') ? value.replace(/\r?\n(?=[ \t])/g, '') : value).replace(BLANKS_BEFORE, '');
}

const BLANKS_BEFORE = /^[ \t]+/;

/** The first field of that name. */
export function headerValue(fields: readonly HeaderField[], name: string): string | undefined {
  return fields.find((f) => f.name === name)?.value;
}

export interface StructuredValue {
  /** The main value, e.g. "text/plain" or "attachment", lower-cased (as written with `asWritten`). */
  value: string;
  /** Parameters in order; RFC 2231 continuations joined. Names lower-cased (as written with `asWritten`). */
  params: Array<[string, string]>;
}

/**
 * Parses "type/subtype; name=value; name2="quoted value"" (Content-Type, Content-Disposition).
 * Lower-cased for the lab's own decisions; `asWritten` keeps the case of the value and the
 * names, as Dovecot 2.3 shows them in BODYSTRUCTURE ("TEXT" "PLAIN" ("CHARSET" ...)).
 */
export function parseStructured(text: string, asWritten = false): StructuredValue {
  const tokens = structuredTokens(text);
  let i = 0;
  let value = '';
  while (i < tokens.length && tokens[i] !== ';') value += tokens[i++];
  const raw: Array<[string, string]> = [];
  while (i < tokens.length) {
    if (tokens[i] === ';') {
      i++;
      continue;
    }
    const name = tokens[i++]!;
    if (tokens[i] !== '=') {
      while (i < tokens.length && tokens[i] !== ';') i++;
      continue;
    }
    i++;
    let v = '';
    while (i < tokens.length && tokens[i] !== ';') v += tokens[i++];
    raw.push([asWritten ? name : name.toLowerCase(), v]);
  }
  return { value: asWritten ? value : value.toLowerCase(), params: joinContinuations(raw) };
}

/** A MIME token as Dovecot's parser reads one (rfc822_parse_mime_token): no blank, control or tspecial. */
const MIME_TOKEN = /^[^\x00-\x20()<>@,;:\\"/[\]?=\x7f]+/;

/** Blanks and (nested) comments at the start of `text` skipped, as rfc822_skip_lwsp skips them. */
function skipBlanks(text: string): string {
  let i = 0;
  for (let depth = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '(') depth++;
    else if (c === ')' && depth > 0) depth--;
    else if (c === '\\' && depth > 0) i++;
    else if (depth === 0 && c !== ' ' && c !== '\t' && c !== '\r' && c !== '\n') break;
  }
  return text.slice(i);
}

/**
 * A Content-Type Dovecot 2.3 cannot read (rfc822_parse_content_type fails), as its BODYSTRUCTURE
 * shows it: a lone type ("TEXT") kept with an empty subtype, anything else ("text/", "text/plain
 * x", "TEXT; charset=x", '"text/plain"') as two empty strings, and no parameters either way.
 * Undefined for a type/subtype it reads.
 */
export function unreadableContentType(value: string): { type: string; subtype: string } | undefined {
  const none = { type: '', subtype: '' };
  let rest = skipBlanks(value);
  const type = MIME_TOKEN.exec(rest)?.[0];
  if (!type) return none;
  rest = skipBlanks(rest.slice(type.length));
  if (rest === '') return { type, subtype: '' };
  if (rest[0] !== '/') return none;
  rest = skipBlanks(rest.slice(1));
  const subtype = MIME_TOKEN.exec(rest)?.[0];
  if (!subtype) return none;
  rest = skipBlanks(rest.slice(subtype.length));
  return rest === '' || rest[0] === ';' ? undefined : none;
}

/** Tokens of a MIME structured value: quoted strings unquoted, comments dropped. */
function structuredTokens(text: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c === ' ' || c === '\t' || c === '\r' || c === '\n' || c === ')') {
      // Spaces, and a stray closing parenthesis (which used to stop the loop from moving on).
      i++;
    } else if (c === '(') {
      let depth = 0;
      for (; i < text.length; i++) {
        if (text[i] === '\\') i++;
        else if (text[i] === '(') depth++;
        else if (text[i] === ')' && --depth === 0) break;
      }
      i++;
    } else if (c === '"') {
      let v = '';
      for (i++; i < text.length && text[i] !== '"'; i++) v += text[i] === '\\' ? text[++i] ?? '' : text[i];
      i++;
      out.push(v);
    } else if (c === ';' || c === '=') {
      out.push(c);
      i++;
    } else {
      let v = '';
      while (i < text.length && !' \t\r\n();="'.includes(text[i]!)) v += text[i++];
      out.push(v);
    }
  }
  return out;
}

/**
 * RFC 2231 pieces joined as Dovecot 2.3 joins them (rfc2231-parser.c), in its order: the plain
 * parameters first, as they came, then the pieces' names in code-unit order (case counts), and
 * those next to each other that differ only in case taken as one name, the first's. A name's pieces
 * numbered 0, 1, 2... with none missing are joined (name*0="a"; name*1="b" is name="ab"); when one
 * is encoded (name*1*=), the whole is name*, the plain ones %-escaped after "''" if the first is
 * plain. With a number missing each piece stays as it came (name*1, name*2*).
 */
function joinContinuations(params: Array<[string, string]>): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  const pieces: Array<{ name: string; n: number; extended: boolean; value: string }> = [];
  // "name*" has no number of its own: Dovecot's parser keeps the one read last.
  let n = 0;
  for (const [name, value] of params) {
    // After the first "*": nothing (name*: encoded), or a number, maybe none, and at most a "*".
    const m = /^([^*]*)\*(?:(\d*)(\*?))?$/.exec(name);
    if (!m) {
      out.push([name, value]);
      continue;
    }
    if (m[2] !== undefined) n = Number(m[2] || 0);
    pieces.push({ name: m[1]!, n, extended: m[2] === undefined || m[3] === '*', value });
  }
  // Sorted by name, then number (a stable sort: pieces alike keep their order).
  pieces.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.n - b.n));
  for (let i = 0; i < pieces.length; ) {
    let j = i;
    const name = pieces[i]!.name.toLowerCase();
    while (j < pieces.length && pieces[j]!.name.toLowerCase() === name) j++;
    const group = pieces.slice(i, j);
    i = j;
    if (group.some((p, k) => p.n !== k)) {
      for (const p of group) out.push([`${p.name}*${p.n}${p.extended ? '*' : ''}`, p.value]);
      continue;
    }
    const extended = group.some((p) => p.extended);
    let joined = extended && !group[0]!.extended ? "''" : '';
    for (const p of group) joined += extended && !p.extended ? p.value.replace(/%/g, '%25') : p.value;
    out.push([extended ? `${group[0]!.name}*` : group[0]!.name, joined]);
  }
  return out;
}
