/**
 * A parser for Postfix main.cf as postconf(5) describes it: `name = value`, a line that starts
 * with whitespace continues the one before, lines whose first non-blank character is `#` are
 * ignored, the last definition of a name wins, and `$name`, `${name}`, `$(name)`,
 * `${name?text}`, `${name:text}` expand when the value is used. Never throws.
 */
import { MAX_FEEDBACK_LINES, text, type Text } from '../feedback.js';
import { references } from './mainCfReferences.js';
import { closestParameter, KNOWN_PARAMETERS, POSTFIX_DEFAULTS } from './postfixParameters.js';
import { serviceParameter } from './postfixNames.js';

export interface MainCfEntry {
  name: string;
  value: string;
  line: number;
}

export interface MainCfProblem {
  level: 'warn' | 'error';
  line: number;
  message: Text;
}

export class MainCf {
  constructor(
    readonly entries: MainCfEntry[],
    readonly problems: MainCfProblem[],
  ) {}

  /** The last definition of a name, as Postfix uses it. */
  entry(name: string): MainCfEntry | undefined {
    for (let i = this.entries.length - 1; i >= 0; i--) if (this.entries[i]!.name === name) return this.entries[i];
    return undefined;
  }

  isSet(name: string): boolean {
    return this.entry(name) !== undefined;
  }

  /** The raw value: the learner's, or Postfix's default. */
  raw(name: string): string {
    const set = this.entry(name);
    if (set) return set.value;
    if (name === 'mydomain') return this.expand('myhostname').split('.').slice(1).join('.') || 'localdomain';
    return Object.hasOwn(POSTFIX_DEFAULTS, name) ? POSTFIX_DEFAULTS[name]! : '';
  }

  /**
   * A name Postfix does not know and main.cf does not set: Postfix expands it to nothing
   * ("postconf: warning: ... undefined parameter: name"), and so does the grader.
   */
  undefinedName(name: string): boolean {
    return !this.isSet(name) && !KNOWN_PARAMETERS.has(name) && name !== 'mydomain' && !serviceParameter(name);
  }

  /**
   * Whether the grader knows what every $name in `value` (and in the values those name) becomes:
   * each is set in the answer, has a default the grader holds, or is no Postfix parameter at all
   * (nothing). Any other name is a Postfix parameter with a default the grader does not hold, so
   * a word holding it is not judged.
   */
  expandable(value: string, known = new Map<string, boolean>(), stack = new Set<string>()): boolean {
    if (stack.size > 21) return true; // as deep as expandText goes
    for (const r of references(value)) {
      if (r.dollar) continue;
      const name = r.name!;
      if (r.arg !== undefined && !this.expandable(r.arg, known, stack)) return false;
      if (stack.has(name)) continue;
      let ok = known.get(name);
      if (ok === undefined) {
        stack.add(name);
        ok = (this.isSet(name) || Object.hasOwn(POSTFIX_DEFAULTS, name) || name === 'mydomain' || this.undefinedName(name)) && this.expandable(this.raw(name), known, stack);
        stack.delete(name);
        known.set(name, ok);
      }
      if (!ok) return false;
    }
    return true;
  }

  /** The value with every $name expanded. Unknown names expand to nothing. */
  expand(name: string): string {
    return this.expandText(this.raw(name), 0, new Set([name]));
  }

  /** An expanded value split as Postfix splits lists: commas and/or whitespace. */
  list(name: string): string[] {
    return this.expand(name).split(/[\s,]+/).filter(Boolean);
  }

  /**
   * Expands $name references in a value. `budget` bounds the work of one expansion (references
   * followed plus characters made): "a = $b $b", "b = $c $c", ... doubles at every step, and
   * must not keep the lab busy (parseMainCf reports such a value as an error).
   */
  expandText(value: string, depth = 0, stack = new Set<string>(), budget = { left: MAX_EXPANSION }): string {
    if (depth > 20 || budget.left <= 0) return '';
    let out = '';
    let at = 0;
    for (const r of references(value)) {
      out += value.slice(at, r.start);
      at = r.end;
      if (r.dollar) {
        out += '$';
        continue;
      }
      const name = r.name!;
      if (stack.has(name) || --budget.left <= 0) continue;
      const inner = this.expandText(this.raw(name), depth + 1, new Set([...stack, name]), budget);
      let made = inner;
      if (r.op === '?') made = inner !== '' ? this.expandText(r.arg!, depth + 1, stack, budget) : '';
      if (r.op === ':') made = inner === '' ? this.expandText(r.arg!, depth + 1, stack, budget) : '';
      budget.left -= made.length;
      if (budget.left > 0) out += made;
    }
    return out + value.slice(at);
  }

  /**
   * How long a value becomes once expanded, at most MAX_EXPANSION + 1, without expanding it:
   * each parameter's length is worked out once, so a value that doubles at every step costs
   * a step each.
   */
  expandedLength(value: string, known = new Map<string, number>(), stack = new Set<string>()): number {
    if (stack.size > 21) return 0; // as deep as expandText goes
    const refs = references(value);
    let total = refs.reduce((left, r) => left - (r.end - r.start), value.length);
    for (const r of refs) {
      if (r.dollar) {
        total += 1;
        continue;
      }
      const name = r.name!;
      const arg = r.arg ?? '';
      if (stack.has(name)) continue;
      let inner = known.get(name);
      if (inner === undefined) {
        stack.add(name);
        inner = this.expandedLength(this.raw(name), known, stack);
        stack.delete(name);
        known.set(name, inner);
      }
      total += r.op ? Math.max(inner, this.expandedLength(arg, known, stack)) : inner;
      if (total > MAX_EXPANSION) return MAX_EXPANSION + 1;
    }
    return total;
  }
}

