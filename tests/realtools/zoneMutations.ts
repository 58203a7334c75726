/**
 * Zone-file answers written another way, for the differential test of the DNS graders against
 * BIND, pyspf, dkimpy and the DMARC grammar: each mutation takes an exercise's answer and gives
 * one that a learner could plausibly type — odd spacing, case, comments, TTL units, parentheses,
 * split strings, escapes, absolute names — or a near miss that BIND refuses (an unclosed quote, an
 * owner dot left off). The grader must judge each as the tools do. Seeded, so a run is repeatable.
 */

export type Random = () => number;

/** mulberry32: small, fast, and the same sequence for the same seed everywhere. */
export function seeded(seed: number): Random {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pick = <T>(rnd: Random, xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;

/** A record line: not a directive, not a continuation, not blank or a comment. */
const isRecordLine = (l: string): boolean => /^\S/.test(l) && !l.startsWith('$') && !l.startsWith(';');

/** The types graders read, as BIND spells them. */
const TYPE = /\b(IN\s+)?(A|AAAA|MX|TXT|CNAME|NS|PTR|SOA|SPF)\b/i;

interface Mutation {
  name: string;
  /** The mutated text, or undefined when the mutation does not apply to this answer. */
  apply(text: string, rnd: Random, origin: string): string | undefined;
}

function onRecordLine(text: string, rnd: Random, change: (line: string) => string | undefined): string | undefined {
  const lines = text.split('\n');
  const candidates = lines.map((l, i) => (isRecordLine(l) ? i : -1)).filter((i) => i >= 0);
  if (candidates.length === 0) return undefined;
  const i = pick(rnd, candidates);
  const changed = change(lines[i]!);
  if (changed === undefined || changed === lines[i]) return undefined;
  lines[i] = changed;
  return lines.join('\n');
}

/** Splits a line into tokens outside quotes, keeping quoted strings whole. */
function tokens(line: string): string[] | undefined {
  const out = line.match(/"(?:[^"\\]|\\.)*"|[^\s"]+/g);
  return out ?? undefined;
}

/** One character, at random, of the first quoted string of a random record line, written as `escape` says. */
function escapeInString(text: string, rnd: Random, escape: (c: string) => string): string | undefined {
  return onRecordLine(text, rnd, (l) => {
    const m = /"([^"\\]{2,})"/.exec(l);
    if (!m) return undefined;
    const s = m[1]!;
    const at = Math.floor(rnd() * s.length);
    return l.replace(m[0], `"${s.slice(0, at)}${escape(s[at]!)}${s.slice(at + 1)}"`);
  });
}

