/**
 * The zone-file parser reads what BIND reads: directives, relative and absolute names, omitted
 * owners, TTL/class in either order, parentheses, quoted strings with escapes, comments; and it
 * reports errors with line numbers instead of throwing.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { absoluteName, parseTtl, parseZone } from '../../lab-server/src/grading/dns/zoneFile.js';
import { txtValue } from '../../lab-server/src/grading/dns/zoneRecord.js';
import { loadExerciseZone } from '../../lab-server/src/grading/dns/zoneView.js';

describe('parseZone', () => {
  it('reads $ORIGIN, $TTL, @, relative names and the inherited owner', () => {
    const z = parseZone(['$TTL 1h', '$ORIGIN example.com.', '@ IN MX 10 mail', '  IN MX 20 mail2.example.com.', 'mail 300 IN A 192.0.2.100', '$ORIGIN sub.example.com.', 'www A 192.0.2.1'].join('\n'));
    expect(z.problems).toEqual([]);
    expect(z.records.map((r) => [r.name, r.type, r.ttl, r.target ?? r.address])).toEqual([
      ['example.com.', 'MX', 3600, 'mail.example.com.'],
      ['example.com.', 'MX', 3600, 'mail2.example.com.'],
      ['mail.example.com.', 'A', 300, '192.0.2.100'],
      ['www.sub.example.com.', 'A', 3600, '192.0.2.1'],
    ]);
  });

  it('accepts TTL and class in either order, any case, or neither', () => {
    const z = parseZone(['a 60 IN A 192.0.2.1', 'b in 60 a 192.0.2.2', 'c A 192.0.2.3', 'D 1h30m Mx 5 a'].join('\n'), { origin: 'example.com' });
    expect(z.problems).toEqual([]);
    expect(z.records.map((r) => `${r.name} ${r.ttl} ${r.type}`)).toEqual(['a.example.com. 60 A', 'b.example.com. 60 A', 'c.example.com. 60 A', 'd.example.com. 5400 MX']);
  });

  it('joins parentheses across lines and keeps TXT strings separate, with escapes', () => {
    const z = parseZone(['@ IN TXT ( "v=spf1 mx" ; first part', '   " -all" )', 'k TXT "a\\"b\\059c" plain'].join('\n'), { origin: 'example.com.' });
    expect(z.problems).toEqual([]);
    expect(z.records[0]!.strings).toEqual(['v=spf1 mx', ' -all']);
    expect(txtValue(z.records[0]!)).toBe('v=spf1 mx -all');
    expect(z.records[0]!.line).toBe(1);
    expect(z.records[1]!.strings).toEqual(['a"b;c', 'plain']);
  });

  it('treats an unquoted ";" as the start of a comment, as BIND does', () => {
    const z = parseZone('_dmarc TXT v=DMARC1; p=reject', { origin: 'example.com.' });
    expect(z.records[0]!.strings).toEqual(['v=DMARC1']);
  });

  it('reports errors with line numbers and keeps reading', () => {
    const z = parseZone(['@ MX ten mail', 'MX 10 mail', 'x IN A 300.1.1.1', '@ TXT "unclosed', 'y CH A 192.0.2.1', 'z A 192.0.2.9', '( a A 192.0.2.1'].join('\n'), { origin: 'example.com.' });
    expect(z.problems.map((p) => p.line)).toEqual([1, 2, 3, 4, 5, 7]);
    expect(z.problems[1]!.message.en).toMatch(/reads it as the owner name/);
    expect(z.problems.every((p) => p.message['zh-CN'].length > 0)).toBe(true);
    expect(z.records.map((r) => r.name)).toContain('z.example.com.');
  });

  it('reads quotes where BIND does: an owner in quotes is the name inside them, a name in record data is no word ("unexpected token")', () => {
    const owners = parseZone(['"mail" A 192.0.2.1', '"@" MX 10 mail', '"www.example.com." A 192.0.2.2', '"m ail" TXT "x"'].join('\n'), { origin: 'example.com.' });
    expect(owners.problems).toEqual([]);
    expect(owners.records.map((r) => r.name)).toEqual(['mail.example.com.', 'example.com.', 'www.example.com.', 'm ail.example.com.']);
    const data = ['@ MX 10 "mail"', 'www CNAME "mail"', '@ NS "ns1"', '25 PTR "mail.example.com."', '_s._tcp SRV 0 5 25 "mail"', '@ SOA ns1 "hostmaster" 1 3600 600 604800 300', '@ CAA 0 "issue" "ca.example"', '"" A 192.0.2.1'];
    const z = parseZone(data.join('\n'), { origin: 'example.com.' });
    expect(z.records).toEqual([]);
    expect(z.problems.map((p) => p.line)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(z.problems.slice(0, 7).map((p) => p.message.en)).toEqual(data.slice(0, 7).map((l) => expect.stringContaining(`${/"[^"]+"/.exec(l)![0]} is in quotes, but BIND reads this part of`)));
    expect(z.problems[7]!.message.en).toMatch(/unexpected end of input/);
    expect(parseZone('@ CAA 0 issue ca.example', { origin: 'example.com.' }).problems).toEqual([]);
  });

  it('reads $ directives as BIND does: quoted or not, never a quoted argument, never a word after it (named-checkzone 9.18)', () => {
    const read = (line: string) => parseZone(`${line}\nx A 192.0.2.9`, { origin: 'example.com.' });
    // BIND: "unknown $ directive '$x'", "syntax error" (twice), "extra input text" (twice, once "syntax error").
    for (const [line, said] of [
      ['"$x" A 192.0.2.1', /Unknown directive \$x: .*"unknown \$ directive"/],
      ['$ORIGIN "sub.example.com."', /^\$ORIGIN takes a domain name without quotes: .* "syntax error"\. Write it as "\$ORIGIN sub\.example\.com\."/],
      ['$TTL "60"', /^\$TTL takes a time without quotes: .*Write it as "\$TTL 60"/],
      ['$ORIGIN sub.example.com. extra', /^\$ORIGIN takes one word, but extra follows it: .*"extra input text"/],
      ['$TTL 60 extra', /^\$TTL takes one word, but extra follows it/],
      ['$TTL 60 "x"', /^\$TTL takes one word, but "x" follows it: .*"syntax error"/],
    ] as const) {
      const z = read(line);
      expect(z.problems.map((p) => p.message.en), line).toEqual([expect.stringMatching(said)]);
      expect(z.problems[0]!.message['zh-CN'].length).toBeGreaterThan(0);
      expect(z.records.map((r) => r.name), line).toEqual(['x.example.com.']);
    }
    // BIND takes these: a quoted directive is still one, "\$x" is an owner, a comment or ( ) after the argument is nothing.
    expect(read('"$ORIGIN" sub.example.com.').records.map((r) => r.name)).toEqual(['x.sub.example.com.']);
    expect(read('"$ttl" 60').records.map((r) => r.ttl)).toEqual([60]);
    expect(read('\\$x A 192.0.2.1').records.map((r) => r.name)).toEqual(['$x.example.com.', 'x.example.com.']);
    for (const line of ['$ORIGIN sub.example.com. ; c', '$ORIGIN ( sub.example.com. )', '$TTL 60 ( )', '$TTL ( 60 ) ; c']) expect(read(line).problems, line).toEqual([]);
    expect(read('"$INCLUDE" /etc/passwd').problems[0]!.message.en).toMatch(/\$INCLUDE is not available in the lab/);
  });

  it('reads a TTL past 2^31-1 as 0, as BIND does with a warning; past 2^32-1 it is no TTL (named-checkzone 9.18)', () => {
    const z = parseZone(['$TTL 2147483648', 'a A 192.0.2.1', 'b 3551w A 192.0.2.2', 'c 2147483647 A 192.0.2.3', '@ SOA ns1 hostmaster 1 2147483648 600 604800 4294967295'].join('\n'), { origin: 'example.com.' });
    expect(z.problems).toEqual([]);
    expect(z.records.map((r) => r.ttl)).toEqual([0, 0, 2147483647, 0]);
    expect(z.zeroedTtl).toEqual({ line: 1, written: '2147483648' });
    expect(parseZone('b 4294967296 A 192.0.2.2', { origin: 'example.com.' }).problems[0]!.message.en).toMatch(/"4294967296" is not a record type/);
    expect(parseZone('$TTL 99999w', { origin: 'example.com.' }).problems[0]!.message.en).toMatch(/\$TTL needs a time/);
    const zone = loadExerciseZone('mail 3551w IN A 192.0.2.25', 'example.com.');
    expect(zone.feedback.map((l) => `${l.level}:${l.code}`)).toEqual(['warn:zone.ttl-over-max']);
    expect(zone.feedback[0]!.message.en).toMatch(/^Line 1: the TTL 3551w is more than 2147483647 seconds, .* BIND loads it as 0/);
    expect(zone.feedback[0]!.message['zh-CN']).toMatch(/当作 0/);
  });

  it('gives an RRset its first TTL and refuses an SOA below the top, as BIND does (named-checkzone 9.18)', () => {
    // BIND: "TTL set to prior TTL (60)" for the later records of x's TXT and A sets; y's is its own.
    const z = parseZone(['$TTL 3600', 'x 60 TXT "a"', 'x TXT "b"', 'y 30 TXT "c"', 'x 120 A 192.0.2.1', 'x 30 A 192.0.2.2', '$TTL 60', ' TXT "d"'].join('\n'), { origin: 'example.com.' });
    expect(z.problems).toEqual([]);
    expect(z.records.map((r) => `${r.name} ${r.type} ${r.ttl}`)).toEqual(['x.example.com. TXT 60', 'x.example.com. TXT 60', 'y.example.com. TXT 30', 'x.example.com. A 120', 'x.example.com. A 120', 'x.example.com. TXT 60']);
    // BIND: "not at top of zone"; after $ORIGIN the top is still the zone's name.
    const soa = parseZone(['x SOA ns1 hostmaster 1 3600 600 604800 300', '$ORIGIN sub.example.com.', '@ SOA ns1 hostmaster 1 3600 600 604800 300'].join('\n'), { origin: 'example.com.' });
    expect(soa.records).toEqual([]);
    expect(soa.problems.map((p) => p.message.en)).toEqual([1, 3].map(() => expect.stringMatching(/^An SOA record belongs at the top of the zone \(example\.com\.\), not at .*"not at top of zone"\)\. Write its owner as @\.$/)));
    expect(parseZone('@ SOA ns1 hostmaster 1 3600 600 604800 300', { origin: 'example.com.' }).problems).toEqual([]);
  });

  it('reads \\DDD escapes above 127 as bytes: "\\195\\169" is the UTF-8 of é, as BIND serves it (c3 a9)', () => {
    const strings = (t: string) => parseZone(`t TXT ${t}`, { origin: 'example.com.' }).records[0]!.strings!;
    expect(strings('"\\195\\169" caf\\195\\169 "a\\065\\;"')).toEqual(['é', 'café', 'aA;']);
    expect(Buffer.from(strings('"\\226\\130\\172 \\195\\169"')[0]!, 'utf8').toString('hex')).toBe('e282ac20c3a9');
    expect(strings('"é"')).toEqual(['é']);
  });

  it('rejects a TXT string over 255 bytes and explains how to split it', () => {
    const z = parseZone(`k TXT "${'a'.repeat(256)}"`, { origin: 'example.com.' });
    expect(z.records).toEqual([]);
    expect(z.problems[0]!.message.en).toMatch(/at most 255 bytes/);
  });

  it('needs an origin for relative names and @', () => {
    expect(parseZone('mail A 192.0.2.1').problems[0]!.message.en).toMatch(/no \$ORIGIN/);
    expect(parseZone('@ A 192.0.2.1').problems[0]!.message.en).toMatch(/no \$ORIGIN/);
    expect(parseZone('mail.example.com. A 192.0.2.1').problems).toEqual([]);
  });
});

describe('names and times', () => {
  it('completes relative names and lower-cases them', () => {
    expect(absoluteName('Mail', 'example.com.').name).toBe('mail.example.com.');
    expect(absoluteName('mail.example.com.', 'other.org.').name).toBe('mail.example.com.');
    expect(absoluteName('a..b', 'example.com.').problem).toBeDefined();
    expect(absoluteName('x'.repeat(64), 'example.com.').problem?.en).toMatch(/63/);
  });

  it('reads BIND time units', () => {
    expect(parseTtl('3600')).toBe(3600);
    expect(parseTtl('1h30m')).toBe(5400);
    expect(parseTtl('2W')).toBe(1209600);
    expect(parseTtl('1x')).toBeUndefined();
    expect(parseTtl('99999999999')).toBeUndefined();
    expect(parseTtl('4294967295')).toBe(4294967295);
    expect(parseTtl('4294967296')).toBeUndefined();
  });
});

describe('mistakes every DNS grader reports', () => {
  it('explains a missing trailing dot with the name BIND really reads', () => {
    const z = loadExerciseZone('@ MX 10 mail.example.com', 'example.com.');
    expect(z.feedback).toHaveLength(1);
    expect(z.feedback[0]!.code).toBe('zone.missing-trailing-dot');
    expect(z.feedback[0]!.message.en).toContain('mail.example.com.example.com.');
  });

  it('notices a host of another zone written without its dot', () => {
    const z = loadExerciseZone('100 PTR mail.example.com', '2.0.192.in-addr.arpa.', 'mail.example.com. A 192.0.2.100');
    expect(z.feedback.map((f) => f.code)).toEqual(['zone.missing-trailing-dot']);
  });

  it('refuses an NS written as an address, as named-compilezone does ("NS is an address"), and says what to write', () => {
    // The grader once took a delegation to "192.0.2.53." (tests/realtools/differential.ts has BIND's verdicts).
    const z = loadExerciseZone('sub NS 192.0.2.53.\nsub NS 192.0.2.256.\nsub NS 192.0.2.053.', 'example.com.');
    expect(z.feedback.map((f) => `${f.code} ${f.message.en.slice(0, 7)}`)).toEqual(['zone.ns-address Line 1:']);
    expect(z.feedback[0]!.message.en).toMatch(/written as an address \(192\.0\.2\.53\.\).*"NS is an address"/);
    expect(z.feedback[0]!.hint?.en ?? '').toMatch(/ns1\.example\.com\..*A record with 192\.0\.2\.53\b/);
    expect(z.feedback[0]!.message['zh-CN']).toMatch(/名字服务器写成了地址/);
    // "1:2." is no address to BIND: a bad name, for NS and SRV alike.
    expect(loadExerciseZone('x SRV 0 0 25 1:2.', 'example.com.').feedback.map((f) => f.code)).toEqual(['zone.bad-host-name']);
  });

  it('refuses a CNAME that shares its name with other data', () => {
    const z = loadExerciseZone('mail CNAME host\nmail MX 10 host\nhost A 192.0.2.1', 'example.com.');
    expect(z.feedback.map((f) => f.code)).toEqual(['zone.cname-with-data']);
  });
});

describe('the zone parser never throws', () => {
  const zoneish = fc.array(
    fc.oneof(
      fc.constantFrom('$ORIGIN', '$TTL', '$INCLUDE', '@', 'IN', 'MX', 'A', 'TXT', 'PTR', 'CNAME', 'SOA', '(', ')', ';', '"', '\\', '\\0', '\\999', '.', '..', 'mail', 'example.com.', '10', '1h', '\n', ' ', '\t', '\r\n'),
      fc.string({ maxLength: 20 }),
      fc.string({ unit: 'binary', maxLength: 20 }),
    ),
    { maxLength: 60 },
  );
  it('on random token soup and random text', () => {
    fc.assert(
      fc.property(zoneish, fc.option(fc.string({ maxLength: 30 })), (parts, origin) => {
        const z = parseZone(parts.join(' '), origin === null ? {} : { origin });
        expect(Array.isArray(z.records)).toBe(true);
        for (const p of z.problems) expect(typeof p.line).toBe('number');
      }),
      { numRuns: 400 },
    );
    fc.assert(fc.property(fc.string({ unit: 'grapheme', maxLength: 300 }), (s) => void parseZone(s, { origin: 'example.com.' })), { numRuns: 300 });
  });

  it('and neither does loading it for a grader', () => {
    fc.assert(fc.property(zoneish, (parts) => void loadExerciseZone(parts.join(' '), 'example.com.', '$ORIGIN example.com.\nmail A 192.0.2.1')), { numRuns: 200 });
  });
});
