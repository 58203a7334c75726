/**
 * The mail world end to end, with real clients: alice@example.com -> carol@otherdomain.com is
 * submitted with smtplib, queued by mail.example.com, routed by an MX lookup in the lab DNS,
 * relayed by SMTP to mail.otherdomain.com and read back with poplib. Then the queue's life:
 * defer while the other server is stopped, retry with back-off (on a manual clock), deliver;
 * bounce (RFC 3464) on a permanent failure and after too many attempts; defer without MX;
 * survive a restart mid-retry; never connect to anything outside the lab.
 */
import net from 'node:net';
import type { IncomingMessage } from 'node:http';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { ManualClock } from '../../lab-server/src/mta/clock.js';
import type { QueueEntry } from '../../lab-server/src/mta/queue.js';
import { python } from '../helpers/clients.js';
import { startTestLab, type TestLab } from '../helpers/lab.js';
import { maildirPath, readAllMessages } from '../helpers/maildir.js';
import { NET } from '../helpers/network.js';
import { runSession } from '../helpers/protocolScript.js';
import { RawClient } from '../helpers/rawSocket.js';
import { api, editZone, LogWatch, submit } from '../helpers/world.js';

const FIRST_RETRY = 60_000;
const clock = new ManualClock();
// Two learners told apart by a header, as classroom mode tells them apart by cookie.
const requester = async (req: IncomingMessage) => (req.headers['x-learner'] === 'zhang' ? { sandboxId: 'zhang', learnerId: 'zhang' } : { sandboxId: 'default', learnerId: 'default' });
const overrides = { world: { clock, retry: { firstRetryMs: FIRST_RETRY, maxRetryMs: 8 * FIRST_RETRY, maxAttempts: 4 }, timeoutMs: 5000 }, terminalRequester: requester };

let lab: TestLab;
let log: LogWatch;

beforeAll(async () => {
  lab = await startTestLab(overrides);
  log = new LogWatch(lab);
});
afterAll(async () => {
  log?.stop();
  await lab?.dispose();
});
afterEach(async () => {
  // Every test starts from the seeded zones with both servers running and the queues empty.
  for (const zone of ['example.com', 'otherdomain.com']) await api(lab, 'POST', `/api/zones/${zone}/restore`);
  await api(lab, 'POST', '/api/world/mtas/otherdomain.com/start');
  await api(lab, 'POST', '/api/queue/flush');
  await settled();
});

const carolMessages = (folder = '') => readAllMessages(maildirPath(lab.dataDir, 'default', 'carol@otherdomain.com', folder));
const aliceMessages = () => readAllMessages(maildirPath(lab.dataDir, 'default', 'alice@example.com'));

/** Waits until no delivery attempt is running in the default sandbox. */
async function settled(): Promise<void> {
  for (const mta of await lab.world.mtas(await lab.sandboxes.get('default'))) await mta.idle();
}

async function queue(): Promise<Array<QueueEntry & { host: string }>> {
  return (await api<{ entries: Array<QueueEntry & { host: string }> }>(lab, 'GET', '/api/queue')).body.entries;
}

