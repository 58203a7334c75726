/**
 * The queue's life in the mail world (alice@example.com -> carol@otherdomain.com, see
 * mail-world.test.ts): defer while the other server is stopped, retry with back-off (on a
 * manual clock), deliver; bounce (RFC 3464) on a permanent failure and after too many
 * attempts; defer without MX; survive a restart mid-retry.
 */
import { describe, expect, it } from 'vitest';
import { FIRST_RETRY, useMailWorld } from '../helpers/mailWorld.js';
import { RawClient } from '../helpers/rawSocket.js';
import { api, editZone, submit } from '../helpers/world.js';

const mail = useMailWorld();

describe('the queue', () => {
  it('defers while mail.otherdomain.com is stopped, retries with back-off, and delivers once it runs again', async () => {
    const stopped = await api<{ mtas: Array<{ domain: string; running: boolean }> }>(mail.lab, 'POST', '/api/world/mtas/otherdomain.com/stop');
    expect(stopped.body.mtas.find((m) => m.domain === 'otherdomain.com')!.running).toBe(false);
    const refused = await RawClient.open(mail.lab.port('smtp-otherdomain'));
    expect(await refused.until(/\r\n$/)).toMatch(/^421 4\.3\.2 mail\.otherdomain\.com is stopped in this lab/);

    const before = (await mail.carolMessages()).length;
    await submit(mail.lab, { to: ['carol@otherdomain.com'], subject: 'please wait' });
    expect(await mail.log.next(/postfix\/smtp\[\d+\]: [0-9A-F]{10}: to=<carol@otherdomain\.com>.*status=deferred/)).toMatch(
      /relay=none, delay=[\d.]+, delays=[\d./]+, dsn=4\.4\.1, status=deferred \(connect to mail\.otherdomain\.com\[192\.0\.2\.200\]:25: Connection refused\)/,
    );
    await mail.settled();
    let [entry] = await mail.queue();
    expect(entry).toMatchObject({ host: 'mail.example.com', sender: 'alice@example.com', attempts: 1 });
    expect(entry!.nextAttempt - mail.clock.now()).toBe(FIRST_RETRY);
    const mailq = (await api<{ mailq: Record<string, string> }>(mail.lab, 'GET', '/api/queue')).body.mailq['mail.example.com']!;
    expect(mailq).toMatch(new RegExp(`^-Queue ID- .*\\n${entry!.id} +\\d+ \\w{3} \\w{3} [ \\d]\\d \\d\\d:\\d\\d:\\d\\d  alice@example\\.com\\n\\(connect to mail\\.otherdomain\\.com\\[192\\.0\\.2\\.200\\]:25: Connection refused\\)\\n +carol@otherdomain\\.com\\n`));

    // Nothing happens before the retry is due; then the second attempt waits twice as long.
    mail.clock.advance(FIRST_RETRY - 1);
    await new Promise((r) => setTimeout(r, 50));
    expect(mail.log.all(/status=deferred/)).toHaveLength(1);
    mail.clock.advance(1);
    await mail.log.next(/postfix\/smtp\[\d+\]: [0-9A-F]{10}: to=<carol@otherdomain\.com>.*status=deferred/);
    await mail.settled();
    [entry] = await mail.queue();
    expect(entry!.attempts).toBe(2);
    expect(entry!.nextAttempt - mail.clock.now()).toBe(2 * FIRST_RETRY);

    await api(mail.lab, 'POST', '/api/world/mtas/otherdomain.com/start');
    mail.clock.advance(2 * FIRST_RETRY);
    expect(await mail.log.next(/postfix\/smtp\[\d+\]: [0-9A-F]{10}: to=<carol@otherdomain\.com>.*status=(sent|deferred)/)).toMatch(/status=sent/);
    expect((await mail.carolMessages()).length).toBe(before + 1);
    expect(await mail.queue()).toEqual([]);
  });

  it('returns a message to its sender with a delivery status notification on a permanent failure', async () => {
    await submit(mail.lab, { to: ['nobody@otherdomain.com'], subject: 'to nobody' });
    expect(await mail.log.next(/postfix\/smtp\[\d+\]: [0-9A-F]{10}: to=<nobody@otherdomain\.com>/)).toMatch(
      /dsn=5\.1\.1, status=bounced \(host mail\.otherdomain\.com\[192\.0\.2\.200\] said: 550 5\.1\.1 <nobody@otherdomain\.com>: Recipient address rejected: User unknown in virtual mailbox table \(in reply to RCPT TO command\)\)/,
    );
    await mail.log.next(/postfix\/bounce\[\d+\]: [0-9A-F]{10}: sender non-delivery notification: [0-9A-F]{10}/);
    await mail.log.next(/to=<alice@example\.com>, relay=virtual.*status=sent/);
    const dsn = (await mail.aliceMessages()).find((m) => m.includes('Subject: Undelivered Mail Returned to Sender') && m.includes('Subject: to nobody'))!;
    expect(dsn).toMatch(/^Return-Path: <>$/m);
    expect(dsn).toMatch(/^From: MAILER-DAEMON@mail\.example\.com \(Mail Delivery System\)$/m);
    expect(dsn).toMatch(/Content-Type: multipart\/report; report-type=delivery-status;/);
    expect(dsn).toMatch(/Content-Type: message\/delivery-status\n\nReporting-MTA: dns; mail\.example\.com\n/);
    expect(dsn).toMatch(/Final-Recipient: rfc822; nobody@otherdomain\.com\nOriginal-Recipient: rfc822;nobody@otherdomain\.com\nAction: failed\nStatus: 5\.1\.1\nRemote-MTA: dns; mail\.otherdomain\.com\nDiagnostic-Code: smtp; 550 5\.1\.1/);
    expect(dsn).toMatch(/很抱歉，你的邮件无法投递/);
    expect(dsn).toMatch(/Content-Type: message\/rfc822\n/);
  });

  it('gives up after too many attempts and bounces with the last reason', async () => {
    await api(mail.lab, 'POST', '/api/world/mtas/otherdomain.com/stop');
    await submit(mail.lab, { to: ['carol@otherdomain.com'], subject: 'never arrives' });
    await mail.log.next(/postfix\/smtp\[\d+\]: [0-9A-F]{10}: to=<carol@otherdomain\.com>.*status=deferred/);
    const mta = await mail.lab.world.mta(await mail.lab.sandboxes.get('default'), 'example.com');
    for (let attempt = 2; attempt <= 4; attempt++) {
      await mta.idle();
      mail.clock.advance(8 * FIRST_RETRY);
      if (attempt < 4) await mail.log.next(/postfix\/smtp\[\d+\]: [0-9A-F]{10}: to=<carol@otherdomain\.com>.*status=deferred/);
    }
    await mail.log.next(/status=expired, returned to sender \(message expired after 4 delivery attempts: connect to mail\.otherdomain\.com\[192\.0\.2\.200\]:25: Connection refused\)/);
    await mail.log.next(/to=<alice@example\.com>, relay=virtual.*status=sent/);
    const dsn = (await mail.aliceMessages()).find((m) => m.includes('Subject: never arrives') && m.includes('Undelivered Mail'))!;
    expect(dsn).toMatch(/Status: 5\.4\.1\n/);
    expect(dsn).toMatch(/Diagnostic-Code: X-Postfix; message expired after 4 delivery attempts/);
    expect(await mail.queue()).toEqual([]);
  });

  it('defers while otherdomain.com has no MX, and delivers when the MX is back', async () => {
    const saved = await editZone(mail.lab, 'otherdomain.com', (t) => t.replace(/^@\s+IN MX .*$/m, ''));
    expect(saved.status).toBe(200);
    await submit(mail.lab, { to: ['carol@otherdomain.com'], subject: 'where is the MX' });
    expect(await mail.log.next(/postfix\/smtp\[\d+\]: [0-9A-F]{10}: to=<carol@otherdomain\.com>.*status=deferred/)).toMatch(
      /dsn=4\.4\.3, status=deferred \(Host or domain name not found\. Name service error for name=otherdomain\.com type=MX: Host found but no data record of requested type\)/,
    );
    await api(mail.lab, 'POST', '/api/zones/otherdomain.com/restore');
    await api(mail.lab, 'POST', '/api/queue/flush');
    expect(await mail.log.next(/postfix\/smtp\[\d+\]: [0-9A-F]{10}: to=<carol@otherdomain\.com>/)).toMatch(/status=sent/);
    expect((await mail.carolMessages()).some((m) => m.includes('Subject: where is the MX'))).toBe(true);
  });

  it('keeps deferred mail across a restart and delivers it afterwards', async () => {
    await api(mail.lab, 'POST', '/api/world/mtas/otherdomain.com/stop');
    await submit(mail.lab, { to: ['carol@otherdomain.com'], subject: 'survives a restart' });
    await mail.log.next(/postfix\/smtp\[\d+\]: [0-9A-F]{10}: to=<carol@otherdomain\.com>.*status=deferred/);
    await mail.settled();
    const [before] = await mail.queue();
    await mail.restart();
    // The stopped server is still stopped, and the message is still queued.
    const world = await api<{ mtas: Array<{ domain: string; running: boolean; queued: number }> }>(mail.lab, 'GET', '/api/world');
    expect(world.body.mtas).toEqual(expect.arrayContaining([expect.objectContaining({ domain: 'otherdomain.com', running: false }), expect.objectContaining({ domain: 'example.com', queued: 1 })]));
    expect(await mail.queue()).toEqual([expect.objectContaining({ id: before!.id, attempts: 1, nextAttempt: before!.nextAttempt })]);
    await api(mail.lab, 'POST', '/api/world/mtas/otherdomain.com/start');
    mail.clock.advance(FIRST_RETRY);
    expect(await mail.log.next(/postfix\/smtp\[\d+\]: [0-9A-F]{10}: to=<carol@otherdomain\.com>/)).toMatch(new RegExp(`${before!.id}: .*status=sent`));
    expect((await mail.carolMessages()).filter((m) => m.includes('Subject: survives a restart'))).toHaveLength(1);
  });
});
