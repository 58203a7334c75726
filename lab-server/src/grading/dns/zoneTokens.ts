/**
 * The lexer of zone files (RFC 1035 §5.1): logical lines of tokens, with `;` comments dropped,
 * parentheses joining lines, quoted strings with `\X` and `\DDD` escapes, and a line that
 * begins with a blank meaning "the previous owner".
 */
import { text } from '../feedback.js';
import { escapedBytes, readEscape } from './zoneEscapes.js';
import type { ZoneProblem } from './zoneRecord.js';

export interface Token {
  value: string;
  raw: string;
  quoted: boolean;
  line: number;
}

export interface LogicalLine {
  tokens: Token[];
  /** The line began with a space or tab: the owner is the previous record's owner. */
  blankOwner: boolean;
  line: number;
}

/** Splits text into logical lines of tokens (comments dropped, parentheses joined). */
export function tokenize(source: string, problems: ZoneProblem[]): LogicalLine[] {
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
          if (esc.bad) problems.push({ line, message: badEscape(source.slice(i, esc.next)) });
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
      push({ value: asUtf8(value, raw.slice(1, closed ? -1 : undefined)), raw, quoted: true, line: start });
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
        if (esc.bad) problems.push({ line, message: badEscape(source.slice(i, esc.next)) });
        value += esc.char;
        raw += source.slice(i, esc.next);
        i = esc.next;
        continue;
      }
      value += d;
      raw += d;
      i++;
    }
    push({ value: asUtf8(value, raw), raw, quoted: false, line: start });
  }
  if (depth > 0) {
    problems.push({ line: openedAt, message: text('The "(" opened here is never closed: add the ")".', '这里打开的 "(" 一直没有闭合：补上 ")"。') });
  }
  endLogical();
  return lines;
}

/** A token's bytes (a character-string's, for TXT). */
export function tokenBytes(t: Token): Buffer {
  return escapedBytes(t.quoted ? t.raw.slice(1, t.raw.length > 1 && t.raw.endsWith('"') ? -1 : undefined) : t.raw);
}

/**
 * A word whose \DDD escapes give bytes above 127: BIND keeps the bytes, so "\195\169" is the
 * UTF-8 of "é" (served as c3 a9, not as the two characters Ã©). Read as UTF-8 when the bytes are;
 * otherwise the text keeps one character per escaped byte, and tokenBytes gives the bytes.
 */
function asUtf8(value: string, inner: string): string {
  if (!/[\x80-\xff]/.test(value) || !/\\(12[89]|1[3-9]\d|2[0-5]\d)/.test(inner)) return value;
  const bytes = escapedBytes(inner);
  const text = bytes.toString('utf8');
  return Buffer.from(text, 'utf8').equals(bytes) ? text : value;
}

const badEscape = (raw: string): ZoneProblem['message'] =>
  text(
    `"${raw}" is not an escape BIND reads: a backslash before digits takes exactly three, \\000 to \\255 (write "1" as \\049, or drop the backslash).`,
    `"${raw}" 不是 BIND 能读的转义：反斜杠后面跟数字时必须正好三位，\\000 到 \\255（例如 "1" 写作 \\049，或者去掉反斜杠）。`,
  );

