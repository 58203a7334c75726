/**
 * Zones edited through the API (a saved zone, one BIND would refuse, big ones, "apply to my
 * lab"), checked by what real clients get back: dig and Node's dns.promises.Resolver.
 */
import { createSocket } from 'node:dgram';
import { promises as dnsPromises } from 'node:dns';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildQuery } from '../../lab-server/src/dns/wire.js';
import { digLab } from '../helpers/clients.js';
import { startTestLab, type TestLab } from '../helpers/lab.js';
import { NET } from '../helpers/network.js';
import { eventLoopCpuMs, watchEventLoop } from '../helpers/neighbour.js';
import { api, editZone } from '../helpers/world.js';

let lab: TestLab;

beforeAll(async () => {
  lab = await startTestLab();
});
afterAll(async () => {
  await lab?.dispose();
});

/**
 * A resolver of its own for each question, with one try waited for. c-ares (1.34) cuts a
 * channel's timeout down to what its earlier answers took: on two loaded cores a question the
 * lab answered slower after a big zone edit timed out in a second or two, whatever `timeout` said
 * (querySoa ETIMEOUT before the UDP bursts, in 3 of 5 runs beside two CPU burners).
 */
function resolver(): dnsPromises.Resolver {
  const r = new dnsPromises.Resolver({ timeout: 20_000, tries: 1 });
  r.setServers([`127.0.0.1:${lab.dnsPort}`]);
  return r;
}

