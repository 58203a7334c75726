/**
 * "key = $name more" in Dovecot 2.3, as Dovecot reads the file when it starts (doveconf -x; the
 * master refuses to start on what it refuses): each word `$name` of a value outside quotes is the
 * value so far of the top-level setting `name` (config_write_keyvariable, 2.3.19): the value the
 * innermost protocol/local/remote filter set, else its parent's, else the default; `$ENV:NAME`
 * is the environment's NAME, which the server's Dovecot (started by systemd) does not have, so
 * nothing. Its words, split at spaces, are joined again by one space; "b$name" is no variable.
 * A name that is no top-level setting ("$nosuch", a namespace's separator, a plugin's quota) is
 * "Unknown variable", a top-level list of sections ("$service") "Invalid variable", and doveconf
 * refuses the whole file. (doveconf -n alone expands only the setting's own name.)
 * protocols is read by dovecotProtocols.ts (each word once). tests/unit/dovecot-variables.test.ts asks the real doveconf.
 */
import { text, type Text } from '../feedback.js';
import { DOVECOT_FILTERS } from './dovecotBooleans.js';
import { DOVECOT_DEFAULTS } from './dovecotDefaults.js';
import { DOVECOT_SETTING_NAMES, DOVECOT_SUBSECTIONS } from './dovecotNames.js';

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

/** Why doveconf refuses the word `$name` in a value, or undefined when it names a top-level setting. */
function variableProblem(s: Setting, name: string): Text | undefined {
  if (DOVECOT_SUBSECTIONS.get('')!.has(name) && !DOVECOT_FILTERS.has(name)) {
    return text(
      `${quoted(s)}: "$${name}" names a list of sections, not a value, and Dovecot refuses the whole file ("Invalid variable: $${name}"). Write the value out.`,
      `${quoted(s)}："$${name}" 是一组段落，不是一个值，Dovecot 会拒绝整个文件（"Invalid variable: $${name}"）。请把值写出来。`,
    );
  }
  if (DOVECOT_SETTING_NAMES.get('')!.has(name)) return undefined;
  return text(
    `${quoted(s)}: a word "$name" stands for the value so far of the top-level setting "name" (or one a protocol, local or remote section sets), and "${name}" is none, so Dovecot refuses the whole file ("Unknown variable: $${name}") and does not start. Write the whole value out${name === s.key ? '' : `, or put the "$" in quotes ("…$${name}…") if it is part of the value`}.`,
    `${quoted(s)}：单词 "$name" 代表顶层设置 "name"（或 protocol、local、remote 段落里设置的）目前为止的值，而 "${name}" 不是这样的设置，所以 Dovecot 会拒绝整个文件（"Unknown variable: $${name}"），无法启动。请把完整的值写出来${name === s.key ? '' : `；如果 "$" 本来就是值的一部分，请把值放进引号（"…$${name}…"）`}。`,
  );
}

/**
 * The value Dovecot keeps for an unquoted value with a "$", or why it refuses the file. `earlier`
 * are the settings before it, their values expanded already. protocols keeps its own "$protocols"
 * for dovecotProtocols.ts. In a 2.4 file (`ownOnly`) only the setting's own name is read so: 2.4
 * has variables of its own ($SET:, %{...}), and no 2.4 doveconf was asked.
 */
export function expandOwnName(s: Setting, earlier: readonly Setting[], ownOnly = false): { value: string } | { problem: Text } {
  const words = wordsOf(s.value);
  const values = new Map<string, string>();
  for (const w of words) {
    if (!w.startsWith('$') || values.has(w) || (s.key === 'protocols' && w === '$protocols') || (ownOnly && w !== `$${s.key}`)) continue;
    if (w.startsWith('$ENV:')) {
      values.set(w, '');
      continue;
    }
    const problem = variableProblem(s, w.slice(1));
    if (problem) return { problem };
    values.set(w, valueSoFar(w.slice(1), s.path, earlier));
  }
  // Measured before it is built: 8,000 "$key" after a value near the limit would be 500 MB.
  const length = words.reduce((n, w) => n + 1 + (values.get(w) ?? w).length, -1);
  if (length <= MAX_EXPANDED) return { value: words.map((w) => values.get(w) ?? w).join(' ') };
  return {
    problem: text(
      `${quoted(s)}: with "$${s.key}" standing for the value so far, the value grows past ${MAX_EXPANDED / 1024} KB, which no Dovecot configuration needs (and doveconf's memory would not hold many more such lines). Write the value out once.`,
      `${quoted(s)}："$${s.key}" 代表目前为止的值，展开后超过 ${MAX_EXPANDED / 1024} KB，没有哪个 Dovecot 配置需要这么长（再多几行这样的设置，doveconf 的内存也装不下）。请把值完整地写一次。`,
    ),
  };
}
