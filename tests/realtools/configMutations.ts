/**
 * Configuration answers (main.cf, master.cf, dovecot.conf, opendkim.conf) written another way,
 * for the differential test of the configuration graders against postconf, a real Postfix,
 * doveconf and a real Dovecot: spacing around "=", comments (whole-line and after a value, which
 * Postfix keeps as part of the value), continuation lines, list separators, case, a parameter
 * given twice, or a near miss (an indented first line, which Postfix reads as a continuation).
 * Lines of a multi-file answer's "==> path <==" headers are never touched. Seeded (seeded()).
 */
import type { Random } from './zoneMutations.js';

const pick = <T>(rnd: Random, xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;

/** A "name = value" line: not a header, a comment, a continuation or a brace. */
const SETTING = /^(\s*)([A-Za-z_][\w.-]*)(\s*)=(\s*)(.*)$/;
const isSetting = (l: string): boolean => SETTING.test(l) && !l.startsWith('==>');

type Mutation = { name: string; apply(text: string, rnd: Random): string | undefined };

function onSetting(text: string, rnd: Random, change: (line: string, m: RegExpExecArray, lines: string[], i: number) => string | undefined): string | undefined {
  const lines = text.split('\n');
  const candidates = lines.map((l, i) => (isSetting(l) ? i : -1)).filter((i) => i >= 0);
  if (candidates.length === 0) return undefined;
  const i = pick(rnd, candidates);
  const changed = change(lines[i]!, SETTING.exec(lines[i]!)!, lines, i);
  if (changed === undefined || changed === lines[i]) return undefined;
  lines[i] = changed;
  return lines.join('\n');
}

const MUTATIONS: Mutation[] = [
  { name: 'no-spaces-at-equals', apply: (t, rnd) => onSetting(t, rnd, (_l, m) => `${m[1]}${m[2]}=${m[5]}`) },
  { name: 'wide-equals', apply: (t, rnd) => onSetting(t, rnd, (_l, m) => `${m[1]}${m[2]}${pick(rnd, ['   ', '\t', ' \t '])}=${pick(rnd, ['   ', '\t'])}${m[5]}`) },
  { name: 'trailing-space', apply: (t, rnd) => onSetting(t, rnd, (l) => `${l}${pick(rnd, [' ', '\t', '   '])}`) },
  { name: 'comment-after-value', apply: (t, rnd) => onSetting(t, rnd, (l, m) => (m[5] ? `${l} # ${pick(rnd, ['note', 'the default', 'was no'])}` : undefined)) },
  { name: 'comment-line-before', apply: (t, rnd) => onSetting(t, rnd, (l, m) => `${m[1]}# ${pick(rnd, ['a note', 'old = value', 'TODO'])}\n${l}`) },
  { name: 'blank-line-before', apply: (t, rnd) => onSetting(t, rnd, (l) => `\n${l}`) },
  {
    name: 'continuation',
    apply: (t, rnd) =>
      onSetting(t, rnd, (l, m) => {
        if (m[1] || !/[, ]/.test(m[5]!.trim())) return undefined;
        const value = m[5]!;
        const cuts = [...value.matchAll(/,\s*|\s+/g)].map((x) => x.index! + x[0].length);
        const cut = pick(rnd, cuts);
        if (cut >= value.length) return undefined;
        return `${m[2]}${m[3]}=${m[4]}${value.slice(0, cut).trimEnd()}\n${pick(rnd, ['    ', '\t', ' '])}${value.slice(cut)}`;
      }),
  },
  { name: 'comma-to-space', apply: (t, rnd) => onSetting(t, rnd, (_l, m) => (/,/.test(m[5]!) && !m[1] ? `${m[2]} = ${m[5]!.replace(/,\s*/g, ' ')}` : undefined)) },
  { name: 'space-to-comma', apply: (t, rnd) => onSetting(t, rnd, (_l, m) => (/\S\s+\S/.test(m[5]!) && !m[1] && !/[<{"%]/.test(m[5]!) ? `${m[2]} = ${m[5]!.trim().replace(/\s+/g, ', ')}` : undefined)) },
  { name: 'upper-name', apply: (t, rnd) => onSetting(t, rnd, (_l, m) => `${m[1]}${m[2]!.toUpperCase()}${m[3]}=${m[4]}${m[5]}`) },
  { name: 'upper-value', apply: (t, rnd) => onSetting(t, rnd, (_l, m) => (/^(yes|no|may|encrypt|none|required|maildir|static|dovecot)\b/i.test(m[5]!) ? `${m[1]}${m[2]}${m[3]}=${m[4]}${m[5]!.toUpperCase()}` : undefined)) },
  { name: 'indent-setting', apply: (t, rnd) => onSetting(t, rnd, (l, m) => (m[1] ? undefined : `  ${l}`)) },
  { name: 'quoted-value', apply: (t, rnd) => onSetting(t, rnd, (_l, m) => (m[5] && !/["<]/.test(m[5]) ? `${m[1]}${m[2]} = "${m[5]}"` : undefined)) },
  { name: 'earlier-twin', apply: (t, rnd) => onSetting(t, rnd, (l, m) => `${m[1]}${m[2]} = ${pick(rnd, ['no', 'none', '0', ''])}\n${l}`) },
  { name: 'later-twin', apply: (t, rnd) => onSetting(t, rnd, (l, m) => `${l}\n${m[1]}${m[2]} = ${pick(rnd, ['no', 'none', '0', ''])}`) },
  { name: 'drop-setting', apply: (t, rnd) => onSetting(t, rnd, (_l, m) => `${m[1]}#`) },
  { name: 'crlf', apply: (t) => (t.includes('\r') ? undefined : t.replace(/\n/g, '\r\n')) },
  { name: 'dollar-brace', apply: (t, rnd) => onSetting(t, rnd, (_l, m) => (/\$[a-z_]+/.test(m[5]!) ? `${m[1]}${m[2]} = ${m[5]!.replace(/\$([a-z_]+)/, '${$1}')}` : undefined)) },
];

export const CONFIG_MUTATION_NAMES = MUTATIONS.map((m) => m.name);

/** One or two mutations of `text`, with the names of those applied (none applied: undefined). */
export function mutateConfig(text: string, rnd: Random): { text: string; applied: string[] } | undefined {
  const rounds = 1 + Math.floor(rnd() * 2);
  const applied: string[] = [];
  let out = text;
  for (let i = 0; i < rounds; i++) {
    const m = pick(rnd, MUTATIONS);
    const next = m.apply(out, rnd);
    if (next === undefined) continue;
    out = next;
    applied.push(m.name);
  }
  return applied.length ? { text: out, applied } : undefined;
}
