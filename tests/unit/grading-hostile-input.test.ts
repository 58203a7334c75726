/**
 * Careless and hostile learner input meets the graders, and the real tools judge it: BIND's
 * named-checkzone for zone files, pyspf for SPF records. Where the tool refuses, the lab must
 * refuse too (and say why); where it accepts, the lab must not refuse.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkZone } from '../../lab-server/src/dns/zoneCheck.js';
import { globMatches } from '../../lab-server/src/grading/config/dkimSigner.js';
import { references } from '../../lab-server/src/grading/config/mainCfReferences.js';
import { ExerciseCatalog } from '../../lab-server/src/grading/exercises.js';
import { grade } from '../../lab-server/src/grading/graders.js';
import { parseSpf } from '../../lab-server/src/grading/dns/spf.js';
import { run } from '../helpers/clients.js';
import { eventLoopCpuMs } from '../helpers/neighbour.js';
import { SYSTEM_PYTHON } from '../realtools/process.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'maillab-hostile-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const APEX = ['$TTL 3600', '$ORIGIN example.com.', '@ IN SOA ns1 hostmaster 1 3600 600 604800 300', '@ IN NS ns1', 'ns1 IN A 192.0.2.53'].join('\n');

/** named-checkzone's verdict on the zone: loaded, or the reason it gives. */
async function bind(zone: string, n: number | string, ...options: string[]): Promise<{ loaded: boolean; said: string }> {
  const file = join(dir, `zone${n}`);
  await writeFile(file, zone);
  const r = await run('named-checkzone', ['-i', 'none', ...options, 'example.com', file]);
  return { loaded: r.code === 0, said: r.stdout + r.stderr };
}

const label = (chars: string, n: number): string => chars.repeat(n);

describe('zone names and data the wire cannot carry, judged by named-checkzone', () => {
  // Each of these was saved by the lab and then served: a 66-byte label went out with a length
  // byte of 0x42 (dig: "bad label type"), a 254-character name as 256 bytes, fe80::1%eth0 as
  // fe80::fe10.
  const refused: Array<[string, string, RegExp]> = [
    ['a label of 22 Chinese characters (66 bytes in UTF-8)', `alias IN CNAME ${label('中', 22)}`, /longer than 63 bytes/],
    ['a label of 40 "é" (80 bytes)', `${label('é', 40)} IN A 192.0.2.1`, /longer than 63 bytes/],
    ['a name of 254 characters with its final dot (256 bytes on the wire)', `${[63, 63, 63].map((n) => 'a'.repeat(n)).join('.')}.${'a'.repeat(50)} IN A 192.0.2.1`, /longer than 255 bytes/],
    ['an IPv6 address with an interface zone', 'v6 IN AAAA fe80::1%eth0', /not an IPv6 address/],
    ['an IPv4 address with a leading zero', 'www IN A 192.0.2.010', /not an IPv4 address/],
    ['a \\DDD escape above 255', 'a\\300b IN TXT "x"', /takes exactly three, \\000 to \\255/],
    ['a backslash before one digit in a string', 't IN TXT "v=spf\\1 -all"', /"\\1" is not an escape BIND reads/],
    ['a backslash before two digits in a name', 'a\\12 IN TXT "x"', /"\\12" is not an escape BIND reads/],
    ['two CNAMEs at one name', 'www IN CNAME a.example.net.\nwww IN CNAME b.example.net.', /2 CNAME records/],
    ['a SOA serial with a unit', '@ IN SOA ns1 hostmaster 1h 3600 600 604800 300', /serial "1h" must be a number/],
    ['a SOA serial over 32 bits', '@ IN SOA ns1 hostmaster 4294967296 3600 600 604800 300', /serial "4294967296" must be a number/],
  ];
  it.each(refused)('refuses %s, as BIND does', async (_what, records, why) => {
    const apex = records.startsWith('@ IN SOA') ? APEX.replace(/^@ IN SOA.*$/m, '') : APEX;
    const zone = `${apex}\n${records}\n`;
    const tool = await bind(zone, refused.findIndex((r) => r[1] === records));
    expect(tool.loaded, tool.said).toBe(false);
    const ours = checkZone('example.com', zone);
    expect(ours.ok).toBe(false);
    const errors = ours.feedback.filter((f) => f.level === 'error');
    expect(errors.map((f) => f.message.en).join('\n')).toMatch(why);
    expect(errors.every((f) => f.message['zh-CN'].length > 0)).toBe(true);
  });

  it('still accepts what BIND accepts at the limits: a 63-byte label, a 253-character name, 21 Chinese characters, two identical CNAME lines, serial 4294967295', async () => {
    const zone = [
      APEX.replace('hostmaster 1 3600', 'hostmaster 4294967295 1h'),
      `${'b'.repeat(63)} IN A 192.0.2.1`,
      `${[63, 63, 63].map((n) => 'a'.repeat(n)).join('.')}.${'a'.repeat(49)} IN A 192.0.2.1`,
      `alias IN CNAME ${label('中', 21)}`,
      'www IN CNAME a.example.net.',
      'www IN CNAME a.example.net.',
      'v6 IN AAAA 2001:db8::1',
      '',
    ].join('\n');
    const tool = await bind(zone, 99);
    expect(tool.loaded, tool.said).toBe(true);
    expect(checkZone('example.com', zone).feedback.filter((f) => f.level === 'error')).toEqual([]);
  });
});

