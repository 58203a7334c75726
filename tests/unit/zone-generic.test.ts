/**
 * RFC 3597's generic forms (zoneGeneric.ts) against BIND: each record, alone in a zone, is loaded
 * by named-compilezone and parsed by the lab. Both take it or both refuse it, and what the lab
 * read, written back in the usual form (recordLine, what "apply to my lab" writes), is what BIND
 * loads from the generic form. The lab once refused "TYPE16" and read "TXT \# 4 03616263" as
 * three strings ("#", "4", "03616263") where BIND reads "abc".
 */
import { describe, expect, it } from 'vitest';
import { recordLine } from '../../lab-server/src/dns/applyRecords.js';
import { parseZone } from '../../lab-server/src/grading/dns/zoneFile.js';
import { loadWithBind } from '../realtools/bind.js';
import { inPool } from '../realtools/process.js';

const APEX = '$TTL 3600\n$ORIGIN example.com.\n@ IN SOA ns1 hostmaster 1 3600 600 604800 300\n@ IN NS ns1\nns1 IN A 192.0.2.53\nmail IN A 192.0.2.25\nns2 IN A 192.0.2.54\n';

const ACCEPTED = [
  'g IN A \\# 4 C0000201',
  'g IN TYPE1 192.0.2.7',
  'g IN AAAA \\# 16 20010db8000000000000000000000001',
  'g IN NS \\# 17 036e7332076578616d706c6503636f6d00',
  'g IN MX \\# 20 000a046d61696c076578616d706c6503636f6d00',
  'g IN type15 10 mail',
  'g IN CNAME \\# 18 046d61696c076578616d706c6503636f6d00',
  'g IN TXT \\# 4 0361 6263',
  'g IN TXT \\# 4 036 16263',
  'g IN TXT \\# 04 ( 03616263 )',
  'g IN TXT \\# 8 03616263 03646566',
  'g IN TXT \\# 2 01ff',
  'g IN TXT \\# 1 00',
  'g IN TYPE16 "x"',
  'g IN TYPE016 \\# 4 03616263',
  'g IN SRV \\# 24 00000005024b046d61696c076578616d706c6503636f6d00',
  'g IN CAA \\# 21 0005697373756563612e6578616d706c652e6e6574',
  'g IN SPF \\# 12 0b763d73706631202d616c6c',
  'g IN TXT "\\#" 4',
  // Any run of digits is a number to BIND's lexer, leading zeros too.
  'g IN TXT \\# 000004 03616263',
  // In TXT, "\#" without a number after it is the text "#" (BIND: "could be an escaped '#'").
  'g IN TXT \\# 0x4 03616263',
  'g IN TYPE16 \\# +4 03616263',
  'g IN TXT \\#',
  'g IN TXT \\# 4294967296 00',
  // A label holding a "(": written back escaped, or BIND would read another name. (An MX target
  // holding a blank BIND takes in the generic form only: written out, check-names refuses it.)
  'g IN CNAME a\\(b.',
  'g IN CNAME \\# 6 0461286200 00',
  // RFC 3597's CLASS1 is IN (and BIND loads CLASS0 into the zone's class); types BIND knows no
  // format for (private use, unassigned) in the generic form, kept as their bytes.
  'g CLASS1 TXT "x"',
  'g class1 A 192.0.2.7',
  'g CLASS0 A 192.0.2.7',
  'g CLASS00001 TYPE65280 \\# 3 010203',
  'g IN TYPE65280 \\# 3 010203',
  'g IN type65280 \\# 0',
  'g 300 CLASS1 TYPE65534 \\# 0',
  'g IN TYPE65535 \\# 1 00',
  'g IN TYPE1000 \\# 2 AB CD',
  'g IN TYPE54 \\# 1 ff',
  'g IN TYPE300 \\# 4 ( 0102 0304 )',
  // Types whose data BIND checks, served as their bytes (DANE's TLSA for SMTP among them).
  'g IN TLSA \\# 35 030101 00000000000000000000000000000000000000000000000000000000000000ab',
  'g IN TYPE52 \\# 4 030101ff',
  'g IN SMIMEA \\# 4 03010100',
  'g IN SSHFP \\# 34 0402 00000000000000000000000000000000000000000000000000000000000000ab',
  'g IN SSHFP \\# 22 0101 00000000000000000000000000000000000000ff',
  // ... and in their usual form, as BIND reads it (round 16).
  'g IN TLSA 3 1 1 00000000000000000000000000000000000000000000000000000000000000ab',
  'g IN TLSA 03 1 1 ( 0000000000000000 0000000000000000000000000000000000000000000000ab )',
  'g IN SMIMEA 3 0 1 0102',
  'g IN SSHFP 4 2 00000000000000000000000000000000000000000000000000000000000000ab',
  'g IN SSHFP 1 1 00000000000000000000 000000000000000000ff',
  // A fingerprint of known length may be split mid-byte (BIND reads it digit by digit).
  'g IN SSHFP 4 2 00000000000000000000000000000000000000000000000000000000000000a b',
  'g IN SSHFP 1 1 000 00000000000000000000000000000000000ff',
  'g IN OPENPGPKEY \\# 1 00',
  'g IN URI \\# 4 000a0001',
  'g IN HINFO \\# 4 01610162',
  // Their usual forms, read into the same bytes as BIND reads them (round 17: HINFO, URI and
  // OPENPGPKEY were taken only in the generic form, SSHFP only with fingerprint types 1 and 2).
  'g IN HINFO PC Linux',
  'g IN HINFO "PC" "Linux 6"',
  'g IN HINFO "" ""',
  'g IN HINFO ( "a" "b" )',
  'g IN HINFO "a\\"b" c\\032d',
  'g IN URI 10 1 "https://www.example.com/"',
  'g IN URI 010 1 ""',
  'g IN URI 65535 0 "a b\\"c"',
  'g IN OPENPGPKEY AQID',
  'g IN OPENPGPKEY AQ ID',
  'g IN OPENPGPKEY AQI=',
  'g IN OPENPGPKEY AQ= =',
  'g IN OPENPGPKEY ( AQID AQID )',
  'g IN OPENPGPKEY AA==',
  'g IN SSHFP 3 2 abababababababababababababababababababababababababababababababab',
  'g IN SSHFP 6 2 abababababababababababababababababababababababababababababababab',
  'g IN SSHFP 0 2 abababababababababababababababababababababababababababababababab',
  'g IN SSHFP 4 0',
  'g IN SSHFP 4 0 abc d',
  'g IN SSHFP 4 3 abcd',
  'g IN SSHFP 255 255 ab',
  'g IN SSHFP \\# 2 0400',
  'g IN SSHFP \\# 4 0600abcd',
  // TLSA's and SMIMEA's hex too is read digit by digit across the words (review 17, LOW on b1c3d4f).
  'g IN TLSA 3 1 1 abc d',
  'g IN TLSA 3 1 1 a bcd',
  'g IN SMIMEA 3 1 1 ( abc d )',
  'g IN TYPE13 \\# 2 0000',
];

