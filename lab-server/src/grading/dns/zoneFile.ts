/**
 * A zone-file parser that reads master files the way BIND does (RFC 1035 §5.1): `$ORIGIN`,
 * `$TTL`, `@`, relative and absolute names, an omitted owner meaning the previous one, TTL and
 * class in either order, parentheses across lines, quoted strings with `\X` and `\DDD`
 * escapes, several strings in one TXT record, `;` comments.
 *
 * It never throws: whatever the text, it returns the records it could read and a list of
 * problems with line numbers, so a grader can tell the learner exactly where BIND would stop.
 */
import { isIPv6 } from 'node:net';
import { text, type Text } from '../feedback.js';

export interface ZoneProblem {
  line: number;
  message: Text;
}

export interface ZoneRecord {
  /** Absolute owner name, lower case, with the trailing dot: "mail.example.com." */
  name: string;
  ttl: number;
  type: string;
  line: number;
  /** The owner as written ("" when the owner was inherited from the line before). */
  ownerText: string;
  /** The $ORIGIN that relative names on this line were completed with. */
  origin: string;
  /** A and AAAA. */
  address?: string;
  /** MX preference. */
  preference?: number;
  /** MX, CNAME, NS, PTR, SRV: the absolute target name. */
  target?: string;
  /** The target exactly as written, to explain a missing trailing dot. */
  targetText?: string;
  /** TXT (and the obsolete SPF type): the character-strings, in order. */
  strings?: string[];
  /** Every rdata token as written, for the types the lab does not look into. */
  rdata: string[];
}

export interface ParsedZone {
  records: ZoneRecord[];
  problems: ZoneProblem[];
  /** The origin in force at the end of the file. */
  origin: string;
}

interface Token {
  value: string;
  raw: string;
  quoted: boolean;
  line: number;
}

interface LogicalLine {
  tokens: Token[];
  /** The line began with a space or tab: the owner is the previous record's owner. */
  blankOwner: boolean;
  line: number;
}

export const KNOWN_TYPES = new Set(['A', 'AAAA', 'MX', 'CNAME', 'NS', 'PTR', 'TXT', 'SPF', 'SOA', 'SRV', 'CAA']);
const CLASSES = new Set(['IN', 'CH', 'HS', 'CS']);
const MAX_TTL = 2 ** 31 - 1;
const DEFAULT_TTL = 3600;

/** Parses a BIND time value: "3600", "1h", "1h30m", "2W". Undefined if it is not one. */
export function parseTtl(token: string): number | undefined {
  if (/^\d+$/.test(token)) {
    const n = Number(token);
    return n <= MAX_TTL ? n : undefined;
  }
  const units: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400, w: 604800 };
  const parts = token.toLowerCase().match(/^(\d+[smhdw])+$/);
  if (!parts) return undefined;
  let total = 0;
  for (const m of token.toLowerCase().matchAll(/(\d+)([smhdw])/g)) total += Number(m[1]) * units[m[2]!]!;
  return total <= MAX_TTL ? total : undefined;
}