describe('host names where BIND wants them, judged by named-checkzone -k fail (named\'s check-names for a primary zone)', () => {
  // Each of these was saved and served by the lab; named refuses to load such a zone.
  const refused: Array<[string, string, RegExp]> = [
    ['an escaped dot in an A owner', 'a\\.b IN A 192.0.2.1', /"a\\\.b\.example\.com\." is not a host name, so it cannot own A records/],
    ['a wildcard that is not the first label, owning an A', 'a.*.b IN A 192.0.2.1', /cannot own A records/],
    ['an underscore in an MX owner', '_x IN MX 10 ns1', /cannot own MX records/],
    ['a hyphen ending a label of an AAAA owner', 'a- IN AAAA 2001:db8::1', /cannot own AAAA records/],
    ['Chinese characters owning an A', '中文 IN A 192.0.2.1', /cannot own A records/],
    ['an MX target with an escaped dot', '@ IN MX 10 a\\.b', /MX record's target "a\\\.b\.example\.com\." is not a host name/],
    ['a wildcard as MX target', '@ IN MX 10 *.b', /MX record's target/],
    ['a wildcard label in an NS target', 'x IN NS a.*.b', /NS record's target/],
    ['an underscore in an SRV target', '_s._tcp IN SRV 0 1 25 a_b', /SRV record's target/],
    ['an IPv6 address as MX target', '@ IN MX 10 2001:db8::25', /MX must name a host, not an address: "2001:db8::25" is not a host name/],
    ['an underscore in the SOA primary server', '@ IN SOA n_s1 hostmaster 1 3600 600 604800 300', /SOA record's primary server/],
    ['an underscore after the first label of the SOA mailbox', '@ IN SOA ns1 h.a_b 1 3600 600 604800 300', /SOA record's mailbox/],
    ['an apex NS inside the zone with no address', '@ IN NS ns2', /ns2\.example\.com\. is inside the zone but has no A or AAAA record/],
    ['an apex NS that is a CNAME', '@ IN NS alias\nalias IN CNAME ns1', /alias\.example\.com\. is a CNAME/],
  ];
  it.each(refused)('refuses %s, as named does', async (what, records, why) => {
    const apex = records.startsWith('@ IN SOA') ? APEX.replace(/^@ IN SOA.*$/m, '') : APEX;
    const zone = `${apex}\n${records}\n`;
    const tool = await bind(zone, `-names-${refused.findIndex((r) => r[0] === what)}`, '-k', 'fail');
    expect(tool.loaded, tool.said).toBe(false);
    const errors = checkZone('example.com', zone).feedback.filter((f) => f.level === 'error');
    expect(errors.map((f) => f.message.en).join('\n')).toMatch(why);
    expect(errors.every((f) => /BIND 会拒绝加载这个区域/.test(f.message['zh-CN']))).toBe(true);
  });

  it('still accepts what named accepts: wildcard owners, null MX and SRV, escapes outside host names, IDN in punycode, _dmarc, a mailbox "host\\.master", an NS under a wildcard', async () => {
    const zone = [
      APEX.replace('hostmaster', 'host\\.master'),
      '*.b IN A 192.0.2.1',
      '* IN MX 10 ns1',
      '@ IN MX 0 .',
      '_s._tcp IN SRV 0 0 0 .',
      'a\\.b IN TXT "x"',
      'c\\.d IN CNAME ns1',
      'e IN CNAME a\\.b',
      'xn--fiq228c IN A 192.0.2.2',
      '\\065b IN A 192.0.2.3',
      '_dmarc IN TXT "v=DMARC1; p=none"',
      'f IN PTR a\\.b',
      '@ IN NS ns.other.test.',
      '@ IN NS ns2.b',
      '',
    ].join('\n');
    const tool = await bind(zone, '-names-ok', '-k', 'fail');
    expect(tool.loaded, tool.said).toBe(true);
    expect(checkZone('example.com', zone).feedback.filter((f) => f.level === 'error')).toEqual([]);
  });
});

describe('SPF macros, judged by pyspf', () => {
  /** pyspf's result for 192.0.2.25 under the record alone (no DNS needed: it fails at parsing). */
  async function pyspf(records: string[]): Promise<string[]> {
    const script = [
      'import json, sys, spf',
      'spf.DNSLookup = lambda name, qtype, strict=True, timeout=30: []',
      'out = []',
      'for r in json.loads(sys.argv[1]):',
      "    out.append(spf.query(i='192.0.2.25', s='postmaster@example.com', h='client.example.net', querytime=0).check(spf=r)[0])",
      'print(json.dumps(out))',
    ].join('\n');
    const r = await run(SYSTEM_PYTHON, ['-c', script, JSON.stringify(records)]);
    expect(r.stderr).toBe('');
    return JSON.parse(r.stdout) as string[];
  }

  it('refuses %{c}, %{r} and %{t} outside the explanation text, as pyspf does (permerror)', async () => {
    const records = ['v=spf1 mx exp=%{c}.example.com -all', 'v=spf1 mx include:%{r}.example.com -all', 'v=spf1 exists:%{T}.example.com -all', 'v=spf1 mx -all foo=%{c}'];
    expect(await pyspf(records)).toEqual(records.map(() => 'permerror'));
    for (const r of records) {
      const problems = parseSpf(r).problems.filter((p) => p.level === 'error');
      expect(problems.map((p) => p.message.en).join('\n'), r).toMatch(/belongs only in the explanation text/);
    }
  });

  it('still accepts the macros a record may use, as pyspf does', async () => {
    const records = ['v=spf1 exists:%{i}.%{l1r+-}._spf.%{d2} -all', 'v=spf1 mx -all exp=explain.%{d}'];
    expect(await pyspf(records)).toEqual(['fail', 'fail']);
    for (const r of records) expect(parseSpf(r).problems.filter((p) => p.level === 'error'), r).toEqual([]);
  });
});

const catalog = await ExerciseCatalog.load();

describe('OpenDKIM SigningTable patterns (refile:)', () => {
  const exercise = catalog.get('dkim-signer')!;
  const withPattern = (pattern: string): string => (exercise.solution as string).replace('*@example.com  mail2026', `${pattern}  mail2026`);

  it('a pattern of many stars is graded at once: it used to hold the event loop for seconds, doubling with each star', async () => {
    const before = eventLoopCpuMs();
    const graded = await grade(exercise.grader.name, exercise.grader.params, withPattern(`${'*'.repeat(15)}X`), {});
    // The event loop's CPU time, so a busy machine does not count: 15 stars took 9 s, 16 took 32 s.
    expect(eventLoopCpuMs() - before).toBeLessThan(3000);
    expect(graded.passed).toBe(false);
    expect(graded.feedback.map((f) => f.code)).toContain('dkim.no-signing-match');
    expect((await grade(exercise.grader.name, exercise.grader.params, withPattern('*@*.COM'), {})).passed).toBe(true);
  });

  it('match as the stars-to-".*" regular expression does, on small patterns', () => {
    const asRegExp = (p: string, t: string): boolean => new RegExp(`^${p.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`, 'i').test(t);
    const chars = fc.constantFrom('*', 'a', 'B', '@', '.', '?');
    fc.assert(
      fc.property(fc.array(chars, { maxLength: 8 }), fc.array(chars.filter((c) => c !== '*'), { maxLength: 8 }), (p, t) => {
        expect(globMatches(p.join(''), t.join(''))).toBe(asRegExp(p.join(''), t.join('')));
      }),
    );
  });
});

describe('variables left open in main.cf and dovecot.conf', () => {
  /** The event loop's CPU time for grading `answer` (a busy machine does not count). */
  async function gradingCpuMs(id: string, answer: string): Promise<number> {
    const exercise = catalog.get(id)!;
    const before = eventLoopCpuMs();
    await grade(exercise.grader.name, exercise.grader.params, answer, {});
    return eventLoopCpuMs() - before;
  }

  it('are read in one pass: "$(a?" 15 000 times in main.cf took 4 s of CPU, "%{" 30 000 times in a Dovecot path 1.5 s', async () => {
    const cases: Array<[string, string, string]> = [
      ['postfix-relay', 'reject_unauth_destination', `reject_unauth_destination ${'$(a?'.repeat(15_000)}`],
      ['dovecot-auth', 'home=/var/mail/vhosts/%d/%n', `home=/var/mail/vhosts/%d/%n${'%{'.repeat(30_000)}`],
      // 2 000 names Postfix does not know, each once weighed against postconf's 800 for "did you mean" (8 s).
      ['postfix-virtual', 'virtual_uid_maps = static:5000', `virtual_uid_maps = static:5000\n${Array.from({ length: 2000 }, (_, i) => `smtpd_tls_mandatory_c${i} = $smtpd_tls_mandatory_d${i}`).join('\n')}`],
    ];
    for (const [id, written, open] of cases) {
      const solution = catalog.get(id)!.solution as string;
      await gradingCpuMs(id, solution); // warmed up
      const baseline = await gradingCpuMs(id, solution);
      // CPU time, so a machine busy with other work does not count; twenty times the plain
      // answer and half a second more leave room for a collection, not for a pass per "$".
      expect(await gradingCpuMs(id, solution.replace(written, open)), id).toBeLessThan(20 * baseline + 500);
    }
  });

  it('main.cf references are found as the regular expression that read them found them', () => {
    const EXPANSION = /\$(\$|\{([A-Za-z0-9_]+)(?:([?:])([^}]*))?\}|\(([A-Za-z0-9_]+)(?:([?:])([^)]*))?\)|([A-Za-z0-9_]+))/g;
    fc.assert(
      fc.property(fc.array(fc.constantFrom('$', '{', '}', '(', ')', '?', ':', 'a', 'b_1', ' ', ','), { maxLength: 30 }), (parts) => {
        const value = parts.join('');
        const byRegExp = [...value.matchAll(EXPANSION)].map((m) =>
          m[1] === '$' ? { start: m.index, end: m.index + 2, dollar: true } : { start: m.index, end: m.index + m[0].length, name: m[2] ?? m[5] ?? m[8], ...((m[3] ?? m[6]) ? { op: m[3] ?? m[6], arg: m[4] ?? m[7] } : {}) },
        );
        expect(references(value)).toEqual(byRegExp);
      }),
      { numRuns: 2000 },
    );
  });
});