describe('alice@example.com -> carol@otherdomain.com', () => {
  it('travels submission -> queue -> MX lookup -> SMTP to mail.otherdomain.com -> Maildir, and carol reads it with poplib', async () => {
    const sent = await submit(lab, { to: ['carol@otherdomain.com'], subject: 'across the world' });
    expect(sent.refused).toEqual({});
    const line = await log.next(/mail\.example\.com postfix\/smtp\[\d+\]: [0-9A-F]{10}: to=<carol@otherdomain\.com>/);
    expect(line).toMatch(/relay=mail\.otherdomain\.com\[192\.0\.2\.200\]:25, delay=[\d.]+, delays=[\d./]+, dsn=2\.0\.0, status=sent \(250 2\.0\.0 Ok: queued as [0-9A-F]{10}\)/);
    expect(log.all(/mail\.otherdomain\.com postfix\/smtpd.*connect from mail\.example\.com\[192\.0\.2\.100\]/)).not.toHaveLength(0);

    const r = await python(
      `
import poplib
p = poplib.POP3('127.0.0.1', P['port']); p.user('carol@otherdomain.com'); p.pass_('secret')
n = p.stat()[0]
print(b'\\n'.join(p.retr(n)[1]).decode())
p.quit()`,
      { port: lab.port('pop3') },
    );
    expect(r.stderr).toBe('');
    const message = r.stdout;
    expect(message).toContain('Subject: across the world');
    // Trace headers of both hops: the relay from mail.example.com (its lab address, its PTR name, TLS) ...
    expect(message).toMatch(/^Return-Path: <alice@example\.com>\nReceived: from mail\.example\.com \(mail\.example\.com \[192\.0\.2\.100\]\)\n\t\(using TLS[^)]*\)\n\tby mail\.otherdomain\.com \(MailLab\) with ESMTPS id [0-9A-F]{10}/);
    // ... and the submission to mail.example.com.
    expect(message).toMatch(/Received: from \S+ \(unknown \[127\.0\.0\.1\]\)\n\t\(using TLS[^)]*\)\n\tby mail\.example\.com \(MailLab\) with ESMTPSA id/);
    expect(message).toMatch(/DKIM-Signature: v=1; a=rsa-sha256; c=relaxed\/relaxed; d=example\.com;/);
    expect(message).toMatch(/Authentication-Results: mail\.otherdomain\.com;\n dkim=pass header\.i=@example\.com header\.s=default[^\n]*;\n spf=pass [^\n]*smtp\.mailfrom=alice@example\.com[^\n]*;\n dmarc=pass \(p=QUARANTINE dis=NONE\) header\.from=example\.com/);
    // The submission server added what the client left out.
    expect(message).toMatch(/^Message-ID: <\d+\.[0-9A-F]{10}@mail\.example\.com>$/m);
    expect(message).toMatch(/^Date: /m);
    expect(await queue()).toEqual([]);
  });

  it('mail.example.com is only example.com\'s MX: its port 25 refuses carol; mail.otherdomain.com has its own banner', async () => {
    const c = await RawClient.open(lab.port('smtp'));
    await c.until(/^220 /m);
    await c.command('EHLO me.test', /250 [^\r]*\r\n$/);
    await c.command('MAIL FROM:<alice@example.com>', /^250 /m);
    expect(await c.command('RCPT TO:<carol@otherdomain.com>', /\r\n$/)).toMatch(/^554 5\.7\.1 <carol@otherdomain\.com>: Relay access denied\. otherdomain\.com's mail server is mail\.otherdomain\.com/);
    c.close();
    const other = await RawClient.open(lab.port('smtp-otherdomain'));
    expect(await other.until(/\r\n$/)).toBe('220 mail.otherdomain.com ESMTP MailLab\r\n');
    other.close();
  });

  it('a logged-in user sends as themselves only', async () => {
    const r = await submit(lab, { user: 'alice@example.com', from: 'bob@example.com', to: ['carol@otherdomain.com'], subject: 'spoof' });
    expect(r.error).toEqual([553, '5.7.1 <bob@example.com>: Sender address rejected: not owned by user alice@example.com. Use MAIL FROM:<alice@example.com>']);
  });
});