/** The most characters one parameter may become once its $names are expanded. */
export const MAX_EXPANSION = 100_000;

/** Parses main.cf text. Never throws. */
export function parseMainCf(source: string): MainCf {
  const entries: MainCfEntry[] = [];
  const problems: MainCfProblem[] = [];
  try {
    const lines = source.split('\n');
    let current: MainCfEntry | undefined;
    lines.forEach((rawLine, index) => {
      const line = rawLine.replace(/\r$/, '');
      const number = index + 1;
      if (/^\s*$/.test(line) || /^\s*#/.test(line)) return;
      if (/^\s/.test(line)) {
        if (!current) {
          problems.push({ level: 'error', line: number, message: text('This line starts with whitespace, which continues the previous setting, but there is none: Postfix ignores the line ("logical line must not start with whitespace"), so its setting never applies. Remove the leading spaces.', '这一行以空白开头，表示续接上一个参数，但前面没有参数：Postfix 会忽略这一行（"logical line must not start with whitespace"），其中的设置不会生效。删掉行首的空格。') });
          return;
        }
        current.value = `${current.value} ${line.trim()}`.trim();
        return;
      }
      const m = /^([A-Za-z0-9_.-]+)\s*=\s*(.*)$/.exec(line);
      if (!m) {
        current = undefined;
        problems.push({ level: 'error', line: number, message: text(`"${line.trim().slice(0, 60)}" is not "name = value": Postfix ignores this line.`, `"${line.trim().slice(0, 60)}" 不是 "名字 = 值" 的形式：Postfix 会忽略这一行。`) });
        return;
      }
      current = { name: m[1]!, value: m[2]!.trim(), line: number };
      entries.push(current);
    });
    // Restriction classes are parameters named by the learner.
    const classes = new Set(entries.filter((e) => e.name === 'smtpd_restriction_classes').flatMap((e) => e.value.split(/[\s,]+/)));
    // A parameter of the learner's own that another value names is used: postconf says nothing.
    const named = new Set(entries.flatMap((e) => references(e.value).map((r) => r.name)));
    // "Did you mean" weighs the name against all 800 of postconf's; past the lines shown, unread.
    let guesses = 0;
    for (const entry of entries) {
      if (/(^|\s)#/.test(entry.value)) {
        problems.push({ level: 'warn', line: entry.line, message: text(`"#" after a value is NOT a comment in main.cf: it becomes part of ${entry.name}. Put comments on their own line.`, `main.cf 里值后面的 "#" 不是注释：它会成为 ${entry.name} 值的一部分。注释要单独成行。`) });
      }
      if (!KNOWN_PARAMETERS.has(entry.name) && !classes.has(entry.name) && !serviceParameter(entry.name) && !named.has(entry.name)) {
        const guess = guesses++ < MAX_FEEDBACK_LINES ? closestParameter(entry.name) : undefined;
        problems.push({
          level: 'warn',
          line: entry.line,
          message: guess
            ? text(`Postfix has no parameter "${entry.name}" (did you mean "${guess}"?); an unknown name is silently unused.`, `Postfix 没有参数 "${entry.name}"（是不是想写 "${guess}"？）；不认识的参数会被静默忽略。`)
            : text(`"${entry.name}" is not a Postfix parameter the lab knows; if it is misspelt, Postfix silently ignores it.`, `"${entry.name}" 不是实验环境认识的 Postfix 参数；如果拼错了，Postfix 会静默忽略它。`),
        });
      }
    }
    const seen = new Map<string, number>();
    for (const entry of entries) {
      const before = seen.get(entry.name);
      if (before !== undefined) {
        problems.push({ level: 'warn', line: entry.line, message: text(`${entry.name} is set again (first on line ${before}); the last one wins, the earlier value is ignored.`, `${entry.name} 又设置了一次（第一次在第 ${before} 行）；以最后一次为准，前面的值被忽略。`) });
      }
      seen.set(entry.name, entry.line);
    }
    const cf = new MainCf(entries, problems);
    const known = new Map<string, number>();
    const huge = entries.find((e) => cf.expandedLength(e.value, known, new Set([e.name])) > MAX_EXPANSION);
    if (huge) {
      problems.push({
        level: 'error',
        line: huge.line,
        message: text(
          `${huge.name} grows to more than ${MAX_EXPANSION.toLocaleString('en')} characters once its $names are expanded (each $name is replaced by that parameter's whole value, again and again). Refer to each list once.`,
          `${huge.name} 展开 $名字 之后超过 ${MAX_EXPANSION.toLocaleString('en')} 个字符（每个 $名字 都会被替换成那个参数的完整值，层层叠加）。每个列表只引用一次。`,
        ),
      });
    }
  } catch (err) {
    problems.push({ level: 'error', line: 0, message: text(`main.cf could not be read (${(err as Error).message}).`, `无法读取 main.cf（${(err as Error).message}）。`) });
  }
  return new MainCf(entries, problems);
}
