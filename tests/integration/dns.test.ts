/**
 * The lab DNS driven by real clients: BIND's dig (UDP, TCP, truncation and the retry over TCP,
 * EDNS) and Node's dns.promises.Resolver; a connection handed off by the lab sees its
 * learner's own zones. Zones edited through the API: dns-zone-edits.test.ts.
 */
import { promises as dnsPromises } from 'node:dns';
import { connect } from 'node:net';
import dnsPacket from 'dns-packet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildQuery } from '../../lab-server/src/dns/wire.js';
import { dkimKey } from '../../lab-server/src/world/dkimKeys.js';
import { digLab } from '../helpers/clients.js';
import { startTestLab, type TestLab } from '../helpers/lab.js';
import { NET } from '../helpers/network.js';
import { api, editZone } from '../helpers/world.js';

let lab: TestLab;
let resolver: dnsPromises.Resolver;

beforeAll(async () => {
  lab = await startTestLab();
  resolver = new dnsPromises.Resolver({ timeout: 2000, tries: 1 });
  resolver.setServers([`127.0.0.1:${lab.dnsPort}`]);
});
afterAll(async () => {
  await lab?.dispose();
});

const section = (out: string, name: string): string[] => {
  const m = new RegExp(`;; ${name} SECTION:\\n([\\s\\S]*?)(\\n\\n|$)`).exec(out);
  return m ? m[1]!.split('\n').filter(Boolean).map((l) => l.replace(/\s+/g, ' ')) : [];
};

