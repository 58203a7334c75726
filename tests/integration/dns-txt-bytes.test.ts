/**
 * TXT strings served as the bytes BIND serves for the same zone text: a \DDD escape is that one
 * byte ("\255" is ff; the lab once served c3 bf, the UTF-8 of "ÿ"), text typed as such is its
 * UTF-8, and escapes that spell UTF-8 ("\195\169") are those bytes. dig reads the lab's answer
 * and named-compilezone the zone; both print TXT the same way (\DDD outside printable ASCII), so
 * their lines must be equal. "Apply to my lab" writes such strings back as BIND reads them.
 */
import dnsPacket from 'dns-packet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyRecords } from '../../lab-server/src/dns/applyRecords.js';
import { presentRecord } from '../../lab-server/src/dns/resolver.js';
import { Authority } from '../../lab-server/src/grading/dns/authority.js';
import { digLab } from '../helpers/clients.js';
import { startTestLab, type TestLab } from '../helpers/lab.js';
import { api, editZone } from '../helpers/world.js';
import { loadWithBind } from '../realtools/bind.js';

let lab: TestLab;

beforeAll(async () => {
  lab = await startTestLab();
});
afterAll(async () => {
  await lab?.dispose();
});

/** Records at t1..tN.otherdomain.com, each a TXT written as a learner might. */
const WRITTEN = [
  '"\\255"',
  '"\\195\\169" "é" "ÿ"',
  '"x\\000y" "a\\"b\\\\c" "\\127\\128"',
  `"${'\\255'.repeat(200)}"`,
  'caf\\195\\169 \\255unquoted',
  '"\\226\\130\\172 \\255 ok"',
];
const NAMES = WRITTEN.map((_, i) => `t${i + 1}`);

/** The TXT data of each name as BIND prints it ("..." "..."), in the order of NAMES. */
function bindTxt(records: Array<{ name: string; type: string; data: string }>): string[] {
  return NAMES.map((n) => records.filter((r) => r.name === `${n}.otherdomain.com.` && r.type === 'TXT').map((r) => r.data.replace(/\s+/g, ' ')).join(' | '));
}