// The usual forms BIND refuses, each in its own words (the lab's message quotes them).
const REFUSED_USUAL = [
  'g IN HINFO PC', 'g IN HINFO PC Linux x', `g IN HINFO "${'a'.repeat(256)}" b`, 'g IN URI 10 1 https://www.example.com/', 'g IN URI 10 1',
  'g IN URI 65536 1 "x"', 'g IN URI 10 1 "a" "b"', 'g IN URI 10 x "a"', 'g IN URI "10" 1 "a"', 'g IN URI -1 1 "a"', 'g IN OPENPGPKEY AQI',
  'g IN OPENPGPKEY AQ== AQ==', 'g IN OPENPGPKEY', 'g IN OPENPGPKEY "AQID"', 'g IN OPENPGPKEY AQID "AQID"', 'g IN OPENPGPKEY AQ!D', 'g IN OPENPGPKEY A',
  'g IN OPENPGPKEY AQ=', 'g IN OPENPGPKEY AQ==x', 'g IN OPENPGPKEY AB==', 'g IN OPENPGPKEY AQJ=', 'g IN SSHFP 4 0 a bc', 'g IN SSHFP 4 0 -',
  'g IN SSHFP 4 5 abc', 'g IN SSHFP 4 2', 'g IN SSHFP 4', 'g IN TLSA 3 1 1 a', 'g IN TLSA 3 1 1 abc', 'g IN SMIMEA 3 1 1 ab c',
];