describe('the queue', () => {
  it('defers while mail.otherdomain.com is stopped, retries with back-off, and delivers once it runs again', async () => {
    const stopped = await api<{ mtas: Array<{ domain: string; running: boolean }> }>(lab, 'POST', '/api/world/mtas/otherdomain.com/stop');
    expect(stopped.body.mtas.find((m) => m.domain === 'otherdomain.com')!.running).toBe(false);
    const refused = await RawClient.open(lab.port('smtp-otherdomain'));
    expect(await refused.until(/\r\n$/)).toMatch(/^421 4\.3\.2 mail\.otherdomain\.com is stopped in this lab/);

    const before = (await carolMessages()).length;
    await submit(lab, { to: ['carol@otherdomain.com'], subject: 'please wait' });
    expect(await log.next(/postfix\/smtp\[\d+\]: [0-9A-F]{10}: to=<carol@otherdomain\.com>.*status=deferred/)).toMatch(
      /relay=none, delay=[\d.]+, delays=[\d./]+, dsn=4\.4\.1, status=deferred \(connect to mail\.otherdomain\.com\[192\.0\.2\.200\]:25: Connection refused\)/,
    );
    await settled();
    let [entry] = await queue();
    expect(entry).toMatchObject({ host: 'mail.example.com', sender: 'alice@example.com', attempts: 1 });
    expect(entry!.nextAttempt - clock.now()).toBe(FIRST_RETRY);
    const mailq = (await api<{ mailq: Record<string, string> }>(lab, 'GET', '/api/queue')).body.mailq['mail.example.com']!;
    expect(mailq).toMatch(new RegExp(`^-Queue ID- .*\\n${entry!.id} +\\d+ \\w{3} \\w{3} [ \\d]\\d \\d\\d:\\d\\d:\\d\\d  alice@example\\.com\\n\\(connect to mail\\.otherdomain\\.com\\[192\\.0\\.2\\.200\\]:25: Connection refused\\)\\n +carol@otherdomain\\.com\\n`));

    // Nothing happens before the retry is due; then the second attempt waits twice as long.
    clock.advance(FIRST_RETRY - 1);
    await new Promise((r) => setTimeout(r, 50));
    expect(log.all(/status=deferred/)).toHaveLength(1);
    clock.advance(1);
    await log.next(/postfix\/smtp\[\d+\]: [0-9A-F]{10}: to=<carol@otherdomain\.com>.*status=deferred/);
    await settled();
    [entry] = await queue();
    expect(entry!.attempts).toBe(2);
    expect(entry!.nextAttempt - clock.now()).toBe(2 * FIRST_RETRY);

    await api(lab, 'POST', '/api/world/mtas/otherdomain.com/start');
    clock.advance(2 * FIRST_RETRY);
    expect(await log.next(/postfix\/smtp\[\d+\]: [0-9A-F]{10}: to=<carol@otherdomain\.com>.*status=(sent|deferred)/)).toMatch(/status=sent/);
    expect((await carolMessages()).length).toBe(before + 1);
    expect(await queue()).toEqual([]);
  });

  it('returns a message to its sender with a delivery status notification on a permanent failure', async () => {
    await submit(lab, { to: ['nobody@otherdomain.com'], subject: 'to nobody' });
    expect(await log.next(/postfix\/smtp\[\d+\]: [0-9A-F]{10}: to=<nobody@otherdomain\.com>/)).toMatch(
      /dsn=5\.1\.1, status=bounced \(host mail\.otherdomain\.com\[192\.0\.2\.200\] said: 550 5\.1\.1 <nobody@otherdomain\.com>: Recipient address rejected: User unknown in virtual mailbox table \(in reply to RCPT TO command\)\)/,
    );
    await log.next(/postfix\/bounce\[\d+\]: [0-9A-F]{10}: sender non-delivery notification: [0-9A-F]{10}/);
    await log.next(/to=<alice@example\.com>, relay=virtual.*status=sent/);
    const dsn = (await aliceMessages()).find((m) => m.includes('Subject: Undelivered Mail Returned to Sender') && m.includes('Subject: to nobody'))!;
    expect(dsn).toMatch(/^Return-Path: <>$/m);
    expect(dsn).toMatch(/^From: MAILER-DAEMON@mail\.example\.com \(Mail Delivery System\)$/m);
    expect(dsn).toMatch(/Content-Type: multipart\/report; report-type=delivery-status;/);
    expect(dsn).toMatch(/Content-Type: message\/delivery-status\n\nReporting-MTA: dns; mail\.example\.com\n/);
    expect(dsn).toMatch(/Final-Recipient: rfc822; nobody@otherdomain\.com\nOriginal-Recipient: rfc822;nobody@otherdomain\.com\nAction: failed\nStatus: 5\.1\.1\nRemote-MTA: dns; mail\.otherdomain\.com\nDiagnostic-Code: smtp; 550 5\.1\.1/);
    expect(dsn).toMatch(/很抱歉，你的邮件无法投递/);
    expect(dsn).toMatch(/Content-Type: message\/rfc822\n/);
  });

  it('gives up after too many attempts and bounces with the last reason', async () => {
    await api(lab, 'POST', '/api/world/mtas/otherdomain.com/stop');
    await submit(lab, { to: ['carol@otherdomain.com'], subject: 'never arrives' });
    await log.next(/postfix\/smtp\[\d+\]: [0-9A-F]{10}: to=<carol@otherdomain\.com>.*status=deferred/);
    const mta = await lab.world.mta(await lab.sandboxes.get('default'), 'example.com');
    for (let attempt = 2; attempt <= 4; attempt++) {
      await mta.idle();
      clock.advance(8 * FIRST_RETRY);
      if (attempt < 4) await log.next(/postfix\/smtp\[\d+\]: [0-9A-F]{10}: to=<carol@otherdomain\.com>.*status=deferred/);
    }
    await log.next(/status=expired, returned to sender \(message expired after 4 delivery attempts: connect to mail\.otherdomain\.com\[192\.0\.2\.200\]:25: Connection refused\)/);
    await log.next(/to=<alice@example\.com>, relay=virtual.*status=sent/);
    const dsn = (await aliceMessages()).find((m) => m.includes('Subject: never arrives') && m.includes('Undelivered Mail'))!;
    expect(dsn).toMatch(/Status: 5\.4\.1\n/);
    expect(dsn).toMatch(/Diagnostic-Code: X-Postfix; message expired after 4 delivery attempts/);
    expect(await queue()).toEqual([]);
  });

  it('defers while otherdomain.com has no MX, and delivers when the MX is back', async () => {
    const saved = await editZone(lab, 'otherdomain.com', (t) => t.replace(/^@\s+IN MX .*$/m, ''));
    expect(saved.status).toBe(200);
    await submit(lab, { to: ['carol@otherdomain.com'], subject: 'where is the MX' });
    expect(await log.next(/postfix\/smtp\[\d+\]: [0-9A-F]{10}: to=<carol@otherdomain\.com>.*status=deferred/)).toMatch(
      /dsn=4\.4\.3, status=deferred \(Host or domain name not found\. Name service error for name=otherdomain\.com type=MX: Host found but no data record of requested type\)/,
    );
    await api(lab, 'POST', '/api/zones/otherdomain.com/restore');
    await api(lab, 'POST', '/api/queue/flush');
    expect(await log.next(/postfix\/smtp\[\d+\]: [0-9A-F]{10}: to=<carol@otherdomain\.com>/)).toMatch(/status=sent/);
    expect((await carolMessages()).some((m) => m.includes('Subject: where is the MX'))).toBe(true);
  });

  it('keeps deferred mail across a restart and delivers it afterwards', async () => {
    await api(lab, 'POST', '/api/world/mtas/otherdomain.com/stop');
    await submit(lab, { to: ['carol@otherdomain.com'], subject: 'survives a restart' });
    await log.next(/postfix\/smtp\[\d+\]: [0-9A-F]{10}: to=<carol@otherdomain\.com>.*status=deferred/);
    await settled();
    const [before] = await queue();
    log.stop();
    lab = await lab.restart();
    log = new LogWatch(lab);
    // The stopped server is still stopped, and the message is still queued.
    const world = await api<{ mtas: Array<{ domain: string; running: boolean; queued: number }> }>(lab, 'GET', '/api/world');
    expect(world.body.mtas).toEqual(expect.arrayContaining([expect.objectContaining({ domain: 'otherdomain.com', running: false }), expect.objectContaining({ domain: 'example.com', queued: 1 })]));
    expect(await queue()).toEqual([expect.objectContaining({ id: before!.id, attempts: 1, nextAttempt: before!.nextAttempt })]);
    await api(lab, 'POST', '/api/world/mtas/otherdomain.com/start');
    clock.advance(FIRST_RETRY);
    expect(await log.next(/postfix\/smtp\[\d+\]: [0-9A-F]{10}: to=<carol@otherdomain\.com>/)).toMatch(new RegExp(`${before!.id}: .*status=sent`));
    expect((await carolMessages()).filter((m) => m.includes('Subject: survives a restart'))).toHaveLength(1);
  });
});

