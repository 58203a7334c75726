/**
 * Twin records: one record written twice in two spellings is one record in DNS (an RRset is a
 * set), as BIND loads it; two records that only look alike ("\255" is the byte ff, "ÿ" is c3 bf)
 * stay two. The lab's DNS server and the graders' view of a zone must both count as BIND does:
 * once the server deduped by the text as written, so dig got two identical MX where a grader
 * saw one (and a CNAME written twice made the name SERVFAIL). named-compilezone loads the zone,
 * dig asks the lab after the same text is saved, ZoneView is what every DNS grader reads.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseZone } from '../../lab-server/src/grading/dns/zoneFile.js';
import { ZoneView } from '../../lab-server/src/grading/dns/zoneView.js';
import { digLab } from '../helpers/clients.js';
import { startTestLab, type TestLab } from '../helpers/lab.js';
import { api, editZone } from '../helpers/world.js';
import { loadWithBind, recordsAt } from '../realtools/bind.js';

let lab: TestLab;

beforeAll(async () => {
  lab = await startTestLab();
});
afterAll(async () => {
  await lab?.dispose();
});

/** Each name holds two lines of one type, written as a learner might write them. */
const TWINS: Array<{ name: string; type: string; lines: string[] }> = [
  { name: 'd1', type: 'TXT', lines: ['"é"', '"\\195\\169"'] },
  { name: 'd2', type: 'TXT', lines: ['abc', '"abc"'] },
  { name: 'd3', type: 'MX', lines: ['10 mail', '10 mail.otherdomain.com.'] },
  { name: 'd4', type: 'AAAA', lines: ['2001:db8:0::1', '2001:DB8::1'] },
  { name: 'd5', type: 'SRV', lines: ['0 5 25 mail', '0 5 025 MAIL.otherdomain.com.'] },
  { name: 'd6', type: 'CNAME', lines: ['mail', 'MAIL.otherdomain.com.'] },
  { name: 'd7', type: 'TXT', lines: ['"abc"', '\\# 4 03616263'] },
  { name: 'd8', type: 'CAA', lines: ['0 issue "ca.example"', '0 issue ca.example'] },
  { name: 'd9', type: 'NS', lines: ['ns1.example.com.', 'NS1.EXAMPLE.COM.'] },
  { name: 'd10', type: 'TXT', lines: ['"v=spf1 -all"', '"v=spf1" " -all"'] },
  { name: 'd11', type: 'TXT', lines: ['"\\255"', '"ÿ"'] },
  // A CAA value is its bytes too: typed or escaped, one record.
  { name: 'd12', type: 'CAA', lines: ['0 issue "café"', '0 issue "caf\\195\\169"'] },
  { name: 'd13', type: 'CAA', lines: ['0 issue "ca\\"x"', '0 issue "ca\\034x"'] },
  { name: 'd14', type: 'CAA', lines: ['0 issue "ca.example"', '0 issue "c\\a.example"'] },
];

describe('twin records', () => {
  it('are served and graded as many times as BIND loads them', { timeout: 120_000 }, async () => {
    const text = (await api<{ text: string }>(lab, 'GET', '/api/zones/otherdomain.com')).body.text;
    const zone = `${text}\n${TWINS.flatMap((t) => t.lines.map((l) => `${t.name} IN ${t.type} ${l}`)).join('\n')}\n`;
    const bind = await loadWithBind('otherdomain.com.', zone);
    expect(bind.loaded, bind.messages.join('\n')).toBe(true);
    const byBind = TWINS.map((t) => recordsAt(bind.records, `${t.name}.otherdomain.com`, t.type).length);
    // The table holds both kinds: twins BIND merges, and look-alikes it keeps apart.
    expect(byBind).toEqual([1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 1, 1, 1]);

    const view = new ZoneView(parseZone(zone, { origin: 'otherdomain.com.' }).records);
    expect(TWINS.map((t) => view.at(`${t.name}.otherdomain.com`, t.type).length)).toEqual(byBind);

    const saved = await editZone(lab, 'otherdomain.com', () => zone);
    expect(saved.status, JSON.stringify(saved.body)).toBe(200);
    const served: number[] = [];
    for (const t of TWINS) served.push((await digLab(lab, '+short', t.type, `${t.name}.otherdomain.com`)).split('\n').filter(Boolean).length);
    expect(served).toEqual(byBind);
  });
});
