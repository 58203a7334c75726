/**
 * The settings Dovecot 2.3 reads as enums, numbers, sizes, times, ports and modes
 * (dovecotSettingKinds.ts) and its reading of their values (dovecotValues.ts), asked of the real
 * doveconf: which settings are of which kind, which words each enum takes (among every word of
 * the enum lists doveconf's binary carries), and a seeded run of values a learner might write
 * ("1M", "1 M", "1MB", "1 min", "60", "5000 ms", "0678"...), each refused by the grader exactly
 * where doveconf refuses the whole file. mail_fsync = 0 once passed the grader; login_proxy_timeout
 * = 500 ms (a setting kept in milliseconds) was refused by it.
 */
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { parseDovecotConf } from '../../lab-server/src/grading/config/dovecotConf.js';
import { DOVECOT_VALUE_KINDS, HIDDEN, type DovecotValueKind } from '../../lab-server/src/grading/config/dovecotSettingKinds.js';
import { doveconf } from '../realtools/dovecot.js';
import { doveconfSettings, PLACED } from '../realtools/doveconfSettings.js';
import { inPool, runTool } from '../realtools/process.js';
import { seeded } from '../realtools/zoneMutations.js';

/** The kind doveconf's complaints show: "x_z" tells enums, numbers, sizes, times and ports apart; "08" a mode from a number. */
async function kindByDoveconf(kind: string, name: string): Promise<string | undefined> {
  const said = (await doveconf(PLACED[kind]!(`${name} = x_z`))).stderr;
  if (/Invalid value: x_z/.test(said)) return 'enum';
  if (/Invalid size: x_z/.test(said)) return 'size';
  // Milliseconds: "5 ms" is taken only by a setting kept in them (SET_TIME_MSECS).
  if (/Invalid time interval: x_z/.test(said)) return (await doveconf(PLACED[kind]!(`${name} = 5 ms`))).code === 0 ? 'time_msecs' : 'time';
  if (/Invalid port number x_z/.test(said)) return 'port';
  if (!/Invalid number x_z/.test(said)) return undefined;
  return /Invalid number: 08/.test((await doveconf(PLACED[kind]!(`${name} = 08`))).stderr) ? 'mode' : 'number';
}

/** The colon-separated enum lists doveconf carries ("optimized:never:always"), the default first. */
async function enumListsInDoveconf(): Promise<string[][]> {
  const path = (await runTool('sh', ['-c', 'command -v doveconf'])).stdout.trim();
  const binary = (await readFile(path)).toString('latin1');
  return (binary.match(/(?<=\0)[a-z][a-z0-9-]*(?::[a-z][a-z0-9-]*)+(?=\0)/g) ?? []).map((l) => l.split(':'));
}

