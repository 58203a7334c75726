/**
 * RFC 3597's generic forms, as BIND reads them: a type written TYPEnnn ("TYPE16" is TXT), and
 * record data written "\# length hex" (the hex may be split by blanks; its bytes must be exactly
 * `length`: BIND says "ran out of space" for more, "unexpected end of input" for fewer). The data
 * of the types the lab knows is turned back into the usual form, so the rest of the parser
 * checks it as if written so. Names inside are read without compression, as BIND does. In TXT,
 * "\\#" not followed by a number is the text "#" (BIND: it "could be an escaped '#'").
 */
import { text, type Text } from '../feedback.js';
import { escapedBytes } from './zoneEscapes.js';
import type { Token } from './zoneTokens.js';
import { USUAL_FORM, usualBytes } from './zoneUsual.js';

/** The numbers of the types the lab knows (RFC 1035, 3596, 2782, 4408, 8659). */
const NUMBERED: Record<number, string> = { 1: 'A', 2: 'NS', 5: 'CNAME', 6: 'SOA', 12: 'PTR', 15: 'MX', 16: 'TXT', 28: 'AAAA', 33: 'SRV', 99: 'SPF', 257: 'CAA' };

/** "TYPE16" as the type it numbers ("TXT"); the word itself when it is no such number. */
export function typeByNumber(word: string): string {
  const m = /^TYPE(\d{1,5})$/i.exec(word);
  return (m && NUMBERED[Number(m[1])]) || word.toUpperCase();
}

const problem = (en: string, zh: string): { problem: Text } => ({ problem: text(`${en} (RFC 3597: \\# then the length in bytes, then the data in hex).`, `${zh}（RFC 3597：\\# 之后是字节数，然后是十六进制数据）。`) });

/** Presentation text of a byte string: printable ASCII as is (" and \ escaped), other bytes as \DDD. */
function escaped(bytes: Buffer, special: RegExp): string {
  return [...bytes].map((b) => (b >= 0x21 && b < 0x7f && !special.test(String.fromCharCode(b)) ? String.fromCharCode(b) : b === 0x20 && !special.test(' ') ? ' ' : `\\${String(b).padStart(3, '0')}`)).join('');
}

/** A string's text as the tokenizer gives it: its UTF-8, or one character per byte when it is none. */
function textOf(bytes: Buffer): string {
  const utf8 = bytes.toString('utf8');
  return Buffer.from(utf8, 'utf8').equals(bytes) ? utf8 : bytes.toString('latin1');
}