/** Splits text into logical lines of tokens (comments dropped, parentheses joined). */
function tokenize(source: string, problems: ZoneProblem[]): LogicalLine[] {
  const lines: LogicalLine[] = [];
  let current: LogicalLine | undefined;
  let depth = 0;
  let openedAt = 0;
  let line = 1;
  let atLineStart = true;
  let i = 0;
  const push = (token: Token): void => {
    current ??= { tokens: [], blankOwner: false, line: token.line };
    current.tokens.push(token);
  };
  const endLogical = (): void => {
    if (current && current.tokens.length > 0) lines.push(current);
    current = undefined;
  };
  while (i < source.length) {
    const c = source[i]!;
    if (atLineStart && depth === 0 && !current) {
      current = { tokens: [], blankOwner: c === ' ' || c === '\t', line };
    }
    atLineStart = false;
    if (c === '\n') {
      line++;
      atLineStart = true;
      i++;
      if (depth === 0) endLogical();
      continue;
    }
    if (c === ' ' || c === '\t' || c === '\r') {
      i++;
      continue;
    }
    if (c === ';') {
      while (i < source.length && source[i] !== '\n') i++;
      continue;
    }
    if (c === '(') {
      if (depth > 0) problems.push({ line, message: text('Parentheses cannot be nested: remove the inner "(".', '括号不能嵌套：删掉里面的 "("。') });
      else openedAt = line;
      depth = 1;
      i++;
      continue;
    }
    if (c === ')') {
      if (depth === 0) problems.push({ line, message: text('")" without a matching "(": remove it or add the "(".', '多了一个没有配对 "(" 的 ")"：删掉它，或补上 "("。') });
      depth = 0;
      i++;
      continue;
    }
    if (c === '"') {
      const start = line;
      let value = '';
      let raw = '"';
      i++;
      let closed = false;
      while (i < source.length) {
        const d = source[i]!;
        if (d === '\n') break;
        if (d === '"') {
          closed = true;
          raw += d;
          i++;
          break;
        }
        if (d === '\\' && i + 1 < source.length && source[i + 1] !== '\n') {
          const esc = readEscape(source, i);
          value += esc.char;
          raw += source.slice(i, esc.next);
          i = esc.next;
          continue;
        }
        value += d;
        raw += d;
        i++;
      }
      if (!closed) {
        problems.push({ line: start, message: text('A quoted string is not closed on this line: add the closing ".', '这一行的引号没有闭合：补上结尾的 "。') });
      }
      push({ value, raw, quoted: true, line: start });
      continue;
    }
    // An unquoted word: runs to whitespace, a quote, a parenthesis or a comment.
    let value = '';
    let raw = '';
    const start = line;
    while (i < source.length) {
      const d = source[i]!;
      if (' \t\r\n;()"'.includes(d)) break;
      if (d === '\\' && i + 1 < source.length && source[i + 1] !== '\n') {
        const esc = readEscape(source, i);
        value += esc.char;
        raw += source.slice(i, esc.next);
        i = esc.next;
        continue;
      }
      value += d;
      raw += d;
      i++;
    }
    push({ value, raw, quoted: false, line: start });
  }
  if (depth > 0) {
    problems.push({ line: openedAt, message: text('The "(" opened here is never closed: add the ")".', '这里打开的 "(" 一直没有闭合：补上 ")"。') });
  }
  endLogical();
  return lines;
}

/** Reads `\X` or `\DDD` at source[i] === '\\'. */
function readEscape(source: string, i: number): { char: string; next: number } {
  const digits = source.slice(i + 1, i + 4);
  if (/^\d{3}$/.test(digits)) {
    const code = Number(digits);
    if (code <= 255) return { char: String.fromCharCode(code), next: i + 4 };
  }
  return { char: source[i + 1]!, next: i + 2 };
}

interface NameResult {
  name?: string;
  relative: boolean;
  problem?: Text;
}

/** Turns a name as written into an absolute lower-case name with a trailing dot. */
export function absoluteName(raw: string, origin: string | undefined): NameResult {
  if (raw === '@') {
    if (!origin) return { relative: true, problem: text('"@" means the origin, but no $ORIGIN is set: add "$ORIGIN example.com." first.', '"@" 表示 origin，但还没有设置 $ORIGIN：先写一行 "$ORIGIN example.com."。') };
    return { name: origin, relative: true };
  }
  if (raw === '.') return { name: '.', relative: false };
  const labels: string[] = [];
  let label = '';
  let absolute = false;
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i]!;
    if (c === '\\' && i + 1 < raw.length) {
      const esc = readEscape(raw, i);
      label += esc.char === '.' ? '\\.' : esc.char === '\\' ? '\\\\' : esc.char;
      i = esc.next - 1;
      continue;
    }
    if (c === '.') {
      if (label === '') return { relative: false, problem: text(`"${raw}" has an empty label (two dots in a row, or a leading dot).`, `"${raw}" 里有空标签（连续两个点，或以点开头）。`) };
      labels.push(label);
      label = '';
      if (i === raw.length - 1) absolute = true;
      continue;
    }
    label += c;
  }
  if (label !== '') labels.push(label);
  for (const l of labels) {
    if (l.replace(/\\(.)/g, '$1').length > 63) {
      return { relative: !absolute, problem: text(`A label in "${raw}" is longer than 63 characters.`, `"${raw}" 中有一个标签超过 63 个字符。`) };
    }
  }
  let name = labels.join('.').toLowerCase() + '.';
  if (!absolute) {
    if (!origin) {
      return { relative: true, problem: text(`"${raw}" is relative (no trailing dot) and no $ORIGIN is set: end it with "." or set $ORIGIN.`, `"${raw}" 是相对名字（结尾没有点），又没有设置 $ORIGIN：在结尾加 "."，或设置 $ORIGIN。`) };
    }
    name = origin === '.' ? name : name + origin;
  }
  if (name.length > 255) return { relative: !absolute, problem: text(`"${raw}" is longer than 255 characters once the origin is added.`, `"${raw}" 加上 origin 后超过 255 个字符。`) };
  return { name, relative: !absolute };
}