const REFUSED = [
  'g IN TXT \\# 4 03616263 ff',
  'g IN TXT \\# 3 03616263',
  'g IN TXT \\# 5 03616263',
  'g IN TXT \\# 4 0x03616263',
  'g IN TXT \\# 0',
  'g IN A \\# 0',
  'g IN A \\# 5 C000020100',
  'g IN MX \\# 8 000a03616263c00c',
  'g IN CNAME \\# 6 03616263 00',
  'g IN TXT \\# 2 02ff',
  'g IN TXT \\# 4294967295 00',
  'g IN A \\# 0x4 C0000201',
  // A CAA tag is letters and digits, one at least (BIND: FORMERR, "syntax error").
  'g IN CAA \\# 2 0000',
  'g IN CAA \\# 4 00012d61',
  'g IN CAA 0 a.b "ca.example"',
  'g CLASS3 A 192.0.2.7',
  'g CLASS2 A 192.0.2.7',
  'g CLASS65536 A 192.0.2.7',
  'g CLASS1x A 192.0.2.7',
  'g IN TYPE65280 "x"',
  'g IN TYPE65280',
  'g IN TYPE065280 \\# 0',
  'g IN TYPE65280 \\# 2 ab',
  'g IN TYPE99999 \\# 0',
  'g IN TYPE0 \\# 0',
  'g IN TYPE41 \\# 0',
  'g IN TYPE128 \\# 0',
  'g IN TYPE255 \\# 0',
  // No type to BIND (more than five digits, past 65535), and types whose data BIND checks.
  'g IN TYPE65536 \\# 0',
  'g IN TYPE000016 "x"',
  'g IN TYPE13 \\# 0',
  'g IN TYPE52 \\# 2 abcd',
  'g IN TLSA \\# 3 030101',
  'g IN SSHFP \\# 2 0402',
  'g IN SSHFP \\# 34 0401 00000000000000000000000000000000000000000000000000000000000000ab',
  'g IN HINFO \\# 5 0161016200',
  'g IN TLSA 3 1 1',
  'g IN TLSA 3 1',
  'g IN TLSA 3 1 1 012',
  'g IN TLSA 3 1 1 xx',
  'g IN TLSA 256 1 1 01',
  'g IN TLSA x 1 1 0102',
  'g IN TLSA 3 1 1 "0102"',
  'g IN SSHFP 4 2 0123',
  'g IN SSHFP 4 1 000000000000000000000000000000000000000000',
  'g IN SSHFP 4 1 0000000000000000000000000000000000000000 89',
  'g IN SSHFP 4 1 0000000000000000000000000000000000000000 8',
  'g IN SSHFP 4 1 00000000000000000000000000000000000000000',
  'g IN SSHFP 4 1 000 00000000000000000000000000000000000000 0',
  'g IN SSHFP 4 1 000 000',
  'g IN SSHFP 4 1 000 00000000000000000000000000000000000x000',
  'g IN URI \\# 2 000a',
  'g IN OPENPGPKEY \\# 0',
  ...REFUSED_USUAL,
  'g CLASS3 TXT "x"',
  'g ch TXT "x"',
  'g CLASS00004 TXT "x"',
];

// One BIND run per line, shared by the tests below.
const bindRuns = new Map<string, ReturnType<typeof loadWithBind>>();
const bindOf = (line: string) => {
  if (!bindRuns.has(line)) bindRuns.set(line, loadWithBind('example.com.', `${APEX}${line}\n`));
  return bindRuns.get(line)!;
};

