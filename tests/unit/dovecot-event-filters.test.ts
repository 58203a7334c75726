/**
 * Dovecot 2.3's event filters (log_debug, log_core_filter, process_shutdown_filter, a metric's
 * filter), a metric's group_by, and lines continued with "\", beside the real doveconf: the
 * grader must refuse exactly the files doveconf refuses, quoting its words. Before
 * dovecotEventFilter.ts, "log_debug = category=imap AND foo" (doveconf: "syntax error, unexpected
 * $end, expecting '=' or '>' or '<'") and "group_by = duration:linear:100:10:100" passed.
 */
import { describe, expect, it } from 'vitest';
import { parseDovecotConf } from '../../lab-server/src/grading/config/dovecotConf.js';
import { eventFilterProblem } from '../../lab-server/src/grading/config/dovecotEventFilter.js';
import { doveconfComplaint } from '../realtools/dovecot.js';
import { inPool } from '../realtools/process.js';
import { seeded } from '../realtools/zoneMutations.js';

/** Filters a learner might write, right and wrong, each at a place bison stops at. */
const FILTERS = [
  'category=imap', 'category=imap AND foo', 'category=imap AND', '(category=imap', 'foo bar', 'event=x OR', '"category=imap"',
  'category="imap" AND NOT event=a', ')', 'AND', 'and', 'a', 'a=', 'a>', 'a>=', 'a=b c', 'a=b )', '(a=b c', '()', 'NOT', 'NOT )',
  'a=b & c=d', 'a=b, c=d', 'é=b', 'a=é', 'a!=b', '"a"', '"a"=b', 'a==b', 'a=>b', 'a=b NOT c=d', 'event>5',
  'category>=x', 'source_location<3', 'duration>5', 'a=AND', 'AND=b', 'a=b/c', "a='b'", 'a=b;', '=b', 'NOT NOT a=b', 'a>b=c', 'andy=or',
  'event=imap_command_finished AND (category=imap OR NOT cmd_name=LOGIN)', 'a="x\\"y" AND b=c', '(a=b) (c=d)', 'a=*?:.-_', '<a=b', '',
  'event=$foo',
];

/** Each filter in each of its places, and group_by and continued lines. */
const FILES: string[] = [
  ...FILTERS.map((f) => `log_debug = ${f}`),
  'log_core_filter = category=imap AND foo',
  'process_shutdown_filter = event=a OR',
  'protocol imap {\n  log_debug = a\n}',
  'protocol imap {\n  log_debug = a=b\n}\nlog_debug = x',
  'log_debug = a\nlog_debug = a=b',
  ...['event=imap_command_finished AND foo', '(event=a', 'event>a', '"event=a"', 'event=a AND NOT'].map((f) => `metric x {\n  filter = ${f}\n}`),
  ...['cmd_name', 'cmd_name:discrete', 'cmd_name:discrete:', 'duration:', ':discrete', 'a  b', 'duration:exponential:1:5:10', 'duration:exponential:1:5',
    'duration:exponential:a:5:10', 'duration:exponential:1:5:3', 'duration:exponential:5:5:10', 'duration:exponential:1:5:10:1', 'duration:linear:100:1000:100',
    'duration:linear:100:10:100', 'duration:linear:1:10:20', 'duration:linear:-1:10:2', 'duration:linear:+1:10:2', 'duration:linear:1:9223372036854775808:2',
    'duration:Linear:1:5:1', 'duration:foo', 'cmd_name duration:linear:0:10:0'].map((g) => `metric x {\n  filter = event=imap_command_finished\n  group_by = ${g}\n}`),
  // config_parse_file: a blank or comment line, or the file's end, drops the line continued so far.
  'ssl = foo \\', 'ssl = \\\n# c\n\nrequired', 'ssl = \\\n\n  no', '\\\nssl = yes', 'ssl = \\\n  \\\n  no', 'log_debug = a=b \\', 'ssl = \\\nfoo = bar',
];

async function verdict(file: string): Promise<{ file: string; doveconf: string; grader: string[] }> {
  return { file, doveconf: await doveconfComplaint(file), grader: parseDovecotConf(file).problems.map((p) => p.message.en) };
}

