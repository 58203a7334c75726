/**
 * Dovecot 2.3's event filter language (log_debug, log_core_filter, process_shutdown_filter, a
 * metric's filter), read as lib/event-filter-lexer.l and event-filter-parser.y read it (2.3.19):
 *   expr := key op value | expr AND expr | expr OR expr | NOT expr | "(" expr ")"
 * with op "=", ">", "<", ">=", "<=". doveconf refuses the file for a filter it cannot parse and
 * quotes bison's words, which depend on where the parser stood; this reader says the same words.
 * tests/unit/dovecot-event-filters.test.ts asks the real doveconf.
 */

/** What to write instead, for any filter doveconf cannot parse. */
export const EVENT_FILTER_NEXT = [
  'An event filter compares names with values and joins them with AND, OR, NOT and parentheses, e.g. "category=imap AND NOT event=imap_command_finished"; put a value with spaces or other signs in double quotes (cmd_name="LIST EXTENDED").',
  '事件过滤器把名字和值作比较，再用 AND、OR、NOT 和括号连接，例如 "category=imap AND NOT event=imap_command_finished"；含空格或其他符号的值要放在双引号里（cmd_name="LIST EXTENDED"）。',
] as const;

type Kind = 'TOKEN' | 'STRING' | 'AND' | 'OR' | 'NOT' | "'('" | "')'" | "'='" | "'>'" | "'<'" | '$end' | '$undefined';

interface Lexeme {
  kind: Kind;
  text: string;
}

const PUNCTUATION: Record<string, Kind> = { '(': "'('", ')': "')'", '=': "'='", '>': "'>'", '<': "'<'" };
const KEYWORDS: Record<string, Kind> = { and: 'AND', or: 'OR', not: 'NOT' };

/** The lexer: words of [A-Za-z0-9:.*?_-], "strings", and any other byte a token bison does not know. */
function lex(input: string): Lexeme[] {
  const out: Lexeme[] = [];
  for (let i = 0; i < input.length; ) {
    const c = input[i]!;
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') i++;
    else if (c === '"') {
      let value = '';
      let j = i + 1;
      while (j < input.length && input[j] !== '"') {
        if (input[j] === '\\' && j + 1 < input.length) {
          const next = input[j + 1]!;
          value += next === '\\' || next === '"' ? next : `\\${next}`;
          j += 2;
        } else value += input[j++];
      }
      // A string never closed ends the input: flex stops at the end inside it.
      if (j >= input.length) break;
      out.push({ kind: 'STRING', text: value });
      i = j + 1;
    } else if (PUNCTUATION[c]) {
      out.push({ kind: PUNCTUATION[c]!, text: c });
      i++;
    } else {
      const word = /^[A-Za-z0-9:.*?_-]+/.exec(input.slice(i))?.[0];
      if (word) {
        out.push({ kind: KEYWORDS[word.toLowerCase()] ?? 'TOKEN', text: word });
        i += word.length;
      } else {
        out.push({ kind: '$undefined', text: c });
        i++;
      }
    }
  }
  out.push({ kind: '$end', text: '' });
  return out;
}

class FilterError extends Error {}

const syntax = (found: Kind, expecting?: string): FilterError => new FilterError(`syntax error, unexpected ${found}${expecting ? `, expecting ${expecting}` : ''}`);

/** Bison's YYMAXDEPTH: a parser stack this deep is "memory exhausted" (asked of doveconf: 9,996 "(" are). */
const MAX_DEPTH = 10_000;

/**
 * What doveconf says of an event filter ("event filter: syntax error, unexpected $end, expecting
 * '=' or '>' or '<'"), or undefined when it takes it. An empty filter is taken (it matches nothing).
 * The parser's stack is counted as bison's grows (one state for each "(", NOT, AND, OR and word of
 * a comparison), so a filter nested too deep is refused as doveconf refuses it.
 */
export function eventFilterProblem(filter: string): string | undefined {
  const tokens = lex(filter);
  let at = 0;
  const kind = (): Kind => tokens[at]!.kind;
  let depth = 1;
  const shift = (to = depth + 1): void => {
    depth = to;
    if (depth >= MAX_DEPTH) throw new FilterError('memory exhausted');
    at++;
  };
  // After "(", AND, OR or NOT an expression must follow; at the very start the filter may be empty.
  const START = "TOKEN or STRING or NOT or '('";
  const open: number[] = [];
  let level = 1;
  let first = true;
  try {
    if (kind() === '$end') return undefined;
    for (;;) {
      while (kind() === 'NOT') {
        shift();
        first = false;
      }
      if (kind() === "'('") {
        shift();
        open.push(level);
        level = depth;
        first = false;
        continue;
      }
      if (kind() !== 'TOKEN' && kind() !== 'STRING') throw syntax(kind(), first ? '$end' : START);
      const key = tokens[at]!.text;
      shift();
      const op = kind();
      if (op !== "'='" && op !== "'>'" && op !== "'<'") throw syntax(op, "'=' or '>' or '<'");
      shift();
      if (op !== "'='" && kind() === "'='") {
        shift();
        depth--; // ">" "=" is reduced to one op before the value
      }
      // The value may be a keyword ("category=and"); bison names no expected tokens past four.
      if (!['TOKEN', 'STRING', 'AND', 'OR', 'NOT'].includes(kind())) throw syntax(kind());
      shift();
      // Only fields compare by order; the event's name, category and source location only by "=".
      if (op !== "'='" && ['event', 'category', 'source_location'].includes(key)) throw new FilterError('Only fields support inequality comparisons');
      for (;;) {
        depth = level + 1;
        if (kind() === 'AND' || kind() === 'OR') {
          shift();
          first = false;
          break;
        }
        if (open.length === 0) {
          if (kind() !== '$end') throw syntax(kind(), '$end');
          return undefined;
        }
        if (kind() !== "')'") throw syntax(kind(), "AND or OR or ')'");
        shift(level + 2);
        level = open.pop()!;
      }
    }
  } catch (err) {
    return `event filter: ${(err as Error).message}`;
  }
}