describe('RFC 3597 generic record types and data', () => {
  it('are taken and refused where BIND takes and refuses them, and read as BIND reads them', { timeout: 120_000 }, async () => {
    const verdicts = await inPool([...ACCEPTED, ...REFUSED], 4, async (line) => {
      const zone = `${APEX}${line}\n`;
      const bind = await bindOf(line);
      const lab = parseZone(zone, { origin: 'example.com.' });
      const labTakes = lab.problems.length === 0;
      let same = '';
      if (bind.loaded && labTakes) {
        // What the lab read, written in the usual form, loads in BIND as the generic line did.
        const record = lab.records.find((r) => r.name === 'g.example.com.')!;
        const rewritten = await loadWithBind('example.com.', `${APEX}${recordLine(record)}\n`);
        const data = (z: typeof bind) => z.records.filter((r) => r.name === 'g.example.com.').map((r) => `${r.type} ${r.data}`);
        same = JSON.stringify(data(rewritten)) === JSON.stringify(data(bind)) ? ', read alike' : `, BIND ${data(bind)} but the lab ${data(rewritten)}`;
      }
      return `${line}: BIND ${bind.loaded ? 'takes' : 'refuses'}, lab ${labTakes ? 'takes' : 'refuses'}${same}`;
    });
    expect(verdicts.filter((v) => !/BIND (takes|refuses), lab \1(, read alike)?$/.test(v))).toEqual([]);
    expect(verdicts.filter((v) => v.endsWith('read alike'))).toHaveLength(ACCEPTED.length);
  });

  it('say what BIND says when the data is not what "\\# length" announces, in both languages', () => {
    const [extra] = parseZone(`${APEX}g IN TXT \\# 4 03616263 ff\n`, { origin: 'example.com.' }).problems;
    expect(extra!.message.en).toMatch(/The data is 5 bytes but "\\# 4" says 4: BIND refuses the zone \("extra input text"\)/);
    expect(extra!.message['zh-CN']).toMatch(/数据有 5 字节.*RFC 3597/);
    // A type whose data BIND checks (TLSA): served in the generic form, refused as BIND refuses it.
    const [short] = parseZone(`${APEX}g IN TYPE52 \\# 2 abcd\n`, { origin: 'example.com.' }).problems;
    expect(short!.message.en).toMatch(/These 2 bytes are no TLSA record data: BIND refuses the zone \("unexpected end of input"\)/);
    expect(short!.message['zh-CN']).toMatch(/不是 TLSA 记录的数据/);
    // TLSA in its usual form is read as BIND reads it, and refused in BIND's words.
    expect(parseZone(`${APEX}_25._tcp.mail IN TLSA 3 1 1 ${'ab'.repeat(32)}\n`, { origin: 'example.com.' }).problems).toEqual([]);
    const [badHex] = parseZone(`${APEX}_25._tcp.mail IN TLSA 3 1 1 012\n`, { origin: 'example.com.' }).problems;
    expect(badHex!.message.en).toMatch(/BIND reads, and it refuses the zone \("bad hex encoding"\)\. Write the usage, the selector, the matching type and the data in hex/);
    expect(badHex!.message['zh-CN']).toMatch(/bad hex encoding.*用途、选择器、匹配类型/);
    // The usual forms of the other types BIND checks: refused in BIND's words, with what to write.
    const [uri] = parseZone(`${APEX}g IN URI 10 1 https://www.example.com/\n`, { origin: 'example.com.' }).problems;
    expect(uri!.message.en).toMatch(/URI record's data is not what BIND reads, and it refuses the zone \("syntax error"\)\. Write the priority and the weight .*then the URI in quotes, e\.g\. URI 10 1 "https:/);
    expect(uri!.message['zh-CN']).toMatch(/syntax error.*带引号的 URI/);
    const [key] = parseZone(`${APEX}g IN OPENPGPKEY "AQID"\n`, { origin: 'example.com.' }).problems;
    expect(key!.message.en).toMatch(/\("unexpected token"\)\. Write the public key in base64, with no quotes/);
    expect(key!.message['zh-CN']).toMatch(/base64 公钥/);
    // Unknown to the lab still: a type it does not serve at all.
    const [unknown] = parseZone(`${APEX}g IN TYPE43 \\# 4 00010801\n`, { origin: 'example.com.' }).problems;
    expect(unknown!.message.en).toMatch(/TYPE43 is a type the lab does not serve: the lab serves A, .*Remove the record/);
    // A private-use type written as text, and a meta type: what BIND says, and what to write.
    const [text] = parseZone(`${APEX}g IN TYPE65280 "x"\n`, { origin: 'example.com.' }).problems;
    expect(text!.message.en).toMatch(/only in the generic form.*TYPE65280 \\# 3 010203.*"unknown class\/type"/);
    expect(text!.message['zh-CN']).toMatch(/通用形式/);
    const [meta] = parseZone(`${APEX}g IN TYPE255 \\# 0\n`, { origin: 'example.com.' }).problems;
    expect(meta!.message.en).toMatch(/meta type.*"invalid use of a meta type"/);
    // CLASS1 is IN: its record is read; CLASS3 (CH) is another class.
    expect(parseZone(`${APEX}g CLASS1 A 192.0.2.7\n`, { origin: 'example.com.' }).records.find((r) => r.name === 'g.example.com.')?.address).toBe('192.0.2.7');
    expect(parseZone(`${APEX}g CLASS3 A 192.0.2.7\n`, { origin: 'example.com.' }).problems[0]!.message.en).toMatch(/Class CLASS3 \(CH\) is not the Internet class/);
  });

  it('quote, for a usual form BIND refuses, the very words BIND gives', { timeout: 120_000 }, async () => {
    const wrong = await inPool(REFUSED_USUAL, 4, async (line) => {
      const bind = await bindOf(line);
      const said = /dns_rdata_fromtext: (?:.*: )?([^:]+)$/m.exec(bind.messages.join('\n'))?.[1];
      const problems = parseZone(`${APEX}${line}\n`, { origin: 'example.com.' }).problems;
      const quoted = /it refuses the zone \("([^"]+)"\)\. Write /.exec(problems[0]?.message.en ?? '')?.[1];
      return !bind.loaded && problems.length === 1 && said && quoted === said && problems[0]!.message['zh-CN'].includes(`（"${said}"）。请写`) ? '' : `${line}: BIND ${bind.loaded ? 'takes it' : said}, lab ${problems.map((p) => p.message.en).join(' | ')}`;
    });
    expect(wrong.filter(Boolean)).toEqual([]);
  });

  it('claim of BIND, when refusing a type or class, only what BIND says, naming what was written', { timeout: 120_000 }, async () => {
    // Once the lab told TYPE065280, TYPE65536 and TYPE13 "\# 0" that "BIND would load it" (BIND
    // refuses all three), and CLASS3 that "Class CH" is not the Internet class.
    const untrue = await inPool(REFUSED, 4, async (line) => {
      const bind = await bindOf(line);
      const [problem] = parseZone(`${APEX}${line}\n`, { origin: 'example.com.' }).problems;
      const said = bind.messages.join(' | ');
      const quoted = [...problem!.message.en.matchAll(/BIND refuses the zone \("([^"]+)"\)/g)].map((m) => m[1]!);
      const wrong = [
        ...quoted.filter((q) => !said.includes(q)).map((q) => `quotes "${q}"`),
        ...(/BIND would load/.test(problem!.message.en) && !bind.loaded ? ['says BIND would load it'] : []),
      ];
      return wrong.length ? `${line}: ${wrong.join(', ')}; BIND: ${said}` : '';
    });
    expect(untrue.filter(Boolean)).toEqual([]);
    const at = (line: string) => parseZone(`${APEX}${line}\n`, { origin: 'example.com.' }).problems[0]!.message;
    expect(at('g IN TYPE065280 \\# 0').en).toMatch(/"TYPE065280" is no record type.*\("unknown class\/type"\).*write it TYPE65280/);
    expect(at('g IN TYPE065280 \\# 0')['zh-CN']).toMatch(/不是记录类型.*TYPE65280/);
    expect(at('g IN TYPE65536 \\# 0').en).toMatch(/"TYPE65536" is no record type.*type numbers go up to 65535/);
    expect(at('g IN TYPE43 \\# 0').en).not.toMatch(/BIND/);
    expect(at('g CLASS3 TXT "x"').en).toMatch(/^Class CLASS3 \(CH\) is not the Internet class: BIND refuses the zone \("bad class"\)\. Write IN/);
    expect(at('g CLASS3 TXT "x"')['zh-CN']).toMatch(/^CLASS3 \(CH\) 不是 Internet 类：BIND 会拒绝整个区域/);
    expect(at('g ch TXT "x"').en).toMatch(/^Class CH is not/);
  });
});
