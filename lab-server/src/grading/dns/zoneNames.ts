/**
 * Names and times as zone files write them: `@`, relative names completed with the origin,
 * escaped dots, label and name lengths (RFC 1035 §2.3.4), and BIND's TTL syntax ("1h30m").
 */
import { text, type Text } from '../feedback.js';
import { readEscape } from './zoneEscapes.js';

/** RFC 2181 §8: a TTL past this is read as 0 (BIND: "$TTL 2147483648 > MAXTTL, setting $TTL to 0"). */
export const MAX_TTL = 2 ** 31 - 1;
const MAX_TIME = 2 ** 32 - 1;

/**
 * Parses a BIND time value: "3600", "1h", "1h30m", "2W". Undefined if it is not one or does not
 * fit 32 bits (BIND: "out of range"; as a record's TTL the word is then taken for its type). A
 * record's TTL or $TTL above MAX_TTL is the caller's to read as 0; an SOA timer keeps it.
 */
export function parseTtl(token: string): number | undefined {
  if (/^\d+$/.test(token)) {
    const n = Number(token);
    return n <= MAX_TIME ? n : undefined;
  }
  const units: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400, w: 604800 };
  const parts = token.toLowerCase().match(/^(\d+[smhdw])+$/);
  if (!parts) return undefined;
  let total = 0;
  for (const m of token.toLowerCase().matchAll(/(\d+)([smhdw])/g)) total += Number(m[1]) * units[m[2]!]!;
  return total <= MAX_TIME ? total : undefined;
}

export interface NameResult {
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
    // On the wire a label is at most 63 bytes: a non-ASCII character takes 2 to 4 of them in UTF-8.
    if (labelBytes(l) > 63) {
      return {
        relative: !absolute,
        problem: text(`A label in "${raw}" is longer than 63 bytes (a character outside ASCII takes 2 to 4 bytes).`, `"${raw}" 中有一个标签超过 63 字节（ASCII 以外的字符占 2 到 4 个字节）。`),
      };
    }
  }
  let name = labels.join('.').toLowerCase() + '.';
  if (!absolute) {
    if (!origin) {
      return { relative: true, problem: text(`"${raw}" is relative (no trailing dot) and no $ORIGIN is set: end it with "." or set $ORIGIN.`, `"${raw}" 是相对名字（结尾没有点），又没有设置 $ORIGIN：在结尾加 "."，或设置 $ORIGIN。`) };
    }
    name = origin === '.' ? name : name + origin;
  }
  if (wireLength(name) > 255) {
    return {
      relative: !absolute,
      problem: text(`"${raw}" is longer than 255 bytes on the wire once the origin is added (at most 253 characters, dots included).`, `"${raw}" 加上 origin 后在报文中超过 255 字节（最多 253 个字符，点也算在内）。`),
    };
  }
  return { name, relative: !absolute };
}

/** A label's length on the wire: escapes (`\\.`) count once, other characters by their UTF-8 bytes. */
function labelBytes(label: string): number {
  return Buffer.byteLength(label.replace(/\\(.)/g, '$1'), 'utf8');
}

/** An absolute name's length on the wire: a length byte before each label, and the root's zero byte. */
function wireLength(name: string): number {
  if (name === '.') return 1;
  const labels = name.slice(0, -1).split(/(?<!\\)\./);
  return labels.reduce((sum, l) => sum + 1 + labelBytes(l), 1);
}