describe('TXT bytes', () => {
  it('are served as BIND serves them for the same zone text', { timeout: 120_000 }, async () => {
    const text = (await api<{ text: string }>(lab, 'GET', '/api/zones/otherdomain.com')).body.text;
    const zone = `${text}\n${WRITTEN.map((w, i) => `${NAMES[i]} IN TXT ${w}`).join('\n')}\n`;
    const bind = await loadWithBind('otherdomain.com.', zone);
    expect(bind.loaded, bind.messages.join('\n')).toBe(true);
    expect(bindTxt(bind.records)[0]).toBe('"\\255"');
    const saved = await editZone(lab, 'otherdomain.com', () => zone);
    expect(saved.status, JSON.stringify(saved.body)).toBe(200);
    const served: string[] = [];
    for (const n of NAMES) served.push((await digLab(lab, '+short', 'TXT', `${n}.otherdomain.com`)).trim().split('\n').join(' | '));
    expect(served).toEqual(bindTxt(bind.records));
    // One record of three strings: "\195\169" and "é" are the same bytes, "ÿ" is c3 bf, not "\255" (ff).
    // Twins at one name are dns-twin-records.test.ts's.
    expect(served[1]).toBe('"\\195\\169" "\\195\\169" "\\195\\191"');
  });

  it('in CAA values, and CAA tags, are served as BIND serves them', { timeout: 120_000 }, async () => {
    // Once the lab served a value's escapes as written ("ca\"x" went out with its backslash, "\195\169"
    // as eight characters) and every tag in lower case; a byte that is no UTF-8 ("\255", "caf\233")
    // went out as U+FFFD, since dns-packet writes CAA values as text.
    const caa = ['0 ISSUE "ca.example"', '0 issue "ca\\"x"', '0 issue "caf\\195\\169"', '\\# 4 00016100', '128 issue ca.example', '0 iodef "mailto:a\\064example.com"', '0 issue "\\255"', '0 issue "caf\\233 \\195"', '\\# 5 0001618081'];
    const text = (await api<{ text: string }>(lab, 'GET', '/api/zones/otherdomain.com')).body.text;
    const zone = `${text}\n${caa.map((c, i) => `c${i + 1} IN CAA ${c}`).join('\n')}\n`;
    const bind = await loadWithBind('otherdomain.com.', zone);
    expect(bind.loaded, bind.messages.join('\n')).toBe(true);
    const saved = await editZone(lab, 'otherdomain.com', () => zone);
    expect(saved.status, JSON.stringify(saved.body)).toBe(200);
    const served: string[] = [];
    for (let i = 1; i <= caa.length; i++) served.push((await digLab(lab, '+short', 'CAA', `c${i}.otherdomain.com`)).trim());
    expect(served).toEqual(caa.map((_, i) => bind.records.find((r) => r.name === `c${i + 1}.otherdomain.com.` && r.type === 'CAA')?.data));
    expect(served[1]).toBe('0 issue "ca\\"x"');
    // The terminal's dig (presentRecord) quotes the value as BIND does.
    const answer = new Authority([{ name: 'otherdomain.com', text: zone }]).lookup('c2.otherdomain.com', 'CAA').answers[0]!;
    expect(presentRecord(answer)).toMatch(/\tCAA\t0 issue "ca\\"x"$/);
    // And the terminal's dig prints the bytes that came over the wire.
    const raw = (await api<{ text: string }>(lab, 'GET', '/api/dig?name=c7.otherdomain.com&type=CAA')).body.text;
    expect(raw).toMatch(/\tCAA\t0 issue "\\255"\n/);
  });

  it('of a type BIND keeps as opaque data (TYPE65280), and of CLASS1 (IN), are served as BIND serves them', { timeout: 120_000 }, async () => {
    // The lab once refused both lines where BIND loads them.
    const lines = ['p1 IN TYPE65280 \\# 3 010203', 'p2 CLASS1 TYPE65534 \\# 0', 'p3 3600 class1 TYPE1000 \\# 4 ( dead BEEF )', 'p4 CLASS1 A 192.0.2.44'];
    const text = (await api<{ text: string }>(lab, 'GET', '/api/zones/otherdomain.com')).body.text;
    const zone = `${text}\n${lines.join('\n')}\n`;
    const bind = await loadWithBind('otherdomain.com.', zone);
    expect(bind.loaded, bind.messages.join('\n')).toBe(true);
    const saved = await editZone(lab, 'otherdomain.com', () => zone);
    expect(saved.status, JSON.stringify(saved.body)).toBe(200);
    const asked: Array<[string, string]> = [['p1', 'TYPE65280'], ['p2', 'TYPE65534'], ['p3', 'TYPE1000'], ['p4', 'A']];
    const served: string[] = [];
    for (const [name, type] of asked) served.push((await digLab(lab, '+noall', '+answer', '+nottlid', type, `${name}.otherdomain.com`)).trim().replace(/\s+/g, ' '));
    const byBind = asked.map(([name, type]) => {
      const r = bind.records.find((x) => x.name === `${name}.otherdomain.com.` && x.type === type)!;
      return `${r.name} IN ${r.type} ${r.data}`.replace(/\s+/g, ' ');
    });
    expect(served).toEqual(byBind);
    expect(served[0]).toBe('p1.otherdomain.com. IN TYPE65280 \\# 3 010203');
    // ANY over TCP lists it too, and the terminal's dig prints it as dig does.
    expect(await digLab(lab, '+tcp', '+short', 'ANY', 'p3.otherdomain.com')).toContain('\\# 4 DEADBEEF');
    const answer = new Authority([{ name: 'otherdomain.com', text: zone }]).lookup('p2.otherdomain.com', 'UNKNOWN_65534').answers[0]!;
    expect(presentRecord(answer)).toMatch(/\tIN\tTYPE65534\t\\# 0$/);
  });

  it('of types whose data BIND checks (TLSA, SSHFP, HINFO), in the generic form, are served as BIND serves them', { timeout: 120_000 }, async () => {
    // The lab once refused them ("not a record type the lab knows") where BIND loads them.
    const lines = ['_25._tcp.t1 IN TLSA \\# 35 030101 00000000000000000000000000000000000000000000000000000000000000ab', 't2 IN TYPE44 \\# 34 0402 00000000000000000000000000000000000000000000000000000000000000ab', 't3 IN HINFO \\# 4 01610162'];
    const text = (await api<{ text: string }>(lab, 'GET', '/api/zones/otherdomain.com')).body.text;
    const zone = `${text}\n${lines.join('\n')}\n`;
    const bind = await loadWithBind('otherdomain.com.', zone);
    expect(bind.loaded, bind.messages.join('\n')).toBe(true);
    const saved = await editZone(lab, 'otherdomain.com', () => zone);
    expect(saved.status, JSON.stringify(saved.body)).toBe(200);
    const asked: Array<[string, string]> = [['_25._tcp.t1', 'TLSA'], ['t2', 'SSHFP'], ['t3', 'HINFO']];
    const served: string[] = [];
    for (const [name, type] of asked) served.push((await digLab(lab, '+noall', '+answer', '+nottlid', type, `${name}.otherdomain.com`)).trim().replace(/\s+/g, ' '));
    const byBind = asked.map(([name, type]) => {
      const r = bind.records.find((x) => x.name === `${name}.otherdomain.com.` && x.type === type)!;
      return `${r.name} IN ${r.type} ${r.data}`.replace(/\s+/g, ' ');
    });
    expect(served).toEqual(byBind);
    expect(served[0]).toMatch(/^_25\._tcp\.t1\.otherdomain\.com\. IN TLSA 3 1 1 0+ ?0*AB$/);
    // The terminal's dig reads the wire with dns-packet, which makes fields of TLSA: printed as dig prints them.
    const answer = new Authority([{ name: 'otherdomain.com', text: zone }]).lookup('_25._tcp.t1.otherdomain.com', 'TLSA').answers[0]!;
    const wire = dnsPacket.decode(dnsPacket.encode({ type: 'response', answers: [answer] })).answers![0]!;
    expect(presentRecord(wire)).toMatch(/\tIN\tTLSA\t3 1 1 0{62}AB$/);
  });

  it('written back by "apply to my lab" are read by BIND as the same bytes', async () => {
    const base = '$TTL 3600\n@ IN SOA ns1 hostmaster 1 3600 600 604800 300\n@ IN NS ns1\nns1 IN A 192.0.2.53\n';
    const answer = WRITTEN.map((w, i) => `${NAMES[i]} IN TXT ${w}`).join('\n');
    const applied = applyRecords(base, 'example.com', answer);
    const [direct, rewritten] = await Promise.all([loadWithBind('example.com.', `${base}${answer}\n`), loadWithBind('example.com.', applied.text)]);
    expect(rewritten.loaded, rewritten.messages.join('\n')).toBe(true);
    const txt = (z: typeof direct) => z.records.filter((r) => r.type === 'TXT').map((r) => `${r.name} ${r.data}`).sort();
    expect(txt(rewritten)).toEqual(txt(direct));
    expect(txt(direct)).toHaveLength(WRITTEN.length);
  });
});