const MUTATIONS: Mutation[] = [
  { name: 'tabs', apply: (t, rnd) => onRecordLine(t, rnd, (l) => (tokens(l) ?? []).join('\t')) },
  { name: 'wide-spaces', apply: (t, rnd) => onRecordLine(t, rnd, (l) => (tokens(l) ?? []).join('      ')) },
  { name: 'lower-type', apply: (t, rnd) => onRecordLine(t, rnd, (l) => l.replace(TYPE, (m) => m.toLowerCase())) },
  { name: 'upper-owner', apply: (t, rnd) => onRecordLine(t, rnd, (l) => l.replace(/^\S+/, (o) => o.toUpperCase())) },
  { name: 'comment', apply: (t, rnd) => onRecordLine(t, rnd, (l) => `${l} ; ${pick(rnd, ['note', 'a "quoted" note', 'v=spf1 -all', '( paren'])}`) },
  { name: 'ttl', apply: (t, rnd) => onRecordLine(t, rnd, (l) => (/^\S+\s+\d/.test(l) ? undefined : l.replace(/^(\S+)(\s+)/, `$1$2${pick(rnd, ['300', '1h', '1H30M', '2d', '1w'])} `))) },
  { name: 'class-then-ttl', apply: (t, rnd) => onRecordLine(t, rnd, (l) => (/^\S+\s+\d/.test(l) ? undefined : l.replace(/^(\S+)\s+IN\s+/i, '$1 IN 600 '))) },
  { name: 'no-class', apply: (t, rnd) => onRecordLine(t, rnd, (l) => l.replace(/\sIN\s+(?=(A|AAAA|MX|TXT|CNAME|NS|PTR|SOA)\b)/i, ' ')) },
  {
    name: 'absolute-owner',
    apply: (t, rnd, origin) =>
      onRecordLine(t, rnd, (l) => l.replace(/^([^\s.@][^\s]*[^.\s]|[^\s.@])(?=\s)/, (o) => `${o}.${origin}`).replace(/^@(?=\s)/, origin)),
  },
  { name: 'owner-dot-dropped', apply: (t, rnd) => onRecordLine(t, rnd, (l) => (/^\S+\.\s/.test(l) ? l.replace(/^(\S+)\.(?=\s)/, '$1') : undefined)) },
  { name: 'target-dot-dropped', apply: (t, rnd) => onRecordLine(t, rnd, (l) => (/\b(MX|CNAME|NS|PTR)\b.*\S\.\s*$/i.test(l) ? l.replace(/\.\s*$/, '') : undefined)) },
  {
    name: 'parentheses',
    apply: (t, rnd) => onRecordLine(t, rnd, (l) => (/[()]/.test(l) ? undefined : l.replace(/\b(TXT|MX|A|AAAA|PTR|CNAME)(\s+)(.*)$/i, '$1 (\n        $3\n        )'))),
  },
  {
    name: 'split-string',
    apply: (t, rnd) =>
      onRecordLine(t, rnd, (l) => {
        const m = /"([^"\\]{4,})"/.exec(l);
        if (!m) return undefined;
        const cut = 1 + Math.floor(rnd() * (m[1]!.length - 2));
        return l.replace(m[0], `"${m[1]!.slice(0, cut)}" "${m[1]!.slice(cut)}"`);
      }),
  },
  // A character of a quoted string as \DDD ("\109" for "m"), or a backslash put before one.
  { name: 'decimal-escape', apply: (t, rnd) => escapeInString(t, rnd, (c) => `\\${String(c.charCodeAt(0)).padStart(3, '0')}`) },
  { name: 'char-escape', apply: (t, rnd) => escapeInString(t, rnd, (c) => `\\${c}`) },
  { name: 'unquoted-txt', apply: (t, rnd) => onRecordLine(t, rnd, (l) => (/TXT\s+"[^"\s\\;]+"\s*$/i.test(l) ? l.replace(/"([^"\s\\;]+)"\s*$/, '$1') : undefined)) },
  { name: 'unclosed-quote', apply: (t, rnd) => onRecordLine(t, rnd, (l) => (/"\s*$/.test(l) ? l.replace(/"\s*$/, '') : undefined)) },
  { name: 'unclosed-paren', apply: (t, rnd) => onRecordLine(t, rnd, (l) => (/\)\s*$/.test(l) || /[()]/.test(l) ? undefined : l.replace(/\b(TXT|MX|A)\s+/i, '$1 ( '))) },
  { name: 'indent', apply: (t, rnd) => onRecordLine(t, rnd, (l) => `   ${l}`) },
  { name: 'crlf', apply: (t) => (t.includes('\r') ? undefined : t.replace(/\n/g, '\r\n')) },
  { name: 'at-owner', apply: (t, rnd, origin) => onRecordLine(t, rnd, (l) => (l.startsWith(`${origin} `) || l.startsWith(`${origin}\t`) ? l.replace(origin, '@') : undefined)) },
  { name: 'ttl-directive', apply: (t, rnd) => (/^\$TTL/m.test(t) ? undefined : `$TTL ${pick(rnd, ['3600', '1h', '1D', '0'])}\n${t}`) },
  { name: 'origin-directive', apply: (t, _rnd, origin) => (/^\$ORIGIN/m.test(t) ? undefined : `$ORIGIN ${origin}\n${t}`) },
  { name: 'blank-and-comment-lines', apply: (t) => `; a learner's notes\n\n${t.replace(/\n/, '\n\n; more\n')}\n` },
  { name: 'upper-case-value', apply: (t, rnd) => onRecordLine(t, rnd, (l) => (/"/.test(l) ? l.replace(/"[^"]*"/, (s) => s.toUpperCase()) : undefined)) },
  { name: 'lower-case-value', apply: (t, rnd) => onRecordLine(t, rnd, (l) => (/"/.test(l) ? l.replace(/"[^"]*"/, (s) => s.toLowerCase()) : undefined)) },
  { name: 'tag-case', apply: (t, rnd) => onRecordLine(t, rnd, (l) => (/\b[a-z]+=/.test(l) ? l.replace(new RegExp(pick(rnd, ['v', 'k', 'p', 'rua', 'adkim', 'h']) + '=(\\w*)'), (m) => (rnd() < 0.5 ? m.toUpperCase() : m.replace(/=.*/, (v) => v.toUpperCase()))) : undefined)) },
  { name: 'spaces-around-equals', apply: (t, rnd) => onRecordLine(t, rnd, (l) => (/=/.test(l) ? l.replace(/=/, pick(rnd, [' = ', ' =', '= ', '\t=\t'])) : undefined)) },
  { name: 'spaces-around-semicolons', apply: (t, rnd) => onRecordLine(t, rnd, (l) => (/;.*"/.test(l) ? l.replace(/;(?=[^"]*")/, pick(rnd, [' ; ', ';;', ' ;', ';  '])) : undefined)) },
  { name: 'trailing-semicolon', apply: (t, rnd) => onRecordLine(t, rnd, (l) => (/v=DMARC1|v=DKIM1/i.test(l) ? l.replace(/"\s*$/, ';"') : undefined)) },
  { name: 'drop-line', apply: (t, rnd) => onRecordLine(t, rnd, () => '; (gone)') },
  { name: 'duplicate-line', apply: (t, rnd) => onRecordLine(t, rnd, (l) => `${l}\n${l}`) },
  // RFC 3597: classes and types by number (CLASS1 is IN, CLASS3 CH), and a private-use type, written right or not.
  { name: 'numbered-class', apply: (t, rnd) => onRecordLine(t, rnd, (l) => (/\sIN\s/i.test(l) ? l.replace(/\sIN\s/i, ` ${pick(rnd, ['CLASS1', 'class01', 'CLASS0', 'CLASS3', 'CLASS65536'])} `) : undefined)) },
  { name: 'numbered-type', apply: (t, rnd) => onRecordLine(t, rnd, (l) => l.replace(/\b(A|NS|CNAME|SOA|PTR|MX|TXT|AAAA|SRV)(?=\s)/, (m) => `TYPE${{ A: 1, NS: 2, CNAME: 5, SOA: 6, PTR: 12, MX: 15, TXT: 16, AAAA: 28, SRV: 33 }[m.toUpperCase() as 'A']}`)) },
  {
    name: 'private-type',
    apply: (t, rnd) =>
      onRecordLine(t, rnd, (l) => `${l}\n${l.split(/\s/)[0]} ${pick(rnd, ['TYPE65280 \\# 3 010203', 'IN TYPE65534 \\# 0', 'TYPE65280 \\# 2 010203', 'TYPE65280 "x"', 'TYPE1000 \\# 1 ( ff )', 'TYPE255 \\# 0', 'TYPE065280 \\# 0', 'CLASS1 TYPE65535 \\# 1 00'])}`),
  },
  { name: 'mechanism-case', apply: (t, rnd) => onRecordLine(t, rnd, (l) => (/v=spf1/i.test(l) ? l.replace(/ (ip4|mx|a|include|-all|~all):?/i, (m) => m.toUpperCase()) : undefined)) },
];

export const MUTATION_NAMES = MUTATIONS.map((m) => m.name);

/** One to three mutations of `text`, with the names of those applied (none applied: undefined). */
export function mutateZone(text: string, rnd: Random, origin: string): { text: string; applied: string[] } | undefined {
  const rounds = 1 + Math.floor(rnd() * 3);
  const applied: string[] = [];
  let out = text;
  for (let i = 0; i < rounds; i++) {
    const m = pick(rnd, MUTATIONS);
    const next = m.apply(out, rnd, origin.endsWith('.') ? origin : `${origin}.`);
    if (next === undefined) continue;
    out = next;
    applied.push(m.name);
  }
  return applied.length ? { text: out, applied } : undefined;
}
