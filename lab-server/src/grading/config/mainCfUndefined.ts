/**
 * $names in the learner's main.cf that Postfix does not know and main.cf does not set. Postfix
 * expands each to nothing and postconf warns ("postconf: warning: /etc/postfix/main.cf:
 * undefined parameter: nosuch"); what the emptied value then does is judged by each grader, as
 * the daemons meet it ("alias_maps = $nosuch:/etc/aliases" is ":/etc/aliases", and smtpd stops).
 */
import { MAX_FEEDBACK_LINES, text, warn, type FeedbackLine } from '../feedback.js';
import type { MainCf, MainCfEntry } from './mainCf.js';
import { references } from './mainCfReferences.js';
import { closestParameter } from './postfixParameters.js';

/** A value's $references by name, those inside ${name?value} and ${name:value} too; `fallback` when met as ${name:value}. */
function referencedNames(value: string, depth = 0): { name: string; fallback: boolean }[] {
  if (depth > 20) return [];
  return references(value).flatMap((r) => (r.dollar ? [] : [{ name: r.name!, fallback: r.op === ':' }, ...(r.arg === undefined ? [] : referencedNames(r.arg, depth + 1))]));
}

/** What the undefined names become: $name, ${name} and ${name?value} nothing; ${name:value} the text after ":". */
function outcome(refs: { name: string; fallback: boolean }[], names: string[]): { en: string; zh: string } {
  // A name met only as ${name:value} is replaced by its value, not by nothing.
  const fallbackOnly = new Set(names.filter((n) => refs.every((r) => r.name !== n || r.fallback)));
  const empties = names.filter((n) => !fallbackOnly.has(n)).map((n) => `$${n}`);
  const fallbacks = names.filter((n) => fallbackOnly.has(n)).map((n) => `\${${n}:...}`);
  const en: string[] = [];
  const zh: string[] = [];
  if (empties.length) {
    en.push(`${empties.join(', ')} ${empties.length > 1 ? 'expand' : 'expands'} to nothing`);
    zh.push(`${empties.join('、')} 展开后什么都没有`);
  }
  if (fallbacks.length) {
    en.push(`${fallbacks.join(', ')} ${fallbacks.length > 1 ? 'give' : 'gives'} the text after its ":"`);
    zh.push(`${fallbacks.join('、')} 取其 ":" 后面的文本`);
  }
  return { en: en.join(', and '), zh: zh.join('，') };
}

/** A warning for each of the learner's settings that names an undefined parameter, as postconf gives. */
export function undefinedReferences(cf: MainCf): FeedbackLine[] {
  const last = new Map<string, MainCfEntry>();
  for (const e of cf.entries) last.set(e.name, e);
  const lines: FeedbackLine[] = [];
  for (const entry of last.values()) {
    if (entry.line === 0) continue; // the exercise's own lines
    const refs = referencedNames(entry.value);
    const names = [...new Set(refs.map((r) => r.name))].filter((n) => cf.undefinedName(n));
    if (names.length === 0) continue;
    const shown = names.slice(0, 3).map((n) => `$${n}`).join(', ') + (names.length > 3 ? ', ...' : '');
    const becomes = outcome(refs, names.slice(0, 3));
    // "Did you mean" weighs the name against all 800 of postconf's; past the lines shown, unread.
    const guess = lines.length < MAX_FEEDBACK_LINES ? closestParameter(names[0]!) : undefined;
    lines.push(
      warn(
        'postfix.undefined-parameter',
        text(
          `Line ${entry.line}: ${entry.name} names ${shown}, but Postfix has no such ${names.length > 1 ? 'parameters and main.cf does not set them' : 'parameter and main.cf does not set it'}, so ${becomes.en} ("postconf: warning: undefined parameter: ${names[0]}").`,
          `第 ${entry.line} 行：${entry.name} 引用了 ${shown}，但 Postfix 没有这${names.length > 1 ? '些' : '个'}参数，main.cf 里也没有设置，所以 ${becomes.zh}（"postconf: warning: undefined parameter: ${names[0]}"）。`,
        ),
        guess
          ? text(`Did you mean $${guess}? Otherwise write the value itself, or set "${names[0]} = ..." on a line of its own.`, `是不是想写 $${guess}？否则直接写出值本身，或者单独一行设置 "${names[0]} = ..."。`)
          : text(`Check the spelling ("postconf -d" lists every parameter); otherwise write the value itself, or set "${names[0]} = ..." on a line of its own.`, `检查拼写（"postconf -d" 列出所有参数）；否则直接写出值本身，或者单独一行设置 "${names[0]} = ..."。`),
      ),
    );
  }
  return lines;
}
