/**
 * The mail world end to end, with real clients: alice@example.com -> carol@otherdomain.com is
 * submitted with smtplib, queued by mail.example.com, routed by an MX lookup in the lab DNS,
 * relayed by SMTP to mail.otherdomain.com and read back with poplib; and each learner's mail is
 * routed with their own zones and queue. The queue's life is in mail-queue.test.ts, what the
 * relay never does (leave the lab, try every MX) in mail-relay-bounds.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { python } from '../helpers/clients.js';
import { useMailWorld } from '../helpers/mailWorld.js';
import { runSession } from '../helpers/protocolScript.js';
import { RawClient } from '../helpers/rawSocket.js';
import { api, submit } from '../helpers/world.js';

const mail = useMailWorld();

describe('alice@example.com -> carol@otherdomain.com', () => {
  it('travels submission -> queue -> MX lookup -> SMTP to mail.otherdomain.com -> Maildir, and carol reads it with poplib', async () => {
    const sent = await submit(mail.lab, { to: ['carol@otherdomain.com'], subject: 'across the world' });
    expect(sent.refused).toEqual({});
    const line = await mail.log.next(/mail\.example\.com postfix\/smtp\[\d+\]: [0-9A-F]{10}: to=<carol@otherdomain\.com>/);
    expect(line).toMatch(/relay=mail\.otherdomain\.com\[192\.0\.2\.200\]:25, delay=[\d.]+, delays=[\d./]+, dsn=2\.0\.0, status=sent \(250 2\.0\.0 Ok: queued as [0-9A-F]{10}\)/);
    expect(mail.log.all(/mail\.otherdomain\.com postfix\/smtpd.*connect from mail\.example\.com\[192\.0\.2\.100\]/)).not.toHaveLength(0);

    const r = await python(
      `
import poplib
p = poplib.POP3('127.0.0.1', P['port']); p.user('carol@otherdomain.com'); p.pass_('secret')
n = p.stat()[0]
print(b'\\n'.join(p.retr(n)[1]).decode())
p.quit()`,
      { port: mail.lab.port('pop3') },
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
    expect(await mail.queue()).toEqual([]);
  });

  it('mail.example.com is only example.com\'s MX: its port 25 refuses carol; mail.otherdomain.com has its own banner', async () => {
    const c = await RawClient.open(mail.lab.port('smtp'));
    await c.until(/^220 /m);
    await c.command('EHLO me.test', /250 [^\r]*\r\n$/);
    await c.command('MAIL FROM:<alice@example.com>', /^250 /m);
    expect(await c.command('RCPT TO:<carol@otherdomain.com>', /\r\n$/)).toMatch(/^554 5\.7\.1 <carol@otherdomain\.com>: Relay access denied\. otherdomain\.com's mail server is mail\.otherdomain\.com/);
    c.close();
    const other = await RawClient.open(mail.lab.port('smtp-otherdomain'));
    expect(await other.until(/\r\n$/)).toBe('220 mail.otherdomain.com ESMTP MailLab\r\n');
    other.close();
  });

  it('a logged-in user sends as themselves only', async () => {
    const r = await submit(mail.lab, { user: 'alice@example.com', from: 'bob@example.com', to: ['carol@otherdomain.com'], subject: 'spoof' });
    expect(r.error).toEqual([553, '5.7.1 <bob@example.com>: Sender address rejected: not owned by user alice@example.com. Use MAIL FROM:<alice@example.com>']);
  });
});


describe('each learner\'s own world', () => {
  it('routes a learner\'s mail with the learner\'s own zones and queue, leaving the default sandbox alone', async () => {
    await mail.lab.sandboxes.create('zhang');
    const zhang = await mail.lab.sandboxes.get('zhang');
    const zone = (await api<{ text: string }>(mail.lab, 'GET', '/api/zones/otherdomain.com')).body.text;
    expect((await mail.lab.world.dns.saveZone(zhang, 'otherdomain.com', zone.replace(/^@\s+IN MX .*$/m, ''))).ok).toBe(true);
    const auth = Buffer.from('\0alice@example.com\0secret').toString('base64');
    await runSession(
      mail.lab,
      'submission',
      ['EHLO zhang.test', 'STARTTLS', 'EHLO zhang.test', `AUTH PLAIN ${auth}`, 'MAIL FROM:<alice@example.com>', 'RCPT TO:<carol@otherdomain.com>', 'DATA', 'Subject: from zhang', '', 'hi', '.', 'QUIT'],
      { 'x-learner': 'zhang' },
    );
    expect(await mail.log.next(/postfix\/smtp\[\d+\]: [0-9A-F]{10}: to=<carol@otherdomain\.com>/, { sandboxId: 'zhang' })).toMatch(/status=deferred \(Host or domain name not found/);
    expect((await mail.lab.world.mta(zhang, 'example.com')).list()).toHaveLength(1);
    expect(await mail.queue()).toEqual([]);
    const mine = await api<{ entries: unknown[] }>(mail.lab, 'GET', '/api/queue');
    expect(mine.body.entries).toEqual([]);
  });
});