const disagreeing = (v: Awaited<ReturnType<typeof verdict>>): boolean => (v.doveconf === 'takes') !== (v.grader.length === 0) || (v.doveconf !== 'takes' && !v.grader.some((m) => m.includes(v.doveconf)));

describe("Dovecot's event filters and group_by, beside doveconf", () => {
  it('refuse exactly the files doveconf refuses, quoting its words', { timeout: 120_000 }, async () => {
    const verdicts = await inPool(FILES, 4, verdict);
    expect(verdicts.filter(disagreeing)).toEqual([]);
    expect(verdicts.filter((v) => v.doveconf === 'takes').length).toBeGreaterThan(20);
    expect(verdicts.filter((v) => v.doveconf !== 'takes').length).toBeGreaterThan(50);
  });

  it('agree with doveconf on a seeded run of random filters', { timeout: 120_000 }, async () => {
    // Filters made by the grammar, then half of them broken by a word put in or taken out.
    const rnd = seeded(73);
    const pick = <T,>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
    const atoms = ['a', 'event', 'category', '=', '>', '<', '>=', '(', ')', 'AND', 'or', 'NOT', '"x y"', '&', 'imap', '5', ',', 'é'];
    const expr = (depth: number): string[] => {
      const r = rnd();
      if (depth > 2 || r < 0.4) return [pick(['a', 'event', 'category', '"x y"', 'cmd_name']), pick(['=', '=', '>', '<=']), pick(['imap', '5', '"x y"', 'and', '*'])];
      if (r < 0.55) return ['NOT', ...expr(depth + 1)];
      if (r < 0.7) return ['(', ...expr(depth + 1), ')'];
      return [...expr(depth + 1), pick(['AND', 'or']), ...expr(depth + 1)];
    };
    const files = Array.from({ length: 200 }, () => {
      const words = expr(0);
      if (rnd() < 0.5) {
        const at = Math.floor(rnd() * (words.length + 1));
        if (rnd() < 0.5) words.splice(at, 1);
        else words.splice(at, 0, pick(atoms));
      }
      return `log_debug = ${words.join(' ')}`;
    });
    const verdicts = await inPool(files, 4, verdict);
    expect(verdicts.filter(disagreeing)).toEqual([]);
    expect(verdicts.filter((v) => v.doveconf === 'takes').length).toBeGreaterThan(50);
    expect(verdicts.filter((v) => v.doveconf !== 'takes').length).toBeGreaterThan(50);
  });

  it('count the parser stack as bison does: 9,995 "(" are taken, 9,996 exhaust it', () => {
    // Asked of doveconf 2.3.19 (each run a few seconds, so not here): the same limits for NOT.
    const nested = (n: number, open: string, close: string): string => `${open.repeat(n)}a=b${close.repeat(n)}`;
    expect(eventFilterProblem(nested(9995, '(', ')'))).toBeUndefined();
    expect(eventFilterProblem(nested(9996, '(', ')'))).toBe('event filter: memory exhausted');
    expect(eventFilterProblem(nested(9995, 'NOT ', ''))).toBeUndefined();
    expect(eventFilterProblem(nested(9996, 'NOT ', ''))).toBe('event filter: memory exhausted');
    expect(eventFilterProblem(`${'('.repeat(9997)}a`)).toMatch(/unexpected \$end, expecting '='/);
    expect(eventFilterProblem('('.repeat(200_000))).toBe('event filter: memory exhausted');
  });

  it('say what doveconf says and what to write, in both languages', () => {
    const [problem] = parseDovecotConf('log_debug = category=imap AND foo').problems;
    expect(problem!.line).toBe(1);
    expect(problem!.message.en).toContain(`"Invalid log_debug: event filter: syntax error, unexpected $end, expecting '=' or '>' or '<'"`);
    expect(problem!.message.en).toContain('AND, OR, NOT and parentheses');
    expect(problem!.message['zh-CN']).toMatch(/doveconf.*拒绝整个文件.*AND、OR、NOT/);
    const [zero] = parseDovecotConf('metric x {\n  filter = event=a\n  group_by = duration:linear:0:10:0\n}').problems;
    expect(zero!.message.en).toMatch(/divides by it and dies.*step above 0/);
    expect(zero!.message['zh-CN']).toContain('步长');
  });
});