describe('nothing leaves the lab', () => {
  it('bounces mail whose MX or address lies outside the lab without opening a socket to it', async () => {
    // A spy, not a mock: every socket this process opens still opens, and is recorded.
    const spy = vi.spyOn(net.Socket.prototype, 'connect');
    const calls: unknown[][] = [];
    let refusedWithout = -1;
    // The test's own calls to the lab's web API are not the lab's doing.
    const notTheTestsOwn = (args: unknown[]): boolean => !JSON.stringify(args[0] && typeof args[0] === 'object' ? args[0] : args.slice(0, 2)).includes(String(lab.httpPort));
    const otherPort = lab.port('smtp-otherdomain');
    const receivedBefore = log.all(/mail\.otherdomain\.com postfix\/smtpd.*connect from/).length;
    try {
      // An MX host whose name is in no lab zone ...
      await editZone(lab, 'otherdomain.com', (t) => t.replace('@       IN MX 10 mail.otherdomain.com.', '@       IN MX 10 aspmx.l.google.com.'));
      await submit(lab, { to: ['carol@otherdomain.com'], subject: 'to google' });
      expect(await log.next(/postfix\/smtp\[\d+\]: [0-9A-F]{10}: to=<carol@otherdomain\.com>/)).toMatch(/dsn=5\.4\.6, status=bounced \(Host or domain name not found\. aspmx\.l\.google\.com is outside the lab: MailLab never sends mail beyond this machine\)/);
      // ... and a lab name pointing at an Internet address.
      await api(lab, 'POST', '/api/zones/otherdomain.com/restore');
      await editZone(lab, 'otherdomain.com', (t) => t.replace(`mail    IN A    ${NET.other}`, 'mail    IN A    8.8.8.8'));
      await submit(lab, { to: ['carol@otherdomain.com'], subject: 'to 8.8.8.8' });
      expect(await log.next(/postfix\/smtp\[\d+\]: [0-9A-F]{10}: to=<carol@otherdomain\.com>/)).toMatch(
        /dsn=5\.4\.6, status=bounced \(refused to connect to mail\.otherdomain\.com\[8\.8\.8\.8\]:25: 8\.8\.8\.8 is outside the lab network 192\.0\.2\.0\/24 \(MailLab never sends mail beyond this machine\)\)/,
      );
      // ... and an MX pointing back at the sender.
      await api(lab, 'POST', '/api/zones/otherdomain.com/restore');
      await editZone(lab, 'otherdomain.com', (t) => t.replace('@       IN MX 10 mail.otherdomain.com.', '@       IN MX 10 mail.example.com.'));
      await submit(lab, { to: ['carol@otherdomain.com'], subject: 'loop' });
      expect(await log.next(/postfix\/smtp\[\d+\]: [0-9A-F]{10}: to=<carol@otherdomain\.com>/)).toMatch(/dsn=5\.4\.6, status=bounced \(mail for otherdomain\.com loops back to myself\)/);
      await log.next(/to=<alice@example\.com>, relay=virtual.*status=sent/);
      refusedWithout = spy.mock.calls.filter(notTheTestsOwn).length;
      // A control: a route inside the lab does open a socket, and the spy sees it.
      await api(lab, 'POST', '/api/zones/otherdomain.com/restore');
      await submit(lab, { to: ['carol@otherdomain.com'], subject: 'inside the lab' });
      expect(await log.next(/postfix\/smtp\[\d+\]: [0-9A-F]{10}: to=<carol@otherdomain\.com>/)).toMatch(/status=sent/);
    } finally {
      calls.push(...spy.mock.calls.filter(notTheTestsOwn));
      spy.mockRestore();
    }
    // While the three messages were refused, the lab opened no socket at all ...
    expect(refusedWithout).toBe(0);
    expect(log.all(/mail\.otherdomain\.com postfix\/smtpd.*connect from/)).toHaveLength(receivedBefore + 1);
    // ... and the one it opened afterwards went to mail.otherdomain.com's listener on loopback.
    expect(calls.map((args) => args.slice(0, 2))).toEqual([[otherPort, '127.0.0.1']]);
  });
});

