/**
 * The $ directives of a zone file ($ORIGIN, $TTL, $INCLUDE, $GENERATE), read as BIND reads
 * them (asked of named-checkzone 9.18): a line's first word is a directive when it starts with
 * "$" inside its quotes or without them ('"$ORIGIN" sub' moves the origin, '"$x"' is an unknown
 * directive), but not "\$"; the argument of $ORIGIN or $TTL in quotes is a "syntax error", and a
 * word after it is "extra input text".
 */
import { text } from '../feedback.js';
import { absoluteName, parseTtl } from './zoneNames.js';
import type { ZoneProblem } from './zoneRecord.js';
import type { LogicalLine } from './zoneTokens.js';

/** The directive a line starts with ("$ORIGIN", "$X"), or undefined for a record. */
export function directiveOf(logical: LogicalLine): string | undefined {
  if (logical.blankOwner) return undefined;
  const first = logical.tokens[0]!;
  const written = first.quoted ? first.raw.slice(1) : first.raw;
  return written.startsWith('$') ? first.value.toUpperCase() : undefined;
}

/** Reads one directive line: the new origin or default TTL it sets, or a problem. */
export function readDirective(logical: LogicalLine, directive: string, origin: string | undefined, problems: ZoneProblem[]): { origin?: string; ttl?: number } {
  const { tokens, line } = logical;
  if (directive === '$INCLUDE' || directive === '$GENERATE') {
    problems.push({ line, message: text(`${directive} is not available in the lab: write the records out in this file.`, `实验环境不支持 ${directive}：请把记录直接写在这个文件里。`) });
    return {};
  }
  if (directive !== '$ORIGIN' && directive !== '$TTL') {
    problems.push({ line, message: text(`Unknown directive ${tokens[0]!.value}: BIND knows $ORIGIN, $TTL, $INCLUDE and $GENERATE ("unknown $ directive"). An owner name cannot start with "$".`, `未知指令 ${tokens[0]!.value}：BIND 只认识 $ORIGIN、$TTL、$INCLUDE 和 $GENERATE（"unknown $ directive"）。记录名不能以 "$" 开头。`) });
    return {};
  }
  const what = directive === '$ORIGIN' ? { en: 'a domain name', zh: '一个域名', example: '$ORIGIN example.com.' } : { en: 'a time', zh: '一个时间', example: '$TTL 3600' };
  const quoted = tokens[1]?.quoted ? tokens[1] : undefined;
  if (quoted) {
    problems.push({ line, message: text(`${directive} takes ${what.en} without quotes: BIND stops on ${quoted.raw} with "syntax error". Write it as "${directive} ${quoted.value || '...'}".`, `${directive} 后面的${what.zh}不能加引号：BIND 读到 ${quoted.raw} 就报 "syntax error"。写成 "${directive} ${quoted.value || '...'}"。`) });
    return {};
  }
  const arg = tokens[1];
  if (tokens.length > 2) {
    const extra = tokens.slice(2).map((t) => t.raw).join(' ');
    const says = tokens.slice(2).some((t) => t.quoted) ? 'syntax error' : 'extra input text';
    problems.push({ line, message: text(`${directive} takes one word, but ${extra} follows it: BIND stops here with "${says}". Remove it, or start a comment with ";".`, `${directive} 后面只能有一个词，这里还跟着 ${extra}：BIND 会报 "${says}"。删掉它，或者用 ";" 开始注释。`) });
    return {};
  }
  if (directive === '$ORIGIN') {
    const parsed = arg ? absoluteName(arg.raw, origin) : undefined;
    if (parsed?.name) return { origin: parsed.name };
    problems.push({ line, message: parsed?.problem ?? text(`$ORIGIN needs ${what.en}, e.g. "${what.example}"`, `$ORIGIN 后面要跟${what.zh}，例如 "${what.example}"`) });
    return {};
  }
  const ttl = arg ? parseTtl(arg.raw) : undefined;
  if (ttl !== undefined) return { ttl };
  problems.push({ line, message: text('$TTL needs a time, e.g. "$TTL 3600" or "$TTL 1h".', '$TTL 后面要跟一个时间，例如 "$TTL 3600" 或 "$TTL 1h"。') });
  return {};
}