function isIPv4(value: string): boolean {
  const parts = value.split('.');
  return parts.length === 4 && parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255);
}

const FORMATS: Record<string, string> = {
  A: 'A 192.0.2.1',
  AAAA: 'AAAA 2001:db8::1',
  MX: 'MX 10 mail.example.com.',
  CNAME: 'CNAME host.example.com.',
  NS: 'NS ns1.example.com.',
  PTR: 'PTR mail.example.com.',
  TXT: 'TXT "text"',
  SPF: 'SPF "v=spf1 -all"',
  SOA: 'SOA ns1.example.com. hostmaster.example.com. 1 3600 600 86400 300',
  SRV: 'SRV 0 5 587 mail.example.com.',
  CAA: 'CAA 0 issue "ca.example"',
};

function formatProblem(type: string, detail: Text): Text {
  return text(`${detail.en} The form is: ${FORMATS[type]}`, `${detail['zh-CN']} 格式应为：${FORMATS[type]}`);
}

/** Parses zone-file text. `origin` is the zone's name, as the zone statement of named.conf gives it. */
export function parseZone(source: string, options: { origin?: string; defaultTtl?: number } = {}): ParsedZone {
  const problems: ZoneProblem[] = [];
  const records: ZoneRecord[] = [];
  let origin = options.origin ? (absoluteName(options.origin, '.').name ?? undefined) : undefined;
  try {
    let ttlDefault: number | undefined = options.defaultTtl;
    let lastTtl: number | undefined;
    let previousOwner: string | undefined;
    for (const logical of tokenize(source, problems)) {
      const { tokens, line } = logical;
      const first = tokens[0]!;
      if (!first.quoted && first.raw.startsWith('$') && !logical.blankOwner) {
        const directive = first.raw.toUpperCase();
        const arg = tokens[1];
        if (directive === '$ORIGIN') {
          const parsed = arg ? absoluteName(arg.raw, origin) : undefined;
          if (!parsed?.name) problems.push({ line, message: parsed?.problem ?? text('$ORIGIN needs a domain name, e.g. "$ORIGIN example.com."', '$ORIGIN 后面要跟一个域名，例如 "$ORIGIN example.com."') });
          else origin = parsed.name;
        } else if (directive === '$TTL') {
          const ttl = arg ? parseTtl(arg.raw) : undefined;
          if (ttl === undefined) problems.push({ line, message: text('$TTL needs a time, e.g. "$TTL 3600" or "$TTL 1h".', '$TTL 后面要跟一个时间，例如 "$TTL 3600" 或 "$TTL 1h"。') });
          else ttlDefault = ttl;
        } else if (directive === '$INCLUDE' || directive === '$GENERATE') {
          problems.push({ line, message: text(`${directive} is not available in the lab: write the records out in this file.`, `实验环境不支持 ${directive}：请把记录直接写在这个文件里。`) });
        } else {
          problems.push({ line, message: text(`Unknown directive ${first.raw}: BIND knows $ORIGIN, $TTL, $INCLUDE and $GENERATE.`, `未知指令 ${first.raw}：BIND 只认识 $ORIGIN、$TTL、$INCLUDE 和 $GENERATE。`) });
        }
        continue;
      }

      let k = 0;
      let owner: string | undefined;
      let ownerText = '';
      if (logical.blankOwner) {
        owner = previousOwner;
        if (!owner) {
          problems.push({ line, message: text('This line starts with a space, which means "same owner as the record above", but there is no record above. Write the owner name (or @) at the start of the line.', '这一行以空格开头，表示"与上一条记录同名"，但上面没有记录。请在行首写出名字（或 @）。') });
          continue;
        }
      } else {
        ownerText = first.raw;
        k = 1;
        if (first.raw.toUpperCase() === 'IN') {
          problems.push({ line, message: ownerIsKeyword(first.raw, tokens) });
          continue;
        }
        const parsed = absoluteName(first.raw, origin);
        if (!parsed.name) {
          problems.push({ line, message: parsed.problem! });
          continue;
        }
        owner = parsed.name;
      }
      previousOwner = owner;

      const startsWithType = !logical.blankOwner && KNOWN_TYPES.has(first.raw.toUpperCase());
      const fail = (message: Text): void => {
        problems.push({ line, message: startsWithType ? ownerIsKeyword(first.raw, tokens) : message });
      };
      let ttl: number | undefined;
      let klass: string | undefined;
      for (let n = 0; n < 2 && k < tokens.length; n++) {
        const t = tokens[k]!;
        if (t.quoted) break;
        const asTtl = parseTtl(t.raw);
        if (asTtl !== undefined && ttl === undefined) {
          ttl = asTtl;
          k++;
        } else if (CLASSES.has(t.raw.toUpperCase()) && klass === undefined) {
          klass = t.raw.toUpperCase();
          k++;
        } else break;
      }
      if (klass && klass !== 'IN') {
        fail(text(`Class ${klass} is not the Internet class: write IN (or leave the class out).`, `${klass} 不是 Internet 类：请写 IN（或者省略类）。`));
        continue;
      }
      const typeToken = tokens[k];
      if (!typeToken) {
        fail(text('The record type is missing (A, MX, TXT, PTR, ...).', '缺少记录类型（A、MX、TXT、PTR……）。'));
        continue;
      }
      const type = typeToken.raw.toUpperCase();
      if (typeToken.quoted || !KNOWN_TYPES.has(type)) {
        fail(text(`"${typeToken.raw}" is not a record type the lab knows (A, AAAA, MX, CNAME, NS, PTR, TXT, SOA, SRV, CAA). Check the order: name, [TTL], [IN], type, data.`, `"${typeToken.raw}" 不是实验环境认识的记录类型（A、AAAA、MX、CNAME、NS、PTR、TXT、SOA、SRV、CAA）。检查顺序：名字、[TTL]、[IN]、类型、数据。`));
        continue;
      }
      const rdataTokens = tokens.slice(k + 1);
      const record: ZoneRecord = {
        name: owner,
        ttl: ttl ?? ttlDefault ?? lastTtl ?? DEFAULT_TTL,
        type,
        line,
        ownerText,
        origin: origin ?? '.',
        rdata: rdataTokens.map((t) => t.raw),
      };
      lastTtl = record.ttl;
      const problem = readRdata(record, rdataTokens, origin);
      if (problem) {
        fail(problem);
        continue;
      }
      records.push(record);
    }
  } catch (err) {
    // A parser bug must never become a crash for the learner.
    problems.push({ line: 0, message: text(`The zone could not be read (${(err as Error).message}).`, `无法读取这个区域文件（${(err as Error).message}）。`) });
  }
  problems.sort((a, b) => a.line - b.line);
  return { records, problems, origin: origin ?? '.' };
}

