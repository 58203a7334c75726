/**
 * The mail world's small parts on their own: back-off, the manual clock, the on-disk queue
 * after a crash, mailq, the bounce's RFC 3464 structure, missing headers, the zone check,
 * applying exercise records, zones renumbered off the old network, a reset (and the state
 * writes it waits for or drops), DKIM signing, the lab resolver's cache, and the CLI's --dns-port.
 */
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { serveConfig } from '../../lab-server/src/cli.js';
import { applyRecords } from '../../lab-server/src/dns/applyRecords.js';
import { LabDns } from '../../lab-server/src/dns/labDns.js';
import { checkZone } from '../../lab-server/src/dns/zoneCheck.js';
import { readZoneText, writeZoneText, zoneNames } from '../../lab-server/src/world/zoneStore.js';
import { zonesInPlace } from '../../lab-server/src/world/seedZones.js';
import { ManualClock } from '../../lab-server/src/mta/clock.js';
import { bounceMessage } from '../../lab-server/src/mta/dsn.js';
import { formatMailq } from '../../lab-server/src/mta/mailq.js';
import { backoff } from '../../lab-server/src/mta/mta.js';
import { dsnOf } from '../../lab-server/src/mta/relay.js';
import { MailQueue } from '../../lab-server/src/mta/queue.js';
import { addMissingHeaders, headerTooLarge, headerValue } from '../../lab-server/src/smtp/headers.js';
import { signMessage } from '../../lab-server/src/mta/dkimSign.js';
import { newDkimPrivateKey, publicKeyValue } from '../../lab-server/src/world/dkimKeys.js';
import { sandboxMail } from '../../lab-server/src/maildir/sandboxMaildirs.js';
import { Sandboxes } from '../../lab-server/src/world/sandboxes.js';
import { NET } from '../helpers/network.js';