describe('dig against the lab DNS', () => {
  it('answers MX authoritatively, with the hosts\' addresses as additional data', async () => {
    const out = await digLab(lab, 'example.com', 'MX', '+norecurse');
    expect(out).toMatch(/status: NOERROR/);
    expect(out).toMatch(/flags: qr aa;/);
    expect(section(out, 'ANSWER')).toEqual(['example.com. 3600 IN MX 10 mail.example.com.', 'example.com. 3600 IN MX 20 mail2.example.com.']);
    expect(section(out, 'ADDITIONAL')).toEqual([`mail.example.com. 3600 IN A ${NET.mail}`, `mail2.example.com. 3600 IN A ${NET.mail2}`]);
    expect(out).toMatch(/SERVER: 127\.0\.0\.1#\d+\(127\.0\.0\.1\) \(UDP\)/);
  });

  it('serves the course\'s complete zone: A, SPF, DMARC, PTR and the sandbox\'s own DKIM key', async () => {
    expect((await digLab(lab, '+short', 'mail.example.com', 'A')).trim()).toBe(NET.mail);
    expect((await digLab(lab, '+short', 'example.com', 'TXT')).trim()).toBe('"v=spf1 mx a -all"');
    expect((await digLab(lab, '+short', '_dmarc.example.com', 'TXT')).trim()).toBe('"v=DMARC1; p=quarantine; rua=mailto:admin@example.com"');
    expect((await digLab(lab, '+short', '-x', NET.mail)).trim()).toBe('mail.example.com.');
    expect((await digLab(lab, '+short', '-x', NET.other)).trim()).toBe('mail.otherdomain.com.');
    const key = await dkimKey(await lab.sandboxes.get('default'), 'example.com');
    const txt = (await digLab(lab, '+short', 'default._domainkey.example.com', 'TXT')).trim();
    // dig prints each character-string quoted; the key is split over several.
    const joined = [...txt.matchAll(/"([^"]*)"/g)].map((m) => m[1]).join('');
    expect(joined).toBe(`v=DKIM1; k=rsa; p=${key.publicKey}`);
    expect(Buffer.from(key.publicKey, 'base64').length).toBeGreaterThan(290); // a 2048-bit RSA SubjectPublicKeyInfo
  });

  it('says NXDOMAIN and NODATA with the zone\'s SOA in the authority section (RFC 2308)', async () => {
    const nx = await digLab(lab, 'nothere.example.com', 'A');
    expect(nx).toMatch(/status: NXDOMAIN/);
    expect(section(nx, 'ANSWER')).toEqual([]);
    expect(section(nx, 'AUTHORITY')).toEqual(['example.com. 300 IN SOA ns1.example.com. hostmaster.example.com. 2026090101 3600 600 604800 300']);
    const nodata = await digLab(lab, 'mail.example.com', 'MX');
    expect(nodata).toMatch(/status: NOERROR/);
    expect(nodata).toMatch(/ANSWER: 0, AUTHORITY: 1/);
    expect(section(nodata, 'AUTHORITY')[0]).toMatch(/^example\.com\. 300 IN SOA /);
  });

  it('refuses names outside the lab\'s zones: it is authoritative only, never a resolver', async () => {
    const out = await digLab(lab, 'gmail.com', 'MX');
    expect(out).toMatch(/status: REFUSED/);
    expect(out).not.toMatch(/flags: [^;]*aa/);
  });

  it('answers over TCP too (dig +tcp)', async () => {
    const out = await digLab(lab, '+tcp', 'otherdomain.com', 'MX');
    expect(section(out, 'ANSWER')).toEqual(['otherdomain.com. 3600 IN MX 10 mail.otherdomain.com.']);
    expect(out).toMatch(/\(TCP\)/);
  });

  it('answers a TCP client that pipelines queries and reads nothing at the pace it reads: the answers never pile up in the lab, and none is lost', async () => {
    // 200 TXT strings of 250 bytes: one answer is about 51 KB; 600 of them would be 30 MB.
    const big = Array.from({ length: 200 }, (_, i) => `bulk IN TXT "${String(i).padStart(3, '0')}${'y'.repeat(247)}"`).join('\n');
    expect((await editZone(lab, 'example.com', (t) => `${t}\n${big}\n`)).status).toBe(200);
    const answered = async (): Promise<number> => {
      const text = await (await fetch(`http://127.0.0.1:${lab.httpPort}/metrics`)).text();
      return Number(/^maillab_dns_queries_total\{transport="tcp",rcode="NOERROR"\} (\d+)$/m.exec(text)?.[1] ?? 0);
    };
    const before = await answered();
    const wanted = 600;
    const client = connect(lab.dnsPort, '127.0.0.1');
    client.pause(); // reads nothing until told
    await new Promise((resolve) => client.once('connect', resolve));
    const query = buildQuery('bulk.example.com', 'TXT', { id: 7 });
    const framed = Buffer.concat([Buffer.from([query.length >> 8, query.length & 0xff]), query]);
    client.write(Buffer.concat(Array.from({ length: wanted }, () => framed)));
    // Wait until the server stops answering (it waits for the client), or has answered them all.
    let last = -1;
    let now = await answered();
    for (let i = 0; i < 40 && now !== last && now - before < wanted; i++) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      [last, now] = [now, await answered()];
    }
    // Only what the kernel's socket buffers hold (a few MB) has been answered; the rest waits.
    expect(now - before).toBeLessThan(wanted / 2);
    // Reading now gets every answer, in order, each complete.
    let got = 0;
    let pending = Buffer.alloc(0);
    await new Promise<void>((resolve, reject) => {
      client.on('error', reject);
      client.on('data', (chunk: Buffer) => {
        pending = Buffer.concat([pending, chunk]);
        while (pending.length >= 2 && pending.length >= 2 + pending.readUInt16BE(0)) {
          const reply = dnsPacket.decode(pending.subarray(2, 2 + pending.readUInt16BE(0)));
          expect(reply.answers).toHaveLength(200);
          pending = pending.subarray(2 + pending.readUInt16BE(0));
          if (++got === wanted) resolve();
        }
      });
      client.resume();
    });
    client.destroy();
    expect(got).toBe(wanted);
    await api(lab, 'POST', '/api/zones/example.com/restore');
  });

  it('keeps answering dig +tcp while one client holds 520 connections open with half a length prefix each', async () => {
    const held = await Promise.all(
      Array.from({ length: 520 }, () => new Promise<ReturnType<typeof connect>>((resolve) => {
        const socket = connect(lab.dnsPort, '127.0.0.1', () => socket.write(Buffer.from([0])));
        socket.on('error', () => resolve(socket));
        socket.on('connect', () => resolve(socket));
      })),
    );
    try {
      await new Promise((resolve) => setTimeout(resolve, 300));
      const out = await digLab(lab, '+tcp', 'example.com', 'MX');
      expect(out).toMatch(/status: NOERROR/);
      expect(section(out, 'ANSWER')).toHaveLength(2);
    } finally {
      for (const s of held) s.destroy();
    }
  });

  it('truncates a large answer over UDP (TC=1, at most 512 bytes, or the EDNS size) and dig retries over TCP', async () => {
    const many = Array.from({ length: 24 }, (_, i) => `big IN TXT "record number ${i} ${'x'.repeat(60)}"`).join('\n');
    const saved = await editZone(lab, 'example.com', (t) => `${t}\n${many}\n`);
    expect(saved.status).toBe(200);

    const udpOnly = await digLab(lab, '+ignore', '+noedns', '+norecurse', 'big.example.com', 'TXT');
    expect(udpOnly).toMatch(/flags: qr aa tc;/);
    expect(Number(/MSG SIZE {2}rcvd: (\d+)/.exec(udpOnly)![1])).toBeLessThanOrEqual(512);

    const edns = await digLab(lab, '+ignore', '+bufsize=1232', '+norecurse', 'big.example.com', 'TXT');
    expect(edns).toMatch(/flags: qr aa tc;/);
    expect(Number(/MSG SIZE {2}rcvd: (\d+)/.exec(edns)![1])).toBeLessThanOrEqual(1232);

    const retried = await digLab(lab, '+noedns', 'big.example.com', 'TXT');
    expect(retried).toMatch(/Truncated, retrying in TCP mode/);
    expect(section(retried, 'ANSWER')).toHaveLength(24);
    expect(retried).toMatch(/\(TCP\)/);
  });

  it('answers ANY over UDP with the small RFC 8482 answer, and in full over TCP', async () => {
    const udp = await digLab(lab, '+notcp', 'example.com', 'ANY');
    expect(section(udp, 'ANSWER')).toEqual(['example.com. 3600 IN HINFO "RFC8482" ""']);
    const tcp = await digLab(lab, '+tcp', 'example.com', 'ANY');
    const types = section(tcp, 'ANSWER').map((l) => l.split(' ')[3]);
    expect(new Set(types)).toEqual(new Set(['SOA', 'NS', 'MX', 'TXT']));
  });

  it('refuses zone transfers', async () => {
    const out = await digLab(lab, 'example.com', 'AXFR');
    expect(out).toMatch(/Transfer failed|REFUSED/);
  });
});