describe('editing zones', () => {
  it('serves a saved zone at once', async () => {
    const saved = await editZone(lab, 'otherdomain.com', (t) => t.replace('@       IN MX 10 mail.otherdomain.com.', `@       IN MX 5 mx.otherdomain.com.\nmx      IN A    ${NET.other}`));
    expect(saved).toMatchObject({ status: 200, body: { saved: true } });
    expect(await resolver().resolveMx('otherdomain.com')).toEqual([{ exchange: 'mx.otherdomain.com', priority: 5 }]);
    const restored = await api(lab, 'POST', '/api/zones/otherdomain.com/restore');
    expect(restored.status).toBe(200);
    expect(await resolver().resolveMx('otherdomain.com')).toEqual([{ exchange: 'mail.otherdomain.com', priority: 10 }]);
  });

  it('refuses a zone BIND would not load, says why in both languages with the line, and keeps serving the old one', async () => {
    const bad = await editZone(lab, 'otherdomain.com', (t) => `${t}\nwww IN A 999.1.1.1\n`);
    expect(bad.status).toBe(422);
    const body = bad.body as { saved: boolean; error: { en: string; 'zh-CN': string }; feedback: Array<{ level: string; code: string; message: { en: string; 'zh-CN': string } }> };
    expect(body.saved).toBe(false);
    expect(body.error['zh-CN']).toMatch(/区域没有保存/);
    const line = (await api<{ text: string }>(lab, 'GET', '/api/zones/otherdomain.com')).body.text.split('\n').length + 1;
    expect(body.feedback).toContainEqual(expect.objectContaining({ level: 'error', code: 'zone.syntax' }));
    expect(body.feedback[0]!.message.en).toMatch(new RegExp(`^Line ${line}: "999\\.1\\.1\\.1" is not an IPv4 address`));
    expect(body.feedback[0]!.message['zh-CN']).toMatch(new RegExp(`^第 ${line} 行`));
    expect(await resolver().resolveMx('otherdomain.com')).toEqual([{ exchange: 'mail.otherdomain.com', priority: 10 }]);

    const noSoa = await editZone(lab, 'otherdomain.com', (t) => t.replace(/@\s+IN SOA[\s\S]*?\)\s*; negative-caching TTL/, ''));
    expect(noSoa.status).toBe(422);
    expect(noSoa.body.feedback).toContainEqual(expect.objectContaining({ code: 'zone.no-soa' }));

    const outside = await editZone(lab, 'otherdomain.com', (t) => `${t}\nmail.example.com. IN A 203.0.113.1\n`);
    expect(outside.status).toBe(422);
    expect(outside.body.feedback).toContainEqual(expect.objectContaining({ code: 'zone.out-of-zone' }));

    const unknown = await api(lab, 'PUT', '/api/zones/gmail.com', { text: '' });
    expect(unknown.status).toBe(404);
    expect((unknown.body.error as { en: string }).en).toMatch(/no zone "gmail\.com"/);
  });

  it('checks, loads and serves a zone of 5 000 records at one name or a chain of 3 200 CNAMEs, and refuses 8 000 NS lines for a server without an address, without holding the lab up', async () => {
    const loop = watchEventLoop();
    try {
      const zones: Array<[string[], number]> = [
        [Array.from({ length: 5000 }, (_, i) => `@ TXT ${i}`), 200],
        [Array.from({ length: 3200 }, (_, i) => `c${i} CNAME c${i + 1}`), 200],
        // Each name server's address was searched for through the whole zone, once per NS line: 8 000 took seconds.
        [Array.from({ length: 8000 }, () => '@ NS x'), 422],
      ];
      for (const [many, status] of zones) {
        const saved = await editZone(lab, 'otherdomain.com', (t) => `${t}\n${many.join('\n')}\n`);
        expect(saved.status).toBe(status);
        expect(await digLab(lab, '+tcp', '+time=20', 'c0.otherdomain.com', 'A')).toMatch(/status: (NOERROR|NXDOMAIN|SERVFAIL)/);
        await api(lab, 'POST', '/api/zones/otherdomain.com/restore');
      }
    } finally {
      await api(lab, 'POST', '/api/zones/otherdomain.com/restore');
      loop.stop();
    }
    // Each record set looked up, not searched: before, the load held the event loop past dig's 2 s timeout.
    expect(loop.worstBusyMs()).toBeLessThan(700);
    // Three saves, digs and restores are bounded work, and what is asserted is CPU time. Run
    // alone (-t, on a lab no other test has warmed) at load 32-35, the 30 s default ran out 3
    // runs in 3: the lab's event loop ran 0.25-0.3 s for the 5 000-record save (1.3-2.3 s on all
    // its threads, V8's compilers among them) and waited 6-11 s for a CPU.
  }, 120_000);

  it('answers a burst of UDP questions for 4 500 records at one name with TC=1 at once, at the cost of a burst for one record', async () => {
    expect((await editZone(lab, 'example.com', (t) => `${t}\n${Array.from({ length: 4500 }, (_, i) => `b TXT ${i}`).join('\n')}\n`)).status).toBe(200);
    const udp = createSocket('udp4');
    await new Promise<void>((resolve) => udp.bind(0, '127.0.0.1', resolve));
    await resolver().resolveSoa('example.com'); // the saved zone is loaded (once) before the bursts
    /** 200 questions at once, every answer back: the replies, and the event loop's CPU time they took. */
    const burst = async (name: string, type: string): Promise<{ replies: Buffer[]; cpuMs: number }> => {
      const replies: Buffer[] = [];
      const take = (m: Buffer): number => replies.push(m);
      udp.on('message', take);
      const before = eventLoopCpuMs();
      for (let i = 0; i < 200; i++) udp.send(buildQuery(name, type, { id: i }), lab.dnsPort, '127.0.0.1');
      for (let i = 0; i < 600 && replies.length < 200; i++) await new Promise((resolve) => setTimeout(resolve, 50));
      udp.off('message', take);
      return { replies, cpuMs: eventLoopCpuMs() - before };
    };
    try {
      const one = await burst('mail.example.com', 'A');
      const many = await burst('b.example.com', 'TXT');
      expect(one.replies).toHaveLength(200);
      expect(many.replies).toHaveLength(200);
      for (const r of many.replies) expect(r.readUInt16BE(2) & (1 << 9)).not.toBe(0); // TC: ask again over TCP
      // Each used to cost 27 ms of the event loop, 5.5 s for the burst (the answer looked up and
      // encoded three times). CPU time, not wall time, so a machine busy with other work does
      // not count; five times the one-record burst and a second more leave room for collections.
      expect(many.cpuMs).toBeLessThan(5 * one.cpuMs + 1000);
    } finally {
      udp.close();
      await api(lab, 'POST', '/api/zones/example.com/restore');
    }
  });

  it('saves a zone with a missing trailing dot but warns about it', async () => {
    const saved = await editZone(lab, 'otherdomain.com', (t) => `${t}\nalias IN CNAME mail.otherdomain.com\n`);
    expect(saved.status).toBe(200);
    expect(saved.body.feedback).toContainEqual(expect.objectContaining({ level: 'warn', code: 'zone.missing-trailing-dot' }));
    await api(lab, 'POST', '/api/zones/otherdomain.com/restore');
  });

  it('refuses a name whose label is over 63 bytes in UTF-8, so dig never gets a malformed answer ("bad label type")', async () => {
    const long = '中'.repeat(22); // 22 characters, 66 bytes: its length byte would read as a label type
    const saved = await editZone(lab, 'otherdomain.com', (t) => `${t}\nalias IN CNAME ${long}\n`);
    expect(saved.status).toBe(422);
    expect(saved.body.feedback).toContainEqual(expect.objectContaining({ level: 'error', message: expect.objectContaining({ en: expect.stringMatching(/longer than 63 bytes/) }) }));
    const out = await digLab(lab, '+tcp', 'alias.otherdomain.com', 'A');
    expect(out).not.toMatch(/bad packet|bad label/);
    expect(out).toMatch(/status: NXDOMAIN/);
  });

  it('lists the zones and shows a lookup as dig does', async () => {
    const zones = await api<{ zones: Array<{ name: string }> }>(lab, 'GET', '/api/zones');
    expect(zones.body.zones.map((z) => z.name)).toEqual([NET.reverseZone, 'example.com', 'otherdomain.com']);
    const mx = await api<{ status: string; sections: { answer: string[] }; text: string }>(lab, 'GET', '/api/dig?name=example.com&type=MX');
    expect(mx.body.status).toBe('NOERROR');
    expect(mx.body.sections.answer).toEqual(['example.com.\t3600\tIN\tMX\t10 mail.example.com.', 'example.com.\t3600\tIN\tMX\t20 mail2.example.com.']);
    expect(mx.body.text).toMatch(/;; QUESTION SECTION:\n;example\.com\.\t\tIN\tMX\n\n;; ANSWER SECTION:/);
    const ptr = await api<{ name: string; sections: { answer: string[] } }>(lab, 'GET', `/api/dig?name=${NET.other}&type=PTR`);
    expect(ptr.body.name).toBe(NET.ptrName(NET.other));
    expect(ptr.body.sections.answer[0]).toMatch(/PTR\tmail\.otherdomain\.com\.$/);
    const bad = await api<{ error: { en: string; 'zh-CN': string } }>(lab, 'GET', '/api/dig?name=example.com&type=WKS');
    expect(bad.status).toBe(400);
    expect(bad.body.error['zh-CN']).toMatch(/未知类型/);
    // A name of 5,000 characters with a right-to-left override is quoted short and as typed.
    const long = await api<{ error: { en: string; 'zh-CN': string } }>(lab, 'GET', `/api/dig?name=${encodeURIComponent(`\u202e${'x'.repeat(5000)} y`)}&type=A`);
    expect(long.status).toBe(400);
    for (const message of [long.body.error.en, long.body.error['zh-CN']]) {
      expect(message.length).toBeLessThan(200);
      expect(message).not.toMatch(/\u202e/);
      expect(message).toContain(`"?${'x'.repeat(63)}…"`);
    }
  });
});