describe('a domain with many MX hosts', () => {
  const MX = '@       IN MX 10 mail.otherdomain.com.';
  const lastVerdict = /postfix\/smtp\[\d+\]: [0-9A-F]{10}: to=<carol@otherdomain\.com>/;

  /** Twelve MX hosts (all mail.otherdomain.com's listener) and a fault armed on it; resolves to the connections one delivery made. */
  async function deliverToTwelve(fault: object, verdict: RegExp): Promise<number> {
    const hosts = Array.from({ length: 12 }, (_, i) => `mx${i + 1}`);
    const saved = await editZone(lab, 'otherdomain.com', (t) => t.replace(MX, hosts.map((h) => `@       IN MX 10 ${h}.otherdomain.com.\n${h}     IN A    ${NET.other}`).join('\n')));
    expect(saved.status, JSON.stringify(saved.body)).toBe(200);
    expect((await api(lab, 'PUT', '/api/faults', { faults: [fault] })).status).toBe(200);
    let connects: number;
    try {
      const before = log.all(/mail\.otherdomain\.com postfix\/smtpd.*connect from/).length;
      await submit(lab, { to: ['carol@otherdomain.com'], subject: 'many MX' });
      expect(await log.next(lastVerdict)).toMatch(verdict);
      connects = log.all(/mail\.otherdomain\.com postfix\/smtpd.*connect from/).length - before;
    } finally {
      await api(lab, 'PUT', '/api/faults', { faults: [] });
    }
    // Disarmed, the deferred message goes out (and its line is not taken for the next test's).
    await api(lab, 'POST', '/api/queue/flush');
    expect(await log.next(lastVerdict)).toMatch(/status=sent/);
    return connects;
  }

  it('holds at most two SMTP sessions per delivery with hosts that drop it after EHLO (smtp_mx_session_limit)', async () => {
    const connects = await deliverToTwelve({ kind: 'drop', host: 'mail.otherdomain.com', step: 'mail' }, /status=deferred \(lost connection with mx\d+\.otherdomain\.com\[192\.0\.2\.200\] while sending MAIL FROM\)/);
    expect(connects).toBe(2);
  });

  it('does not count hosts that greet with 421 as sessions, as Postfix does not: five addresses are tried (smtp_mx_address_limit)', async () => {
    const connects = await deliverToTwelve({ kind: 'reply', host: 'mail.otherdomain.com', step: 'greeting', code: 421 }, /status=deferred \(host mx\d+\.otherdomain\.com\[192\.0\.2\.200\] said: 421 /);
    expect(connects).toBe(5);
  });

  it('tries at most five addresses in preference order and does not look further (smtp_mx_address_limit)', async () => {
    // Five better MX hosts at lab addresses where no mail server listens, then the real one.
    const dead = [50, 51, 52, 53, 54].map((n, i) => `@       IN MX 5 dead${i}.otherdomain.com.\ndead${i}   IN A    ${NET.at(n)}`);
    const saved = await editZone(lab, 'otherdomain.com', (t) => t.replace(MX, [...dead, '@       IN MX 20 mail.otherdomain.com.'].join('\n')));
    expect(saved.status, JSON.stringify(saved.body)).toBe(200);
    const before = log.all(/mail\.otherdomain\.com postfix\/smtpd.*connect from/).length;
    await submit(lab, { to: ['carol@otherdomain.com'], subject: 'past the limit' });
    expect(await log.next(lastVerdict)).toMatch(/status=deferred \(connect to dead\d\.otherdomain\.com\[192\.0\.2\.5\d\]:25: Connection refused\)/);
    expect(log.all(/mail\.otherdomain\.com postfix\/smtpd.*connect from/).length).toBe(before);
    // With one dead host fewer, the real one is within the limit and gets the mail.
    await editZone(lab, 'otherdomain.com', (t) => t.replace(/^@\s+IN MX 5 dead0\.otherdomain\.com\.$/m, ''));
    await api(lab, 'POST', '/api/queue/flush');
    expect(await log.next(lastVerdict)).toMatch(/relay=mail\.otherdomain\.com\[192\.0\.2\.200\]:25, .*status=sent/);
  });
});

describe('each learner\'s own world', () => {
  it('routes a learner\'s mail with the learner\'s own zones and queue, leaving the default sandbox alone', async () => {
    await lab.sandboxes.create('zhang');
    const zhang = await lab.sandboxes.get('zhang');
    const zone = (await api<{ text: string }>(lab, 'GET', '/api/zones/otherdomain.com')).body.text;
    expect((await lab.world.dns.saveZone(zhang, 'otherdomain.com', zone.replace(/^@\s+IN MX .*$/m, ''))).ok).toBe(true);
    const auth = Buffer.from('\0alice@example.com\0secret').toString('base64');
    await runSession(
      lab,
      'submission',
      ['EHLO zhang.test', 'STARTTLS', 'EHLO zhang.test', `AUTH PLAIN ${auth}`, 'MAIL FROM:<alice@example.com>', 'RCPT TO:<carol@otherdomain.com>', 'DATA', 'Subject: from zhang', '', 'hi', '.', 'QUIT'],
      { 'x-learner': 'zhang' },
    );
    expect(await log.next(/postfix\/smtp\[\d+\]: [0-9A-F]{10}: to=<carol@otherdomain\.com>/, { sandboxId: 'zhang' })).toMatch(/status=deferred \(Host or domain name not found/);
    expect((await lab.world.mta(zhang, 'example.com')).list()).toHaveLength(1);
    expect(await queue()).toEqual([]);
    const mine = await api<{ entries: unknown[] }>(lab, 'GET', '/api/queue');
    expect(mine.body.entries).toEqual([]);
  });
});
