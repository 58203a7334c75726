/**
 * DNS graders: answers that mean the same pass however they are written; answers that mean
 * something else fail with the right explanation. SPF and DKIM are evaluated for real.
 */
import { generateKeyPairSync } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { gradeDkim, gradeDmarc, gradeMx, gradePtr, gradeSpf } from '../../lab-server/src/grading/dns/graders.js';
import { parseDmarc } from '../../lab-server/src/grading/dns/dmarc.js';
import { parseSpf } from '../../lab-server/src/grading/dns/spf.js';
import { parseTagList } from '../../lab-server/src/grading/dns/dkim.js';
import type { FeedbackLine } from '../../lab-server/src/grading/feedback.js';
import { openDmarcReads, policyWord } from '../realtools/opendmarc.js';

const codes = (lines: FeedbackLine[]): string[] => lines.filter((l) => l.level !== 'ok').map((l) => `${l.level}:${l.code}`);
const GIVEN = '$ORIGIN example.com.\n@ MX 10 mail\n@ MX 20 mail2\nmail A 192.0.2.100\nmail2 A 192.0.2.101\n';
const mx = (answer: string) => gradeMx(answer, { origin: 'example.com.', given: 'mail.example.com. A 192.0.2.100\nmail2.example.com. A 192.0.2.101', mx: { domain: 'example.com', hosts: ['mail.example.com', 'mail2.example.com'] } });
const spf = (answer: string, requireFail = true) =>
  gradeSpf(answer, { origin: 'example.com.', given: GIVEN, spf: { domain: 'example.com', requireFail, pass: [{ ip: '192.0.2.100', label: 'mail' }, { ip: '192.0.2.101', label: 'mail2' }], fail: ['203.0.113.9'] } });