const { dkimVerify } = createRequire(import.meta.url)('mailauth/lib/dkim/verify') as {
  dkimVerify: (message: Buffer, opts: unknown) => Promise<{ results: Array<{ status: { result: string } }> }>;
};

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'maillab-world-unit-'));
});
afterAll(async () => {
  // Retried: a delivery still settling may be making a mailbox's folders (ENOTEMPTY).
  await rm(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
});

describe('retries', () => {
  it('back off by doubling from the first delay up to the maximum', () => {
    const policy = { firstRetryMs: 30_000, maxRetryMs: 300_000, maxAttempts: 8 };
    expect([1, 2, 3, 4, 5, 6].map((n) => backoff(policy, n))).toEqual([30_000, 60_000, 120_000, 240_000, 300_000, 300_000]);
  });

  it('run on a manual clock only when it is moved, in time order', () => {
    const clock = new ManualClock(1000);
    const ran: string[] = [];
    clock.after(50, () => ran.push('b'));
    clock.after(10, () => ran.push('a'));
    const cancelled = clock.after(20, () => ran.push('never'));
    cancelled.cancel();
    clock.advance(49);
    expect(ran).toEqual(['a']);
    clock.advance(1);
    expect(ran).toEqual(['a', 'b']);
    expect(clock.now()).toBe(1050);
    expect(clock.pending).toBe(0);
  });

  it('read the status code of a reply, or make one from its class', () => {
    expect(dsnOf({ code: 550, text: '5.1.1 <x>: unknown' })).toBe('5.1.1');
    expect(dsnOf({ code: 421, text: 'Service not available' })).toBe('4.0.0');
  });
});

describe('the queue on disk', () => {
  it('keeps whole messages only: a crash before the state file leaves nothing queued', async () => {
    const queue = new MailQueue(join(dir, 'queue'));
    const entry = await queue.add({ sender: 'alice@example.com', recipients: [{ address: 'carol@otherdomain.com', status: 'pending' }], arrival: 1, attempts: 0, nextAttempt: 1 }, Buffer.from('Subject: x\r\n\r\nbody\r\n'));
    await writeFile(join(dir, 'queue', 'ABCDEF0123.eml'), 'half a message');
    await writeFile(join(dir, 'queue', 'ABCDEF0124.json.tmp'), '{');
    await writeFile(join(dir, 'queue', 'ABCDEF0125.eml.4242.7.tmp'), 'an interrupted write');
    const loaded = await queue.load();
    expect(loaded.map((e) => e.id)).toEqual([entry.id]);
    expect((await readdir(join(dir, 'queue'))).sort()).toEqual([`${entry.id}.eml`, `${entry.id}.json`]);
    expect((await queue.message(entry.id)).toString()).toBe('Subject: x\r\n\r\nbody\r\n');
    await queue.remove(entry.id);
    expect(await queue.load()).toEqual([]);
  });

  it('prints like mailq', () => {
    expect(formatMailq([])).toBe('Mail queue is empty\n');
    const text = formatMailq([
      { id: '0123456789', sender: '', recipients: [{ address: 'a@example.com', status: 'pending', reason: 'connect to x[1.2.3.4]:25: Connection refused' }], arrival: Date.UTC(2026, 10, 28, 21, 3, 24), attempts: 1, nextAttempt: 0, size: 2048, active: true },
    ]);
    expect(text).toBe(
      '-Queue ID-  --Size-- ----Arrival Time---- -Sender/Recipient-------\n' +
        '0123456789*     2048 Sat Nov 28 21:03:24  MAILER-DAEMON\n' +
        '(connect to x[1.2.3.4]:25: Connection refused)\n' +
        `${' '.repeat(41)}a@example.com\n\n-- 2 Kbytes in 1 Request.\n`,
    );
  });
});

describe('the bounce', () => {
  it('is a multipart/report of a notice, a message/delivery-status and the returned message', async () => {
    const original = Buffer.from('From: alice@example.com\r\nSubject: lost\r\n\r\nhello\r\n');
    const dsn = bounceMessage({
      host: 'mail.example.com',
      queueId: 'ABCDEF0123',
      sender: 'alice@example.com',
      arrival: new Date('2026-11-28T21:00:00Z'),
      now: new Date('2026-11-28T21:05:00Z'),
      original,
      failed: [{ address: 'nobody@otherdomain.com', status: 'bounced', dsn: '5.1.1', remoteMta: `mail.otherdomain.com[${NET.other}]:25`, diagnostic: '550 5.1.1 <nobody@otherdomain.com>: User unknown', reason: 'host said 550' }],
    });
    const parsed = await simpleParser(dsn);
    expect(parsed.headers.get('content-type')).toMatchObject({ value: 'multipart/report', params: { 'report-type': 'delivery-status' } });
    expect(parsed.subject).toBe('Undelivered Mail Returned to Sender');
    expect(parsed.text).toContain('<nobody@otherdomain.com>: host said 550');
    const text = dsn.toString();
    expect(text).toMatch(/Content-Type: message\/delivery-status\r\n\r\nReporting-MTA: dns; mail\.example\.com\r\n/);
    expect(text).toContain('Final-Recipient: rfc822; nobody@otherdomain.com\r\nOriginal-Recipient: rfc822;nobody@otherdomain.com\r\nAction: failed\r\nStatus: 5.1.1\r\nRemote-MTA: dns; mail.otherdomain.com\r\nDiagnostic-Code: smtp; 550 5.1.1');
    expect(text).toContain('Content-Type: message/rfc822\r\nContent-Transfer-Encoding: 8bit\r\n\r\nFrom: alice@example.com\r\nSubject: lost\r\n\r\nhello\r\n');
    expect(text.endsWith('--\r\n')).toBe(true);
  });
});

describe('headers a submission server adds', () => {
  it('adds Date, Message-ID and From only when missing', () => {
    const bare = addMissingHeaders(Buffer.from('Subject: hi\r\n\r\nx\r\n'), { from: 'alice@example.com', host: 'mail.example.com', queueId: 'ABCDEF0123', date: new Date('2026-11-28T21:00:00Z') });
    expect(headerValue(bare, 'from')).toBe('<alice@example.com>');
    expect(headerValue(bare, 'message-id')).toBe(`<${Date.UTC(2026, 10, 28, 21)}.ABCDEF0123@mail.example.com>`);
    expect(headerValue(bare, 'date')).toBe('Sat, 28 Nov 2026 21:00:00 +0000');
    const full = Buffer.from('From: a@example.com\r\nDate: x\r\nMessage-ID: <y>\r\nSubject:\r\n folded\r\n\r\n');
    expect(addMissingHeaders(full, { from: 'b', host: 'h', queueId: 'q', date: new Date() })).toBe(full);
    expect(headerValue(full, 'subject')).toBe('folded');
  });

  it('finds a header too large at one field of 1,001 lines (space, tab, bare LF) or 10,001 lines, never in the body', () => {
    const field = (name: string, lines: number, fold = ' x\r\n'): string => `${name}: a\r\n${fold.repeat(lines - 1)}`;
    expect(headerTooLarge(Buffer.from(`${field('To', 1000)}${field('Cc', 1000, '\tx\n')}\r\n${' x\r\n'.repeat(5000)}`))).toBeUndefined();
    expect(headerTooLarge(Buffer.from(`From: b\r\n${field('Cc', 1001, '\tx\n')}\r\n`))).toMatch(/the Cc: field is folded into more than 1000 lines/);
    expect(headerTooLarge(Buffer.from(Array.from({ length: 10 }, (_, i) => field(`X-${i}`, 1000)).join('') + '\r\n'))).toBeUndefined();
    expect(headerTooLarge(Buffer.from(Array.from({ length: 10 }, (_, i) => field(`X-${i}`, 1000)).join('') + 'Y: z\r\n'))).toMatch(/more than 10000 lines/);
  });
});

describe('zones', () => {
  it('are checked like named-checkzone: SOA and NS needed, nothing outside the zone, a missing dot only warned', () => {
    const good = '$TTL 60\n@ IN SOA ns1.example.com. h.example.com. 1 2 3 4 5\n@ IN NS ns1.example.com.\nns1 IN A 192.0.2.53\nwww IN A 192.0.2.1\n';
    expect(checkZone('example.com', good)).toMatchObject({ ok: true, feedback: [] });
    const codes = (text: string) => checkZone('example.com', text).feedback.map((f) => `${f.level}:${f.code}`);
    expect(codes('www IN A 192.0.2.1\n')).toEqual(['error:zone.no-soa', 'error:zone.no-ns']);
    // An NS inside the zone needs an address, as BIND checks at load.
    expect(codes(good.replace('ns1 IN A', 'ns2 IN A'))).toEqual(['error:zone.ns-no-address']);
    expect(codes(`${good}other.test. IN A 192.0.2.2\n`)).toEqual(['error:zone.out-of-zone']);
    expect(codes(`${good}alias IN CNAME www.example.com\n`)).toEqual(['warn:zone.missing-trailing-dot']);
    expect(codes(`${good}@ IN MX 10 ${NET.mail}.\n`)).toEqual(['warn:zone.target-is-ip']);
    expect(checkZone('example.com', 'x'.repeat(70_000)).feedback.map((f) => f.code)).toEqual(['zone.too-large']);
  });

  it('take an exercise answer record set by record set, writing inherited owners out', () => {
    const zone = '$ORIGIN example.com.\n@ IN SOA ns1 h 1 2 3 4 5\n@ IN NS ns1\nns1 IN A 192.0.2.53\n@ IN TXT "old spf"\n  IN MX 10 mail\nmail IN A 192.0.2.1\n';
    const applied = applyRecords(zone, 'example.com', '@ IN TXT "v=spf1 mx -all"\n');
    expect(applied.replaced).toEqual(['example.com. TXT']);
    expect(applied.text).toContain('; (replaced) @ IN TXT "old spf"\nexample.com.  IN MX 10 mail\n');
    expect(applied.text).toContain('example.com. 3600 IN TXT "v=spf1 mx -all"');
    expect(checkZone('example.com', applied.text).ok).toBe(true);
  });

  it('saved on the old private network 192.168.1.0/24 are renumbered when the lab opens them, keeping the learner\'s edits', async () => {
    const data = join(dir, 'old-network');
    const made = await new Sandboxes(data, sandboxMail).create('old');
    await zonesInPlace(made);
    const toOld = (t: string) => t.replaceAll(NET.at(0).slice(0, -1), '192.168.1.').replaceAll(NET.reverseZone, '1.168.192.in-addr.arpa');
    const forward = (await readZoneText(made, 'example.com'))!;
    const reverse = (await readZoneText(made, NET.reverseZone))!;
    await writeZoneText(made, 'example.com', toOld(`${forward}www     IN A    ${NET.at(7)}\n`));
    await writeZoneText(made, '1.168.192.in-addr.arpa', toOld(`${reverse}7       IN PTR  www.example.com.\n`));
    await rm(join(made.dir, 'zones', `${NET.reverseZone}.zone`));

    const opened = await new Sandboxes(data, sandboxMail).get('old');
    expect(await zoneNames(opened)).toEqual([NET.reverseZone, 'example.com', 'otherdomain.com']);
    expect(await readZoneText(opened, 'example.com')).toBe(`${forward}www     IN A    ${NET.at(7)}\n`);
    expect(await readZoneText(opened, NET.reverseZone)).toBe(`${reverse}7       IN PTR  www.example.com.\n`);
    const resolver = new LabDns().resolver(opened);
    expect(await resolver.resolve('mail.example.com', 'A')).toEqual([NET.mail]);
    expect(await resolver.resolve(NET.ptrName(NET.at(7)), 'PTR')).toEqual(['www.example.com']);
  });
});

describe("a reset and the world's state writes", () => {
  it('waits for a write in progress, drops writes for the old world and during the reset, one reset at a time', async () => {
    const sandbox = await new Sandboxes(join(dir, 'data'), sandboxMail).create('gate');
    const before = sandbox.generation;
    const order: string[] = [];
    let finishWrite!: () => void;
    const writing = sandbox.writeState(before, () => new Promise<void>((resolve) => (finishWrite = resolve)).then(() => void order.push('write done')));
    let writtenDuringReset: boolean | undefined;
    const resetting = sandbox.replaceWorld(async () => {
      order.push('reset');
      writtenDuringReset = await sandbox.writeState(sandbox.generation, async () => void order.push('written during the reset'));
    });
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(order).toEqual([]);
    finishWrite();
    expect(await writing).toBe(true);
    await resetting;
    expect(order).toEqual(['write done', 'reset']);
    expect(writtenDuringReset).toBe(false);
    expect(await sandbox.writeState(before, async () => void order.push('for the old world'))).toBe(false);
    expect(await sandbox.writeState(sandbox.generation, async () => void order.push('for the new world'))).toBe(true);
    expect(order).toEqual(['write done', 'reset', 'for the new world']);

    const spans: string[] = [];
    await Promise.all(
      [1, 2].map((n) =>
        sandbox.replaceWorld(async () => {
          spans.push(`start ${n}`);
          await new Promise((resolve) => setTimeout(resolve, 10));
          spans.push(`end ${n}`);
        }),
      ),
    );
    expect(spans).toEqual(['start 1', 'end 1', 'start 2', 'end 2']);
  });
});

describe('DKIM signing', () => {
  it('signs the t= it writes, even when the clock crosses a half second while signing', async () => {
    const privateKey = await newDkimPrivateKey(1024);
    const key = { domain: 'example.com', selector: 'default', privateKey, publicKey: publicKeyValue(privateKey) };
    const message = Buffer.from('From: alice@example.com\r\nTo: carol@otherdomain.com\r\nSubject: t=\r\nMessage-ID: <t@example.com>\r\n\r\nhello\r\n');
    // A loaded machine: every look at the clock is 60 ms later than the one before.
    let now = Date.UTC(2026, 10, 29, 0, 0, 0, 400);
    const clock = vi.spyOn(Date, 'now').mockImplementation(() => (now += 60));
    let signed: Buffer;
    try {
      signed = await signMessage(message, key);
    } finally {
      clock.mockRestore();
    }
    const resolver = async (): Promise<string[][]> => [[`v=DKIM1; k=rsa; p=${key.publicKey}`]];
    const verified = await dkimVerify(signed, { resolver, minBitLength: 1024 });
    expect(verified.results.map((r) => r.status.result)).toEqual(['pass']);
  });
});

describe('the lab resolver', () => {
  it('answers a repeated question from its cache, and sees a saved zone at the very next question', async () => {
    const sandboxes = new Sandboxes(join(dir, 'resolver'), sandboxMail);
    const sandbox = await sandboxes.create('r');
    const dns = new LabDns();
    const resolver = dns.resolver(sandbox).traced();
    const spf = await resolver.resolve('example.com', 'TXT');
    expect(spf).toEqual([['v=spf1 mx a -all']]);
    // The cached answer is shared: a caller that changes its copy changes nothing for the next one.
    (spf as unknown[]).push('changed');
    expect(() => ((spf[0] as string[])[0] = 'changed')).toThrow(TypeError);
    expect(await resolver.resolve('example.com', 'TXT')).toEqual([['v=spf1 mx a -all']]);
    expect(resolver.traces.map((t) => `${t.name} ${t.type} ${t.status}`)).toEqual(['example.com TXT NOERROR', 'example.com TXT NOERROR']);

    const zone = (await readZoneText(sandbox, 'example.com'))!;
    expect((await dns.saveZone(sandbox, 'example.com', zone.replace('"v=spf1 mx a -all"', '"v=spf1 ip4:203.0.113.9 -all"'))).ok).toBe(true);
    expect(await resolver.resolve('example.com', 'TXT')).toEqual([['v=spf1 ip4:203.0.113.9 -all']]);
    await expect(resolver.resolve('nowhere.example.com', 'TXT')).rejects.toMatchObject({ code: 'ENOTFOUND' });
    await expect(resolver.resolve('nowhere.example.com', 'TXT')).rejects.toMatchObject({ code: 'ENOTFOUND' });
    expect(await dns.restoreZone(sandbox, 'example.com')).toBe(true);
    expect(await resolver.resolve('example.com', 'TXT')).toEqual([['v=spf1 mx a -all']]);
  });
});

describe('the CLI', () => {
  it('takes --dns-port and --smtp-otherdomain-port', () => {
    const c = serveConfig(['--dns-port', '5353', '--smtp-otherdomain-port', '2526']);
    expect(c.ports).toMatchObject({ dns: 5353, 'smtp-otherdomain': 2526 });
  });
});