/** The grader's verdict on the value: a problem that says doveconf refuses the file for it (not for a check once it is read, dovecot-checks.test.ts). */
function graderRefuses(conf: string): boolean {
  return parseDovecotConf(conf).problems.some((p) => /doveconf refuses the whole file \("/.test(p.message.en));
}

const SETTING_OF: Record<string, [string, string]> = { number: ['', 'mail_max_userip_connections'], size: ['', 'imap_max_line_length'], time: ['', 'imap_idle_notify_interval'], time_msecs: ['', 'login_proxy_timeout'], port: ['', 'imapc_port'], mode: ['unix_listener', 'mode'] };

/** Values a learner might write for a number, size, time or mode: digits, blanks, unit words and their beginnings, any case. */
function learnerValues(count: number, seed: number): string[] {
  const rnd = seeded(seed);
  const pick = <T,>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const numbers = ['0', '1', '60', '5000', '1500', '007', '0660', '0678', '4294967295', '4294967296', '99999999999', '18446744073709551616', '-1', '+1', '1.5', ''];
  const units = ['', 'B', 'b', 'k', 'K', 'ki', 'KiB', 'kb', 'M', 'MB', 'mib', 'G', 'T', 'T B', 'i', 'ib', 'bb', 's', 'sec', 'secs', 'seconds', 'secondsx', 'se', 'm', 'min', 'mins', 'minute', 'minutes', 'ms', 'msec', 'msecs', 'millis', 'milliseconds', 'h', 'hour', 'hours', 'hr', 'd', 'day', 'days', 'w', 'week', 'weeks', 'y', 'x'];
  const out = new Set<string>(['1M', '1 M', '1MB', '1 mb', '1 min', '1m', '60s', '60', '5 ms', '5000 ms', '0', '0 x', '1 se', '1  m', '0678', '999', '65535', '65536']);
  while (out.size < count) {
    const unit = pick(units);
    out.add(`${pick(numbers)}${unit && rnd() < 0.5 ? ' ' : ''}${rnd() < 0.5 ? unit : unit.toUpperCase()}`.trim());
  }
  return [...out];
}

describe('Dovecot settings that are neither text nor yes/no', () => {
  it('are every setting doveconf refuses "x_z" in as an enum, a number, a size, a time, a port or a mode, in each kind of section', { timeout: 120_000 }, async () => {
    // With the settings doveconf reads without printing them (mail_cache_max_size = x_z once passed the grader).
    const hidden = Object.values(HIDDEN).flatMap((names) => names.split(' ').map((name) => ({ kind: '', name })));
    const asked = [...[...(await doveconfSettings())].flatMap(([kind, names]) => [...names.keys()].map((name) => ({ kind, name }))), ...hidden];
    expect(asked.length).toBeGreaterThan(300);
    const verdicts = await inPool(asked, 4, async ({ kind, name }) => ({ kind, name, found: PLACED[kind] ? await kindByDoveconf(kind, name) : undefined }));
    const byDoveconf = verdicts.filter((v) => v.found).map((v) => `${v.kind} ${v.name}: ${v.found}`).sort();
    const byGrader = [...DOVECOT_VALUE_KINDS].flatMap(([kind, names]) => [...names].map(([name, k]) => `${kind} ${name}: ${k.kind}`)).sort();
    expect(byGrader).toEqual(byDoveconf);
  });

  it('take, each enum, exactly the words doveconf takes, as written, and the grader refuses the others', { timeout: 120_000 }, async () => {
    const lists = await enumListsInDoveconf();
    expect(lists.map((l) => l.join(':'))).toContain('optimized:never:always');
    const defaults = await doveconfSettings();
    const enums = [...DOVECOT_VALUE_KINDS].flatMap(([kind, names]) => [...names].filter(([, k]) => k.kind === 'enum').map(([name, k]) => ({ kind, name, values: (k as DovecotValueKind & { kind: 'enum' }).values })));
    expect(enums.length).toBeGreaterThan(20);
    // Every word of every list that starts with the setting's default (its own list among them), and near misses.
    const wordsFor = (e: (typeof enums)[number]): string[] => {
      const own = lists.filter((l) => l[0] === defaults.get(e.kind)?.get(e.name)).flat();
      expect(own.length, `${e.kind} ${e.name}: a list in doveconf that starts with its default`).toBeGreaterThan(1);
      return [...new Set([...own, ...e.values, '0', 'Yes', 'x_z', e.values[0]!.toUpperCase(), `"${e.values[1]}"`])];
    };
    const cases = enums.flatMap((e) => wordsFor(e).map((word) => ({ ...e, word })));
    const verdicts = await inPool(cases, 4, async ({ kind, name, word }) => {
      const conf = PLACED[kind]!(`${name} = ${word}`);
      // pop3_delete_type = flag is refused for another reason (no pop3_deleted_flag): only "Invalid value" counts.
      const tool = /Invalid value/.test((await doveconf(conf)).stderr);
      return `${kind} ${name} = ${word}: doveconf ${tool ? 'refuses' : 'accepts'}, grader ${graderRefuses(conf) ? 'refuses' : 'accepts'}`;
    });
    expect(verdicts.filter((v) => !/(accepts|refuses), grader \1$/.test(v))).toEqual([]);
  });

  it('are read as doveconf reads them: numbers, sizes, times, ports and modes a learner might write', { timeout: 120_000 }, async () => {
    const values = learnerValues(110, 47);
    const cases = Object.entries(SETTING_OF).flatMap(([kind, [section, name]]) => values.map((value) => ({ kind, conf: PLACED[section]!(`${name} = ${value}`) })));
    const verdicts = await inPool(cases, 4, async ({ kind, conf }) => {
      const tool = (await doveconf(conf)).code !== 0;
      return `${kind} ${JSON.stringify(conf)}: doveconf ${tool ? 'refuses' : 'accepts'}, grader ${graderRefuses(conf) ? 'refuses' : 'accepts'}`;
    });
    expect(verdicts.filter((v) => !/(accepts|refuses), grader \1$/.test(v))).toEqual([]);
    // Both verdicts are common: the run is no run of values all refused.
    expect(verdicts.filter((v) => /doveconf accepts/.test(v)).length).toBeGreaterThan(60);
    expect(verdicts.filter((v) => /doveconf refuses/.test(v)).length).toBeGreaterThan(100);
  });

  it('are read in seconds or in milliseconds as doveconf reads each time setting: "500 ms" taken only in ms, "50 days" too large in ms', { timeout: 120_000 }, async () => {
    const times = [...DOVECOT_VALUE_KINDS].flatMap(([kind, names]) => [...names].filter(([, k]) => /^time/.test(k.kind)).map(([name]) => ({ kind, name })));
    expect(times.length).toBeGreaterThan(30);
    const values = ['5 ms', '1500ms', '250 msecs', '60000 ms', '49 days', '50 days', '4294967 s', '4294968 s', '4294967295 ms', '4294967296 ms', '1 min'];
    const cases = times.flatMap((t) => values.map((value) => ({ ...t, conf: PLACED[t.kind]!(`${t.name} = ${value}`) })));
    const verdicts = await inPool(cases, 4, async ({ kind, name, conf }) => {
      const tool = (await doveconf(conf)).code !== 0;
      return `${kind} ${name} ${JSON.stringify(conf)}: doveconf ${tool ? 'refuses' : 'accepts'}, grader ${graderRefuses(conf) ? 'refuses' : 'accepts'}`;
    });
    expect(verdicts.filter((v) => !/(accepts|refuses), grader \1$/.test(v))).toEqual([]);
    expect(verdicts.filter((v) => /login_proxy_timeout = 5 ms".*doveconf accepts/.test(v))).toHaveLength(1);
    expect(verdicts.filter((v) => /login_proxy_timeout = 50 days".*doveconf refuses/.test(v))).toHaveLength(1);
  });

  it('tell the learner what doveconf says and what to write, in both languages, wherever the value stands', () => {
    const [problem] = parseDovecotConf('mail_fsync = 0\nmail_fsync = always').problems;
    expect(problem!.line).toBe(1);
    expect(problem!.message.en).toMatch(/mail_fsync = 0: doveconf refuses the whole file \("Invalid value: 0"\), even when a later line sets mail_fsync again\. mail_fsync takes one of optimized, never, always/);
    expect(problem!.message['zh-CN']).toMatch(/mail_fsync = 0：doveconf 会拒绝整个文件.*mail_fsync 只接受 optimized, never, always 之一/);
    expect(parseDovecotConf('protocol imap {\n  imap_idle_notify_interval = 60\n}').problems[0]!.message.en).toMatch(/missing units.*Write a number with its unit, e\.g\. "60s"/);
    expect(parseDovecotConf('service auth {\n  unix_listener x {\n    mode = 0678\n  }\n}').problems[0]!.message['zh-CN']).toMatch(/八进制/);
    const [tooLong] = parseDovecotConf('login_proxy_timeout = 50 days').problems;
    expect(tooLong!.message.en).toMatch(/"Time interval is too large: 50 days".*login_proxy_timeout is kept in milliseconds, so at most 4294967295 ms \(about 49 days\)/);
    expect(tooLong!.message['zh-CN']).toMatch(/login_proxy_timeout 以毫秒计/);
    // Written in a file of its own ("<file"), or in a section where the name means nothing to Dovecot: not judged.
    expect(parseDovecotConf('mail_fsync = </etc/dovecot/fsync\nplugin {\n  mail_fsync = 0\n}').problems).toEqual([]);
    // A 2.4 file: only the global ssl and a listener's port (2.4 renamed and retyped many settings).
    expect(parseDovecotConf('dovecot_config_version = 2.4.0\nmail_fsync = 0\nssl = maybe').problems.map((p) => p.line)).toEqual([3]);
  });
});