describe('Node\'s resolver against the lab DNS', () => {
  it('resolves MX, TXT, A, SOA and PTR', async () => {
    expect(await resolver.resolveMx('otherdomain.com')).toEqual([{ exchange: 'mail.otherdomain.com', priority: 10 }]);
    expect(await resolver.resolveTxt('otherdomain.com')).toEqual([['v=spf1 mx a -all']]);
    expect(await resolver.resolve4('mail.otherdomain.com')).toEqual([NET.other]);
    expect(await resolver.reverse(NET.mail2)).toEqual(['mail2.example.com']);
    expect(await resolver.resolveSoa(NET.reverseZone)).toMatchObject({ nsname: 'ns1.example.com', hostmaster: 'hostmaster.example.com', minttl: 300 });
  });

  it('reports NXDOMAIN as ENOTFOUND and NODATA as ENODATA', async () => {
    await expect(resolver.resolveMx('nothere.otherdomain.com')).rejects.toMatchObject({ code: 'ENOTFOUND' });
    await expect(resolver.resolveMx('mail.otherdomain.com')).rejects.toMatchObject({ code: 'ENODATA' });
  });
});

describe('whose zones', () => {
  it('serves the default sandbox to outside clients, and a learner\'s own zones on a connection the lab hands off', async () => {
    const own = await lab.sandboxes.create('learner-2');
    const check = await lab.world.dns.saveZone(own, 'otherdomain.com', (await api<{ text: string }>(lab, 'GET', '/api/zones/otherdomain.com')).body.text.replace(NET.other, NET.at(222)));
    expect(check.ok).toBe(true);
    expect(await resolver.resolve4('mail.otherdomain.com')).toEqual([NET.other]);

    const socket = connect({ port: lab.dnsPort, host: '127.0.0.1' });
    lab.handoffs.expect(socket, { sandboxId: 'learner-2' });
    await new Promise<void>((resolve) => socket.once('connect', resolve));
    const query = buildQuery('mail.otherdomain.com', 'A', { id: 7 });
    const framed = Buffer.concat([Buffer.from([query.length >> 8, query.length & 0xff]), query]);
    socket.write(framed);
    const reply = await new Promise<Buffer>((resolve) => {
      let got = Buffer.alloc(0);
      socket.on('data', (d: Buffer) => {
        got = Buffer.concat([got, d]);
        if (got.length >= 2 && got.length >= 2 + got.readUInt16BE(0)) resolve(got.subarray(2, 2 + got.readUInt16BE(0)));
      });
    });
    socket.destroy();
    const packet = dnsPacket.decode(reply);
    expect(packet.id).toBe(7);
    expect(packet.answers?.map((a) => (a as { data: string }).data)).toEqual([NET.at(222)]);
  });
});