function ownerIsKeyword(word: string, tokens: Token[]): Text {
  const line = tokens.map((t) => t.raw).join(' ');
  return text(
    `The line starts with "${word}", so BIND reads it as the owner name. Write the owner first (e.g. "@ ${line}"), or indent the line to reuse the owner of the record above.`,
    `这一行以 "${word}" 开头，BIND 会把它当成记录名。请先写名字（例如 "@ ${line}"），或者在行首留空格沿用上一条记录的名字。`,
  );
}

function readRdata(record: ZoneRecord, tokens: Token[], origin: string | undefined): Text | undefined {
  const { type } = record;
  const need = (n: number): Text | undefined =>
    tokens.length === n ? undefined : formatProblem(type, text(`${type} needs ${n} value${n > 1 ? 's' : ''} after the type, found ${tokens.length}.`, `${type} 类型后面需要 ${n} 个值，现在有 ${tokens.length} 个。`));
  const nameAt = (t: Token): { name?: string; problem?: Text } => absoluteName(t.quoted ? t.value : t.raw, origin);
  switch (type) {
    case 'A': {
      const bad = need(1);
      if (bad) return bad;
      if (!isIPv4(tokens[0]!.raw)) return formatProblem(type, text(`"${tokens[0]!.raw}" is not an IPv4 address.`, `"${tokens[0]!.raw}" 不是 IPv4 地址。`));
      record.address = tokens[0]!.raw.split('.').map(Number).join('.');
      return undefined;
    }
    case 'AAAA': {
      const bad = need(1);
      if (bad) return bad;
      if (!isIPv6(tokens[0]!.raw)) return formatProblem(type, text(`"${tokens[0]!.raw}" is not an IPv6 address.`, `"${tokens[0]!.raw}" 不是 IPv6 地址。`));
      record.address = tokens[0]!.raw.toLowerCase();
      return undefined;
    }
    case 'MX': {
      const bad = need(2);
      if (bad) return bad;
      const pref = tokens[0]!.raw;
      if (!/^\d+$/.test(pref) || Number(pref) > 65535) {
        return formatProblem(type, text(`The preference "${pref}" must be a number from 0 to 65535, written before the host name.`, `优先级 "${pref}" 必须是 0 到 65535 的数字，写在主机名前面。`));
      }
      const target = nameAt(tokens[1]!);
      if (!target.name) return target.problem;
      record.preference = Number(pref);
      record.target = target.name;
      record.targetText = tokens[1]!.raw;
      return undefined;
    }
    case 'CNAME':
    case 'NS':
    case 'PTR': {
      const bad = need(1);
      if (bad) return bad;
      const target = nameAt(tokens[0]!);
      if (!target.name) return target.problem;
      record.target = target.name;
      record.targetText = tokens[0]!.raw;
      return undefined;
    }
    case 'TXT':
    case 'SPF': {
      if (tokens.length === 0) return formatProblem(type, text('TXT needs at least one string.', 'TXT 至少需要一个字符串。'));
      for (const t of tokens) {
        if (Buffer.byteLength(t.value, 'latin1') > 255 || Buffer.byteLength(t.value, 'utf8') > 255) {
          return text(
            `One string in a TXT record holds at most 255 bytes, this one has ${Buffer.byteLength(t.value, 'utf8')}. Split it into several quoted strings, e.g. ( "first part" "second part" ): they are joined without spaces.`,
            `TXT 记录中的一个字符串最多 255 字节，这个有 ${Buffer.byteLength(t.value, 'utf8')} 字节。请拆成几个带引号的字符串，例如 ( "第一段" "第二段" )：它们会被无空格地拼接起来。`,
          );
        }
      }
      record.strings = tokens.map((t) => t.value);
      return undefined;
    }
    case 'SOA': {
      const bad = need(7);
      if (bad) return bad;
      for (const t of tokens.slice(0, 2)) {
        const n = nameAt(t);
        if (!n.name) return n.problem;
      }
      for (const t of tokens.slice(2)) {
        if (parseTtl(t.raw) === undefined) return formatProblem(type, text(`"${t.raw}" is not a number or time.`, `"${t.raw}" 不是数字或时间。`));
      }
      return undefined;
    }
    case 'SRV': {
      const bad = need(4);
      if (bad) return bad;
      for (const t of tokens.slice(0, 3)) {
        if (!/^\d+$/.test(t.raw) || Number(t.raw) > 65535) return formatProblem(type, text(`"${t.raw}" must be a number from 0 to 65535.`, `"${t.raw}" 必须是 0 到 65535 的数字。`));
      }
      const target = nameAt(tokens[3]!);
      if (!target.name) return target.problem;
      record.target = target.name;
      record.targetText = tokens[3]!.raw;
      return undefined;
    }
    case 'CAA': {
      const bad = need(3);
      if (bad) return bad;
      if (!/^\d+$/.test(tokens[0]!.raw) || Number(tokens[0]!.raw) > 255) return formatProblem(type, text('The CAA flags must be a number from 0 to 255.', 'CAA 的 flags 必须是 0 到 255 的数字。'));
      return undefined;
    }
    default:
      return undefined;
  }
}

/** The TXT strings of a record joined as DNS clients see them (RFC 7208 §3.3: no spaces added). */
export function txtValue(record: ZoneRecord): string {
  return (record.strings ?? []).join('');
}
