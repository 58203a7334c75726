/**
 * "key = $key more" in Dovecot 2.3: doveconf (-n, as the grader asks it) expands a word `$key`
 * naming the setting's own key to its value so far (config_write_keyvariable, 2.3.19): the value
 * the innermost protocol/local/remote filter set, else its parent's, else the default. Any other
 * `$name` stays as written. Only in a value outside quotes; its words, split at spaces, are
 * joined again by one space. A name that is no top-level setting (a namespace's separator, a
 * plugin's quota) is "Unknown variable", and doveconf refuses the whole file.
 * protocols is read by dovecotProtocols.ts (each word once). tests/unit/dovecot-variables.test.ts asks the real doveconf.
 */
import { text, type Text } from '../feedback.js';
import { DOVECOT_FILTERS } from './dovecotBooleans.js';
import { DOVECOT_DEFAULTS } from './dovecotDefaults.js';
import { DOVECOT_SETTING_NAMES } from './dovecotNames.js';

interface Setting {
  key: string;
  value: string;
  path: readonly string[];
  fromFile?: boolean;
}

/**
 * The longest value expansion makes: "x = $x $x" doubles it each line, and thirty lines would
 * be gigabytes (doveconf's own memory too). No configuration has a value this long.
 */
export const MAX_EXPANDED = 64 * 1024;

/**
 * The line as a message quotes it: a long one only by its start, so the reason and the next step
 * still fit in the message (feedback.ts clips each at 2,000 characters).
 */
const quoted = (s: Setting): string => `${s.key} = ${s.value.length > 60 ? `${s.value.slice(0, 60)}…` : s.value}`;

/** The words as doveconf walks them: each ends at a space; spaces and tabs before the next are skipped. */
function wordsOf(value: string): string[] {
  const out: string[] = [];
  let rest = value;
  for (;;) {
    const space = rest.indexOf(' ');
    if (space < 0) return [...out, rest];
    out.push(rest.slice(0, space));
    rest = rest.slice(space).replace(/^[ \t]+/, '');
  }
}

/** The value of `key` as doveconf has it at this point, for a setting in `path`. */
function valueSoFar(key: string, path: readonly string[], earlier: readonly Setting[]): string {
  // Settings in a section that is no filter (service, inet_listener) are not the top-level key's.
  let filters = 0;
  while (filters < path.length && DOVECOT_FILTERS.has(path[filters]!.split(' ')[0]!)) filters++;
  for (let depth = filters; depth >= 0; depth--) {
    const scope = path.slice(0, depth).join('\n');
    for (let i = earlier.length - 1; i >= 0; i--) {
      const s = earlier[i]!;
      if (s.key === key && s.path.join('\n') === scope) return s.fromFile ? `<${s.value}` : s.value;
    }
  }
  return DOVECOT_DEFAULTS.get(key) ?? '';
}

/**
 * The value doveconf keeps for an unquoted `raw` with a "$", or why it refuses the file. `earlier`
 * are the settings before it, their values expanded already.
 */
export function expandOwnName(s: Setting, earlier: readonly Setting[]): { value: string } | { problem: Text } {
  if (s.key === 'protocols') return { value: s.value };
  const words = wordsOf(s.value);
  if (!words.includes(`$${s.key}`)) return { value: words.join(' ') };
  if (!DOVECOT_SETTING_NAMES.get('')!.has(s.key)) {
    return {
      problem: text(
        `${quoted(s)}: "$${s.key}" stands for the earlier value only of a top-level setting (or one a protocol, local or remote section sets), and doveconf refuses the whole file ("Unknown variable: $${s.key}"). Write the whole value out.`,
        `${quoted(s)}："$${s.key}" 只能代表顶层设置（或 protocol、local、remote 段落里设置的）之前的值，doveconf 会拒绝整个文件（"Unknown variable: $${s.key}"）。请把完整的值写出来。`,
      ),
    };
  }
  const before = valueSoFar(s.key, s.path, earlier);
  // Measured before it is built: 8,000 "$key" after a value near the limit would be 500 MB.
  const length = words.reduce((n, w) => n + 1 + (w === `$${s.key}` ? before.length : w.length), -1);
  if (length <= MAX_EXPANDED) return { value: words.map((w) => (w === `$${s.key}` ? before : w)).join(' ') };
  return {
    problem: text(
      `${quoted(s)}: with "$${s.key}" standing for the value so far, the value grows past ${MAX_EXPANDED / 1024} KB, which no Dovecot configuration needs (and doveconf's memory would not hold many more such lines). Write the value out once.`,
      `${quoted(s)}："$${s.key}" 代表目前为止的值，展开后超过 ${MAX_EXPANDED / 1024} KB，没有哪个 Dovecot 配置需要这么长（再多几行这样的设置，doveconf 的内存也装不下）。请把值完整地写一次。`,
    ),
  };
}