describe('MX', () => {
  it.each([
    ['relative names', '@ MX 10 mail\n@ MX 20 mail2'],
    ['absolute names, IN and TTL', 'example.com. 3600 IN MX 10 mail.example.com.\nexample.com. IN 300 MX 20 MAIL2.EXAMPLE.COM.'],
    ['inherited owner, comments, other numbers', '$TTL 1d\n@ MX 0 mail ; primary\n  MX 65535 mail2 ; backup'],
    ['reverse order in the file', '@ MX 20 mail2\n@ MX 10 mail'],
  ])('passes %s', async (_what, answer) => {
    expect(codes(await mx(answer))).toEqual([]);
  });

  it('fails equal preferences: that is load sharing, not a backup', async () => {
    expect(codes(await mx('@ MX 10 mail\n@ MX 10 mail2'))).toEqual(['error:mx.order']);
  });

  it('fails a target without an address, and a host nobody asked for', async () => {
    expect(codes(await mx('@ MX 10 mial\n@ MX 20 mail2'))).toEqual(['error:mx.target-no-address', 'error:mx.host-missing']);
    expect(codes(await mx('@ MX 10 mail\n@ MX 20 mail2\n@ MX 30 spare\nspare A 192.0.2.7'))).toEqual(['error:mx.unexpected-host']);
  });

  it('fails an IPv6 literal as target too', async () => {
    expect(codes(await mx('@ MX 10 mail\n@ MX 20 2001:db8::25'))).toEqual(['error:mx.target-ip', 'error:mx.host-missing']);
  });

  it('fails a target BIND refuses as a host name (check-names), even when the name has an address', async () => {
    const lines = await mx('@ MX 10 mail\n@ MX 20 mail_2\nmail_2 A 192.0.2.101');
    expect(codes(lines)).toEqual(expect.arrayContaining(['error:zone.bad-host-name', 'error:zone.bad-owner-name']));
    expect(lines.find((l) => l.code === 'zone.bad-host-name')!.message.en).toMatch(/Line 2: the MX record's target "mail_2\.example\.com\." is not a host name/);
  });
});

describe('SPF', () => {
  it.each([
    ['mx -all', '@ TXT "v=spf1 mx -all"'],
    ['explicit addresses', '@ TXT "v=spf1 ip4:192.0.2.100 ip4:192.0.2.101 -all"'],
    ['a /31 range', '@ TXT "v=spf1 ip4:192.0.2.100/31 -all"'],
    ['a:host mechanisms', '@ TXT "v=spf1 a:mail.example.com a:mail2.example.com -all"'],
    ['split strings', '@ TXT ( "v=spf1 mx " "ip4:192.0.2.100 -all" )'],
    ['upper case', '@ TXT "V=SPF1 MX -ALL"'],
    ['redirect to a policy record (whose mx must name the domain: after redirect, mx means _spf.example.com)', '@ TXT "v=spf1 redirect=_spf.example.com"\n_spf TXT "v=spf1 mx:example.com -all"'],
  ])('passes equivalent records: %s', async (_what, answer) => {
    expect(codes(await spf(answer))).toEqual([]);
  });

  it('fails a record that lets strangers pass even without +all', async () => {
    expect(codes(await spf('@ TXT "v=spf1 ip4:0.0.0.0/0 -all"'))).toEqual(['error:spf.eval-fail']);
  });

  it('counts DNS lookups and refuses more than ten', async () => {
    const many = Array.from({ length: 11 }, (_, i) => `a:h${i}.example.com`).join(' ');
    expect(codes(await spf(`@ TXT "v=spf1 ${many} -all"`))).toEqual(['error:spf.too-many-lookups']);
    expect(parseSpf(`v=spf1 ${many} -all`).lookups).toBe(11);
  });

  it('warns but passes ~all when the exercise does not insist on rejection', async () => {
    expect(codes(await spf('@ TXT "v=spf1 mx ~all"', false))).toEqual(['warn:spf.soft-all']);
  });

  it('traces a permerror to its cause instead of asking for mechanisms the record has', async () => {
    const voids = await spf('@ TXT "v=spf1 a:gone1.example.com a:gone2.example.com a:gone3.example.com mx -all"');
    expect(codes(voids)).toEqual(['error:spf.void-lookups']);
    expect(voids.find((l) => l.code === 'spf.void-lookups')!.message.en).toContain('a:gone3.example.com');
    expect(codes(await spf('@ TXT "v=spf1 include:_spf.example.net mx -all"'))).toEqual(['error:spf.include-none']);
    expect(codes(await spf('@ TXT "v=spf1 a:gone1.example.com a:gone2.example.com mx -all"'))).toEqual([]);
  });

  it('explains the obsolete SPF record type, ptr, and terms after all', () => {
    expect(parseSpf('v=spf1 ptr -all').problems.map((p) => p.code)).toEqual(['spf.ptr']);
    expect(parseSpf('v=spf1 -all mx').problems.map((p) => p.code)).toEqual(['spf.after-all']);
    expect(parseSpf('v=spf1 mx ip:1.2.3.4 -all').problems.map((p) => p.code)).toEqual(['spf.syntax']);
    expect(parseSpf('spf1 mx -all').problems.map((p) => p.code)).toEqual(['spf.version']);
  });
});

describe('DKIM', () => {
  const key = (bits: number) => {
    const pair = generateKeyPairSync('rsa', { modulusLength: bits });
    return { pub: pair.publicKey.export({ type: 'spki', format: 'der' }).toString('base64'), priv: pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() };
  };
  const strings = (value: string) => (value.match(/.{1,200}/g) ?? []).map((s) => `"${s}"`).join(' ');
  const k1024 = key(1024);
  const dkim = (answer: string, priv = k1024.priv) => gradeDkim(answer, { origin: 'example.com.', dkim: { domain: 'example.com', selector: 'mail2026', privateKey: priv } });

  it('verifies a real signature against the record, and warns that 1024 bits is weak', async () => {
    const lines = await dkim(`mail2026._domainkey TXT ( ${strings(`v=DKIM1; k=rsa; p=${k1024.pub}`)} )`);
    expect(codes(lines)).toEqual(['warn:dkim.weak-key']);
    expect(lines.find((l) => l.code === 'dkim.verify')!.level).toBe('ok');
  });

  it('accepts a record without v= and k= (both optional) with a warning for v=', async () => {
    expect(codes(await dkim(`mail2026._domainkey.example.com. TXT ( ${strings(`p=${k1024.pub}`)} )`))).toEqual(['warn:dkim.no-version', 'warn:dkim.weak-key']);
  });

  it('never takes the DMARC or SPF record for a misplaced key', async () => {
    const lines = await dkim('@ TXT "v=spf1 mx -all"\n_dmarc TXT "v=DMARC1; p=quarantine; rua=mailto:dmarc@example.com"');
    expect(codes(lines)).toEqual(['error:dkim.missing']);
    expect(lines[0]!.message.en).not.toMatch(/_dmarc|you published/);
    const misplaced = await dkim(`mail2026 TXT ( ${strings(`v=DKIM1; k=rsa; p=${k1024.pub}`)} )`);
    expect(misplaced[0]!.message.en).toMatch(/you published one at mail2026\.example\.com/);
  });

  it('fails a valid key that is not the signing key', async () => {
    const other = key(2048);
    expect(codes(await dkim(`mail2026._domainkey TXT ( ${strings(`v=DKIM1; k=rsa; p=${other.pub}`)} )`))).toEqual(['error:dkim.verify']);
  });

  it('refuses keys under 1024 bits (RFC 8301)', async () => {
    const small = key(512);
    expect(codes(await dkim(`mail2026._domainkey TXT "v=DKIM1; k=rsa; p=${small.pub}"`, small.priv))).toEqual(['error:dkim.short-key']);
  });

  it('checks the tags: version first, key type, hash, service', async () => {
    const p = `p=${k1024.pub}`;
    expect(codes(await dkim(`mail2026._domainkey TXT ( ${strings(`k=rsa; v=DKIM1; ${p}`)} )`))).toContain('error:dkim.version');
    expect(codes(await dkim(`mail2026._domainkey TXT ( ${strings(`v=DKIM1; k=ed25519; ${p}`)} )`))).toEqual(['error:dkim.key-type']);
    expect(codes(await dkim(`mail2026._domainkey TXT ( ${strings(`v=DKIM1; h=sha1; ${p}`)} )`))).toContain('error:dkim.hash');
    expect(codes(await dkim(`mail2026._domainkey TXT ( ${strings(`v=DKIM1; s=tlsrpt; ${p}`)} )`))).toContain('error:dkim.service');
    expect(parseTagList('v=DKIM1; v=DKIM1').problems).toHaveLength(1);
  });
});

describe('DMARC', () => {
  const dmarc = (answer: string) => gradeDmarc(answer, { origin: 'example.com.', dmarc: { domain: 'example.com', policy: 'quarantine', rua: ['dmarc@example.com'] } });

  it('passes equivalent records: spacing, order of optional tags, several report URIs', async () => {
    expect(codes(await dmarc('_dmarc TXT "v=DMARC1;p=quarantine;rua=mailto:dmarc@example.com"'))).toEqual([]);
    expect(codes(await dmarc('_dmarc.example.com. TXT ( "v=DMARC1; p=quarantine; " "adkim=r; rua=mailto:dmarc@example.com,mailto:ops@example.com!10m;" )'))).toEqual([]);
  });

  it('reads spaces around "=" (RFC 7489 allows them) as OpenDMARC does: the policy as written, and a receiver finds it', async () => {
    // mailauth 4.9 read "p = quarantine" as the policy " quarantine" and skipped "v = DMARC1" records.
    const spaced = ['v=DMARC1; p = quarantine; rua=mailto:dmarc@example.com', 'v = DMARC1 ; p= quarantine ;rua = mailto:dmarc@example.com'];
    for (const record of spaced) {
      expect(await openDmarcReads(record), record).toMatchObject({ status: 0, p: 'q' });
      const lines = await dmarc(`_dmarc TXT "${record}"`);
      expect(codes(lines), record).toEqual([]);
      expect(lines.find((l) => l.code === 'dmarc.found')).toMatchObject({ level: 'ok' });
    }
    // The spacing is read for the sub-domain policy too: OpenDMARC and the grader agree on sp=.
    const sp = 'v=DMARC1; p=quarantine; sp = reject; rua=mailto:dmarc@example.com';
    expect(policyWord((await openDmarcReads(sp)).sp)).toBe('reject');
    const subdomains = await gradeDmarc(`_dmarc TXT "${sp}"`, { origin: 'example.com.', dmarc: { domain: 'example.com', policy: 'quarantine', rua: ['dmarc@example.com'], subdomainPolicy: 'reject' } });
    expect(codes(subdomains)).toEqual([]);
  });

  it('warns about an external report address, unknown tags and p= out of place', async () => {
    expect(codes(await dmarc('_dmarc TXT "v=DMARC1; p=quarantine; rua=mailto:dmarc@example.com,mailto:x@reports.example.net"'))).toEqual(['warn:dmarc.rua-external']);
    expect(codes(await dmarc('_dmarc TXT "v=DMARC1; p=quarantine; rua=mailto:dmarc@example.com; ruaa=x"'))).toEqual(['warn:dmarc.unknown-tag']);
    expect(codes(await dmarc('_dmarc TXT "v=DMARC1; rua=mailto:dmarc@example.com; p=quarantine"'))).toEqual(['warn:dmarc.p-order']);
  });

  it('fails pct below 100 where the policy must be enforced, and only warns when monitoring', async () => {
    expect(codes(await dmarc('_dmarc TXT "v=DMARC1; p=quarantine; pct=20; rua=mailto:dmarc@example.com"'))).toEqual(['error:dmarc.pct']);
    const monitor = await gradeDmarc('_dmarc TXT "v=DMARC1; p=none; pct=20; rua=mailto:dmarc@example.com"', { origin: 'example.com.', dmarc: { domain: 'example.com', policy: 'none', rua: ['dmarc@example.com'] } });
    expect(codes(monitor)).toEqual(['warn:dmarc.pct']);
  });

  it('fails a version not spelt exactly DMARC1 (RFC 7489 grammar is case-sensitive there)', async () => {
    expect(codes(await dmarc('_dmarc TXT "v=Dmarc1; p=quarantine; rua=mailto:dmarc@example.com"'))).toEqual(['error:dmarc.version-case']);
  });

  it('fails two records, a bad pct and a missing policy', async () => {
    expect(codes(await dmarc('_dmarc TXT "v=DMARC1; p=none"\n_dmarc TXT "v=DMARC1; p=quarantine; rua=mailto:dmarc@example.com"'))).toEqual(['error:dmarc.multiple']);
    expect(codes(await dmarc('_dmarc TXT "v=DMARC1; p=quarantine; pct=150; rua=mailto:dmarc@example.com"'))).toEqual(['error:dmarc.bad-pct']);
    expect(codes(await dmarc('_dmarc TXT "v=DMARC1; rua=mailto:dmarc@example.com"'))).toEqual(['error:dmarc.no-policy']);
  });
});

describe('PTR', () => {
  const ptr = (answer: string) => gradePtr(answer, { origin: '2.0.192.in-addr.arpa.', given: 'mail A 192.0.2.100\nalias CNAME mail\nother A 192.0.2.7', givenOrigin: 'example.com.', ptr: { ip: '192.0.2.100', host: 'mail.example.com' } });

  it('passes the reverse name written in any form', async () => {
    expect(codes(await ptr('100 PTR mail.example.com.'))).toEqual([]);
    expect(codes(await ptr('$ORIGIN in-addr.arpa.\n100.2.0.192 IN PTR MAIL.example.com.'))).toEqual([]);
    expect(codes(await ptr('100.2.0.192.in-addr.arpa. 86400 IN PTR mail.example.com.'))).toEqual([]);
  });

  it('fails several names for one address: receivers check whichever comes first', async () => {
    expect(codes(await ptr('100 PTR mail.example.com.\n100 PTR other.example.com.'))).toEqual(['error:ptr.multiple']);
  });

  it('fails a PTR whose host does not point back (not forward-confirmed)', async () => {
    const lines = await gradePtr('100 PTR mail.example.com.', { origin: '2.0.192.in-addr.arpa.', given: 'mail A 192.0.2.7', givenOrigin: 'example.com.', ptr: { ip: '192.0.2.100', host: 'mail.example.com' } });
    expect(codes(lines)).toEqual(['error:ptr.fcrdns']);
  });
});

describe('the SPF and DMARC parsers never throw', () => {
  const spfish = fc.array(fc.oneof(fc.constantFrom('v=spf1', 'mx', '-all', '+all', '~all', 'a:', 'ip4:', 'ip6:', 'include:', 'redirect=', 'exp=', '%{i}', '/', '//', ':', '=', ' ', '1.2.3.4', '::1', 'x.example'), fc.string({ maxLength: 12 })), { maxLength: 25 });
  it('parseSpf', () => {
    fc.assert(fc.property(spfish, (parts) => {
      const r = parseSpf(parts.join(''));
      expect(r.lookups).toBeGreaterThanOrEqual(0);
    }), { numRuns: 500 });
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (s) => void parseSpf(s)), { numRuns: 300 });
  });

  it('parseDmarc', () => {
    const dmarcish = fc.array(fc.oneof(fc.constantFrom('v=DMARC1', 'p=', 'sp=', 'rua=', 'mailto:', 'pct=', '101', 'adkim=', 's', ';', '=', ',', '!', '@'), fc.string({ maxLength: 12 })), { maxLength: 25 });
    fc.assert(fc.property(dmarcish, (parts) => void parseDmarc(parts.join(''))), { numRuns: 500 });
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (s) => void parseDmarc(s)), { numRuns: 300 });
  });
});