describe('apply to my lab', () => {
  it('puts an exercise\'s records into the zone, replacing those record sets, and serves them', async () => {
    const answer = `$TTL 600\n@ IN MX 10 mail.otherdomain.com.\n@ IN MX 20 backup\nbackup IN A ${NET.at(201)}\n`;
    const applied = await api<{ applied: boolean; replaced: string[]; added: number; text: string }>(lab, 'POST', '/api/zones/otherdomain.com/apply', { text: answer });
    expect(applied.status).toBe(200);
    expect(applied.body).toMatchObject({ applied: true, replaced: ['otherdomain.com. MX'], added: 3 });
    expect(applied.body.text).toMatch(/^; \(replaced\) @\s+IN MX 10 mail\.otherdomain\.com\.$/m);
    expect(await resolver().resolveMx('otherdomain.com')).toEqual([
      { exchange: 'mail.otherdomain.com', priority: 10 },
      { exchange: 'backup.otherdomain.com', priority: 20 },
    ]);
    // Everything else is as it was.
    expect(await resolver().resolveTxt('otherdomain.com')).toEqual([['v=spf1 mx a -all']]);

    const broken = await api<{ applied: boolean; error: { 'zh-CN': string } }>(lab, 'POST', '/api/zones/otherdomain.com/apply', { text: '@ IN MX mail.otherdomain.com.' });
    expect(broken.status).toBe(422);
    expect(broken.body.error['zh-CN']).toMatch(/无法应用/);
    const cname = await api<{ applied: boolean; feedback: Array<{ code: string }> }>(lab, 'POST', '/api/zones/otherdomain.com/apply', { text: 'mail IN CNAME backup.otherdomain.com.' });
    expect(cname.status).toBe(422);
    expect(cname.body.feedback).toContainEqual(expect.objectContaining({ code: 'zone.cname-with-data' }));
    await api(lab, 'POST', '/api/zones/otherdomain.com/restore');
  });

  it('applies a TXT string with control characters written as \\DDD and serves the same bytes (dig shows them as it read them)', async () => {
    const answer = 'note IN TXT "line1\\010line2\\013" "tab\\009\\"q\\""';
    const applied = await api<{ applied: boolean; text: string }>(lab, 'POST', '/api/zones/otherdomain.com/apply', { text: answer });
    expect(applied.status).toBe(200);
    expect(applied.body.text).toMatch(/^note\.otherdomain\.com\. 3600 IN TXT "line1\\010line2\\013" "tab\\009\\"q\\""$/m);
    const out = await digLab(lab, '+short', 'note.otherdomain.com', 'TXT');
    expect(out.trim()).toBe('"line1\\010line2\\013" "tab\\009\\"q\\""');
    await api(lab, 'POST', '/api/zones/otherdomain.com/restore');
  });
});