/** Reads wire data field by field; undefined once it runs short. */
class Wire {
  at = 0;
  constructor(readonly bytes: Buffer) {}
  take(n: number): Buffer | undefined {
    if (this.at + n > this.bytes.length) return undefined;
    return this.bytes.subarray(this.at, (this.at += n));
  }
  number(size: 1 | 2 | 4): string | undefined {
    const b = this.take(size);
    return b && String(size === 1 ? b[0] : size === 2 ? b.readUInt16BE(0) : b.readUInt32BE(0));
  }
  /** A name, uncompressed, absolute ("mail.example.com.", "." for the root). */
  name(): string | undefined {
    const labels: string[] = [];
    for (;;) {
      const length = this.take(1)?.[0];
      if (length === undefined || length > 63) return undefined;
      if (length === 0) return labels.length ? `${labels.join('.')}.` : '.';
      const label = this.take(length);
      if (!label) return undefined;
      labels.push(escaped(label, /[.\\"();$@\s]/));
    }
  }
  /** A character-string as a quoted word. */
  characterString(): string | undefined {
    const length = this.take(1)?.[0];
    const s = length === undefined ? undefined : this.take(length);
    return s && `"${escaped(s, /["\\]/)}"`;
  }
}

/** The usual words of one record's data, from its wire form. */
function fromWire(type: string, w: Wire): Array<string | undefined> {
  switch (type) {
    case 'A': {
      const b = w.take(4);
      return [b && [...b].join('.')];
    }
    case 'AAAA': {
      const b = w.take(16);
      return [b && Array.from({ length: 8 }, (_, i) => b.readUInt16BE(i * 2).toString(16)).join(':')];
    }
    case 'NS':
    case 'CNAME':
    case 'PTR':
      return [w.name()];
    case 'MX':
      return [w.number(2), w.name()];
    case 'SRV':
      return [w.number(2), w.number(2), w.number(2), w.name()];
    case 'SOA':
      return [w.name(), w.name(), w.number(4), w.number(4), w.number(4), w.number(4), w.number(4)];
    case 'CAA': {
      const flags = w.number(1);
      const tag = w.characterString()?.slice(1, -1);
      const value = w.take(w.bytes.length - w.at);
      return [flags, tag, value && `"${escaped(value, /["\\]/)}"`];
    }
    default: {
      // TXT and SPF: one or more character-strings, to the end of the data.
      const strings: Array<string | undefined> = [];
      while (w.at < w.bytes.length || strings.length === 0) strings.push(w.characterString());
      return strings;
    }
  }
}

/** Data in the generic form as its bytes; undefined when the data is not generic. */
function genericBytes(type: string, tokens: Token[]): { bytes: Buffer } | { problem: Text } | undefined {
  if (tokens[0]?.quoted !== false || tokens[0].raw !== '\\#') return undefined;
  const length = tokens[1];
  // BIND's lexer takes any run of digits up to 2^32-1 for a number ("000004" is 4).
  const isNumber = !!length && !length.quoted && /^\d+$/.test(length.raw) && Number(length.raw) <= 0xffffffff;
  // In TXT "\#" may be an escaped "#": without a number after it BIND reads the line as text.
  if (!isNumber && type === 'TXT') return undefined;
  if (!isNumber || Number(length.raw) > 65535) return problem(`"\\#" must be followed by the data's length in bytes, a number from 0 to 65535`, `"\\#" 后面必须是数据的字节数，0 到 65535 的数字`);
  const hex = tokens.slice(2).map((t) => (t.quoted ? '"' : t.raw)).join('');
  if (!/^([0-9a-fA-F]{2})*$/.test(hex)) return problem(`"${hex.slice(0, 40)}" is not hex: BIND refuses the zone ("bad hex encoding")`, `"${hex.slice(0, 40)}" 不是十六进制：BIND 会拒绝整个区域（"bad hex encoding"）`);
  const bytes = Buffer.from(hex, 'hex');
  const wanted = Number(length.raw);
  if (bytes.length !== wanted) {
    // BIND reads hex words until it has the length: a word after that is "extra input text".
    let read = 0;
    const extraWord = tokens.slice(2).some((t) => (read += t.raw.length / 2) > wanted && read - t.raw.length / 2 >= wanted);
    const said = bytes.length < wanted ? 'unexpected end of input' : extraWord ? 'extra input text' : 'ran out of space';
    return problem(`The data is ${bytes.length} bytes but "\\# ${length.raw}" says ${wanted}: BIND refuses the zone ("${said}")`, `数据有 ${bytes.length} 字节，但 "\\# ${length.raw}" 写的是 ${wanted}：BIND 会拒绝整个区域（"${said}"）`);
  }
  return { bytes };
}

/**
 * Record data in the generic form, as the usual words; undefined when the data is not generic.
 * The tokens come back with the line and quoting the rest of the parser expects.
 */
export function genericRdata(type: string, tokens: Token[]): { tokens?: Token[]; problem?: Text } | undefined {
  const read = genericBytes(type, tokens);
  if (!read || 'problem' in read) return read;
  const { bytes } = read;
  const line = tokens[0]!.line;
  const wire = new Wire(bytes);
  const words = fromWire(type, wire);
  if (words.some((w) => w === undefined) || wire.at !== bytes.length) {
    return problem(`These ${bytes.length} bytes are no ${type} record data: BIND refuses the zone`, `这 ${bytes.length} 个字节不是 ${type} 记录的数据：BIND 会拒绝整个区域`);
  }
  return { tokens: (words as string[]).map((raw) => (raw.startsWith('"') ? { raw, value: textOf(escapedBytes(raw.slice(1, -1))), quoted: true, line } : { raw, value: raw, quoted: false, line })) };
}

/**
 * Types BIND 9.18 keeps as data it does not look into: the numbers it knows no type for,
 * private use (65280-65534) among them. Asked of named-checkzone for all 65 536 numbers with
 * "\# 0" and "\# 3 ffffff": these load both (and NULL, 10, which the lab leaves out: dns-packet
 * names it); the others are meta types BIND refuses (0, 128-255...) or types whose data it
 * checks (the lab's, and DS, TLSA, SSHFP...). Written "TYPE" and at most five digits, as BIND reads them.
 */
export function isOpaqueType(type: string): boolean {
  const m = /^TYPE(\d{1,5})$/.exec(type);
  const n = m ? Number(m[1]) : -1;
  return n === 54 || (n >= 69 && n <= 98) || (n >= 100 && n <= 103) || (n >= 263 && n <= 32767) || (n >= 32770 && n <= 65535);
}

/** The data of an opaque type: only the generic form, kept as BIND prints it ("\# 3 010203"). */
export function opaqueRdata(type: string, tokens: Token[]): { tokens?: Token[]; problem?: Text } {
  const read = genericBytes(type, tokens);
  if (!read) {
    return {
      problem: text(
        `BIND knows no format for ${type}, so it reads its data only in the generic form: "\\#", the length in bytes, then the data in hex (e.g. "${type} \\# 3 010203"); written otherwise it refuses the zone ("unknown class/type").`,
        `BIND 不知道 ${type} 的数据格式，只能读通用形式："\\#"、字节数，然后是十六进制数据（例如 "${type} \\# 3 010203"）；写成别的样子，BIND 会拒绝整个区域（"unknown class/type"）。`,
      ),
    };
  }
  if ('problem' in read) return read;
  const line = tokens[0]!.line;
  const words = ['\\#', String(read.bytes.length), ...(read.bytes.length ? [read.bytes.toString('hex')] : [])];
  return { tokens: words.map((raw) => ({ raw, value: raw, quoted: false, line })) };
}

/**
 * Types whose data BIND checks, served by the lab only as the bytes of their generic form
 * (RFC 3597): DANE's TLSA and SMIMEA, SSHFP, OPENPGPKEY, URI, HINFO. Each check is BIND 9.18's,
 * asked of named-checkzone: the least data each takes, and SSHFP's digest lengths.
 */
const CHECKED: Record<string, { number: number; problem: (b: Buffer) => string | undefined }> = {
  HINFO: { number: 13, problem: hinfoProblem },
  SSHFP: { number: 44, problem: sshfpProblem },
  TLSA: { number: 52, problem: (b) => (b.length < 4 ? 'unexpected end of input' : undefined) },
  SMIMEA: { number: 53, problem: (b) => (b.length < 4 ? 'unexpected end of input' : undefined) },
  OPENPGPKEY: { number: 61, problem: (b) => (b.length < 1 ? 'unexpected end of input' : undefined) },
  URI: { number: 256, problem: (b) => (b.length < 4 ? 'unexpected end of input' : undefined) },
};
const CHECKED_BY_NUMBER = new Map(Object.entries(CHECKED).map(([name, c]) => [c.number, name]));

function hinfoProblem(b: Buffer): string | undefined {
  const cpu = b[0];
  if (cpu === undefined || 1 + cpu >= b.length) return 'unexpected end of input';
  const os = b[1 + cpu]!;
  const end = 2 + cpu + os;
  return end > b.length ? 'unexpected end of input' : end < b.length ? 'extra input data' : undefined;
}

/**
 * SSHFP: algorithm, digest type, digest; SHA-1 (1) is 20 bytes, SHA-256 (2) 32 ("FORMERR"), other
 * types (0, 3...) and every algorithm (0-255: 3 ECDSA, 4 Ed25519, 6 Ed448...) any, none too, as BIND 9.18 loads them.
 */
function sshfpProblem(b: Buffer): string | undefined {
  if (b.length < 2) return 'unexpected end of input';
  const digest = b.length - 2;
  return (b[1] === 1 && digest !== 20) || (b[1] === 2 && digest !== 32) ? 'FORMERR' : undefined;
}

/** The name of a type written by name or number ("TLSA", "TYPE52") whose data BIND checks and the lab serves as bytes. */
export function checkedOpaqueType(type: string): string | undefined {
  const m = /^TYPE(\d{1,5})$/.exec(type);
  return m ? CHECKED_BY_NUMBER.get(Number(m[1])) : CHECKED[type] ? type : undefined;
}

/** The zone's name for such a type asked by name ("TLSA" is kept as TYPE52), else the name itself. */
export function servedTypeName(type: string): string {
  const name = checkedOpaqueType(type);
  return name ? `TYPE${CHECKED[name]!.number}` : type;
}

/**
 * Such a type's data, checked as BIND checks it, kept as "\# length hex" under TYPEnn: written in
 * the generic form or in the usual one (zoneUsual.ts).
 */
export function checkedOpaqueRdata(name: string, tokens: Token[]): { type: string; tokens?: Token[]; problem?: Text } {
  const type = `TYPE${CHECKED[name]!.number}`;
  const usual = tokens[0]?.raw === '\\#' && !tokens[0].quoted ? undefined : usualBytes(name, tokens);
  if (usual && 'said' in usual) {
    const form = USUAL_FORM[name]!;
    return { type, problem: text(`This ${name} record's data is not what BIND reads, and it refuses the zone ("${usual.said}"). Write ${form.en}.`, `这条 ${name} 记录的数据 BIND 读不了，它会拒绝整个区域（"${usual.said}"）。请写${form['zh-CN']}。`) };
  }
  const read = usual ?? genericBytes(type, tokens)!;
  if ('problem' in read) return { type, problem: read.problem };
  const said = CHECKED[name]!.problem(read.bytes);
  if (said) return { type, ...problem(`These ${read.bytes.length} bytes are no ${name} record data: BIND refuses the zone ("${said}")`, `这 ${read.bytes.length} 个字节不是 ${name} 记录的数据：BIND 会拒绝整个区域（"${said}"）`) };
  const line = tokens[0]!.line;
  const words = ['\\#', String(read.bytes.length), ...(read.bytes.length ? [read.bytes.toString('hex')] : [])];
  return { type, tokens: words.map((raw) => ({ raw, value: raw, quoted: false, line })) };
}
