/**
 * The SMTP listeners driven by real clients: Python's smtplib, curl and nodemailer.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import nodemailer from 'nodemailer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { python, run } from '../helpers/clients.js';
import { startTestLab, type TestLab } from '../helpers/lab.js';
import { listMaildir, maildirPath, readAllMessages } from '../helpers/maildir.js';
import { RawClient } from '../helpers/rawSocket.js';

let lab: TestLab;
beforeAll(async () => {
  lab = await startTestLab();
});
afterAll(async () => {
  await lab?.dispose();
});

const bobInbox = (): string => maildirPath(lab.dataDir, 'default', 'bob@example.com');

/** smtplib session: returns {code, message} per step as JSON. */
const SMTP_SCRIPT = `
import smtplib, ssl
ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
out = []
if P.get('implicit'):
    s = smtplib.SMTP_SSL('127.0.0.1', P['port'], context=ctx, timeout=10)
else:
    s = smtplib.SMTP('127.0.0.1', P['port'], timeout=10)
s.ehlo('client.test')
if P.get('starttls'):
    out.append(list(s.starttls(context=ctx))); s.ehlo('client.test')
if P.get('login'):
    try:
        out.append(list(s.login(P['login'], P['password'])))
    except smtplib.SMTPException as e:
        out.append([getattr(e, 'smtp_code', 0), str(e)])
code, msg = s.mail(P['from'])
out.append([code, msg.decode()])
for r in P['rcpt']:
    code, msg = s.rcpt(r); out.append([code, msg.decode()])
if P.get('data') is not None:
    try:
        code, msg = s.data(P['data'].encode()); out.append([code, msg.decode()])
    except smtplib.SMTPException as e:
        out.append([getattr(e, 'smtp_code', 0), str(e)])
s.quit()
print(json.dumps([[c, m if isinstance(m, str) else m.decode()] for c, m in out]))
`;

async function smtplib(params: Record<string, unknown>): Promise<Array<[number, string]>> {
  const r = await python(SMTP_SCRIPT, params);
  expect(r.stderr).toBe('');
  return JSON.parse(r.stdout) as Array<[number, string]>;
}

describe('port 25 (MX)', () => {
  it('delivers a message from smtplib into the recipient\'s new/ with trace headers', async () => {
    const before = await listMaildir(bobInbox());
    const steps = await smtplib({
      port: lab.port('smtp'),
      from: 'carol@otherdomain.com',
      rcpt: ['bob@example.com'],
      data: 'From: carol@otherdomain.com\r\nTo: bob@example.com\r\nSubject: mx test\r\n\r\nHello Bob over port 25.\r\n',
    });
    expect(steps.at(-1)![0]).toBe(250);
    expect(steps.at(-1)![1]).toMatch(/queued as [0-9A-F]{10}/);
    const after = await listMaildir(bobInbox());
    expect(after.new.length).toBe(before.new.length + 1);
    expect(after.tmp).toEqual([]);
    const file = after.new.find((f) => !before.new.includes(f))!;
    expect(file).toMatch(/^\d+\.M\d+P\d+Q\d+\.[^,]+,S=\d+,W=\d+$/);
    const text = await readFile(join(bobInbox(), 'new', file), 'utf8');
    expect(text.startsWith('Return-Path: <carol@otherdomain.com>\nReceived: from client.test (unknown [127.0.0.1])\n')).toBe(true);
    expect(text).toMatch(/by mail\.example\.com \(MailLab\) with ESMTP id [0-9A-F]{10}\n\tfor <bob@example\.com>;/);
    expect(text).toContain('Hello Bob over port 25.');
    // S= is the stored size, W= the size with CRLF line ends.
    const size = Buffer.byteLength(text);
    const lines = text.split('\n').length - 1;
    expect(file).toContain(`,S=${size},W=${size + lines}`);
  });

  it('offers STARTTLS but no AUTH, and greets with the course banner', async () => {
    const c = await RawClient.open(lab.port('smtp'));
    expect(await c.until(/\r\n$/)).toBe('220 mail.example.com ESMTP MailLab\r\n');
    const ehlo = await c.command('EHLO me.test', /250 [^\r]*\r\n$/);
    expect(ehlo).toContain('250-STARTTLS');
    expect(ehlo).not.toContain('AUTH');
    // Every reply carries an RFC 3463 code, so EHLO announces them (RFC 2034).
    expect(ehlo).toMatch(/^250-ENHANCEDSTATUSCODES\r$/m);
    expect(await c.command('NOOP', /\r\n$/)).toMatch(/^250 2\.0\.0 /);
    c.close();
  });

  it('accepts mail sent with curl smtp:// to the recipient domain\'s own server', async () => {
    // carol's domain is otherdomain.com: its mail server is mail.otherdomain.com, not port 25 of mail.example.com.
    const before = (await listMaildir(maildirPath(lab.dataDir, 'default', 'carol@otherdomain.com'))).new.length;
    const r = await run(
      'curl',
      ['-sS', `smtp://127.0.0.1:${lab.port('smtp-otherdomain')}`, '--mail-from', 'alice@example.com', '--mail-rcpt', 'carol@otherdomain.com', '-T', '-'],
      'From: alice@example.com\r\nTo: carol@otherdomain.com\r\nSubject: via curl\r\n\r\nsent by curl\r\n',
    );
    expect(r.code).toBe(0);
    const after = await readAllMessages(maildirPath(lab.dataDir, 'default', 'carol@otherdomain.com'));
    expect(after.length).toBe(before + 1);
    expect(after.some((m) => m.includes('sent by curl'))).toBe(true);
  });

  it('refuses relaying and unknown users with Postfix\'s replies', async () => {
    const steps = await smtplib({ port: lab.port('smtp'), from: 'x@example.net', rcpt: ['someone@gmail.com', 'nobody@example.com'] });
    expect(steps[1]).toEqual([554, '5.7.1 <someone@gmail.com>: Relay access denied']);
    expect(steps[2]![0]).toBe(550);
    expect(steps[2]![1]).toContain('User unknown');
  });

  it('takes mail for postmaster, in any case and with no domain (RFC 5321 4.5.1): one copy, to the domain\'s first user', async () => {
    const rcpt = ['postmaster@example.com', 'POSTMASTER@Example.COM', 'Postmaster', 'alice@example.com', 'postmaster@otherdomain.com'];
    const steps = await smtplib({ port: lab.port('smtp'), from: 'ann@otherdomain.com', rcpt, data: 'Subject: for the postmaster\r\n\r\nReplying to the welcome message.\r\n' });
    expect(steps.slice(1, 5).map(([code]) => code)).toEqual([250, 250, 250, 250]);
    // mail.example.com is not otherdomain.com's server: its postmaster is not taken here.
    expect(steps[5]![0]).toBe(554);
    expect(steps[6]![0]).toBe(250);
    const alice = await readAllMessages(maildirPath(lab.dataDir, 'default', 'alice@example.com'));
    expect(alice.filter((m) => m.includes('Subject: for the postmaster'))).toHaveLength(1);
    // postmaster is an address, not a login.
    const login = await smtplib({ port: lab.port('submission'), starttls: true, login: 'postmaster@example.com', password: 'secret', from: 'postmaster@example.com', rcpt: [] });
    expect(login[1]![0]).toBe(535);
  });
});

describe('port 587 (submission)', () => {
  it('requires AUTH before MAIL', async () => {
    const steps = await smtplib({ port: lab.port('submission'), starttls: true, from: 'alice@example.com', rcpt: [] });
    expect(steps[1]![0]).toBe(530);
    expect(steps[1]![1]).toMatch(/AUTH PLAIN or AUTH LOGIN before MAIL FROM/);
  });

  it('refuses AUTH before STARTTLS with 538 saying why', async () => {
    const c = await RawClient.open(lab.port('submission'));
    await c.until(/^220 /m);
    await c.command('EHLO me.test', /250 [^\r]*\r\n$/);
    const reply = await c.command(`AUTH PLAIN ${Buffer.from('\0alice@example.com\0secret').toString('base64')}`, /\r\n$/);
    expect(reply).toMatch(/^538 5\.7\.11 Encryption required before AUTH.*Send STARTTLS first/);
    c.close();
  });

  it('delivers after STARTTLS and AUTH, and still refuses relaying for a logged-in user', async () => {
    const steps = await smtplib({
      port: lab.port('submission'),
      starttls: true,
      login: 'alice@example.com',
      password: 'secret',
      from: 'alice@example.com',
      rcpt: ['bob@example.com', 'friend@example.org'],
      data: 'Subject: submitted\r\n\r\nvia 587\r\n',
    });
    expect(steps[0]![0]).toBe(220); // STARTTLS
    expect(steps[1]![0]).toBe(235); // AUTH
    expect(steps[3]).toEqual([250, '2.1.5 Accepted']);
    expect(steps[4]).toEqual([554, '5.7.1 <friend@example.org>: Relay access denied']);
    expect(steps[5]![0]).toBe(250);
    const messages = await readAllMessages(bobInbox());
    const submitted = messages.find((m) => m.includes('via 587'))!;
    expect(submitted).toMatch(/with ESMTPSA id/);
    expect(submitted).toMatch(/\(using TLS_|\(using [A-Z0-9_-]+\)/);
  });

  it('lets nobody authorize as someone else with AUTH PLAIN\'s first part (RFC 4616), as IMAP does not', async () => {
    const plain = (s: string): string => Buffer.from(s).toString('base64');
    const r = await python(
      `
import smtplib, ssl
s = smtplib.SMTP('127.0.0.1', P['port'], timeout=10); s.starttls(context=ssl._create_unverified_context()); s.ehlo('me.test')
out = [s.docmd('AUTH', 'PLAIN ' + a) for a in P['tries']]
s.quit()
print(json.dumps([[c, m.decode()] for c, m in out]))
`,
      { port: lab.port('submission'), tries: [plain('bob@example.com\0alice@example.com\0secret'), plain('ALICE@example.com\0alice@example.com\0secret')] },
    );
    expect(r.stderr).toBe('');
    const [other, self] = JSON.parse(r.stdout) as [[number, string], [number, string]];
    expect(other).toEqual([535, '5.7.8 You may only authorize as yourself: leave the first part of AUTH PLAIN empty ("\\0user\\0password")']);
    expect(self[0]).toBe(235);
  });

  it('rejects a wrong password with 535 and a hint', async () => {
    const steps = await smtplib({ port: lab.port('submission'), starttls: true, login: 'alice', password: 'wrong', from: 'alice@example.com', rcpt: [] });
    expect(steps[1]![0]).toBe(535);
  });

  it('works with nodemailer (STARTTLS + AUTH LOGIN), logging in with the bare local part', async () => {
    const transport = nodemailer.createTransport({
      host: '127.0.0.1',
      port: lab.port('submission'),
      secure: false,
      requireTLS: true,
      auth: { user: 'bob', pass: 'secret' },
      authMethod: 'LOGIN',
      tls: { rejectUnauthorized: false },
    });
    const info = await transport.sendMail({ from: 'bob@example.com', to: 'alice@example.com', subject: 'nodemailer', text: 'from nodemailer' });
    expect(info.accepted).toEqual(['alice@example.com']);
    const messages = await readAllMessages(maildirPath(lab.dataDir, 'default', 'alice@example.com'));
    expect(messages.some((m) => m.includes('from nodemailer'))).toBe(true);
    await expect(transport.sendMail({ from: 'bob@example.com', to: 'x@elsewhere.org', subject: 'relay', text: 'no' })).rejects.toThrow(/Relay access denied/);
    transport.close();
  });
});

describe('port 465 (submissions, implicit TLS)', () => {
  it('delivers over implicit TLS with smtplib.SMTP_SSL and AUTH', async () => {
    const steps = await smtplib({
      port: lab.port('submissions'),
      implicit: true,
      login: 'carol@otherdomain.com',
      password: 'secret',
      from: 'carol@otherdomain.com',
      rcpt: ['alice@example.com', 'victim@example.net'],
      data: 'Subject: tls\r\n\r\nover 465\r\n',
    });
    expect(steps[0]![0]).toBe(235);
    expect(steps[2]![0]).toBe(250);
    expect(steps[3]![0]).toBe(554);
    expect(steps[4]![0]).toBe(250);
  });

  it('works with curl smtps:// --ssl-reqd -k and refuses without login', async () => {
    const ok = await run(
      'curl',
      ['-sS', '-k', '--ssl-reqd', `smtps://127.0.0.1:${lab.port('submissions')}`, '--user', 'alice@example.com:secret', '--mail-from', 'alice@example.com', '--mail-rcpt', 'bob@example.com', '-T', '-'],
      'Subject: curl smtps\r\n\r\ncurl over 465\r\n',
    );
    expect(ok.code).toBe(0);
    expect((await readAllMessages(bobInbox())).some((m) => m.includes('curl over 465'))).toBe(true);
    const noAuth = await run(
      'curl',
      ['-sS', '-k', '--ssl-reqd', `smtps://127.0.0.1:${lab.port('submissions')}`, '--mail-from', 'alice@example.com', '--mail-rcpt', 'bob@example.com', '-T', '-'],
      'Subject: x\r\n\r\nx\r\n',
    );
    expect(noAuth.code).not.toBe(0);
    expect(noAuth.stderr).toMatch(/530|MAIL failed/);
  });
});

describe('for people typing by hand', () => {
  it('does not hang up after many unknown commands, and explains the order of commands', async () => {
    const c = await RawClient.open(lab.port('smtp'));
    await c.until(/^220 /m);
    for (let i = 0; i < 15; i++) {
      expect(await c.command(`HELLO${i}`, /\r\n$/)).toMatch(/^500 5\.5\.2 Command not recognized\. Try EHLO/);
    }
    expect(await c.command('RCPT TO:<bob@example.com>', /\r\n$/)).toMatch(/^503 /);
    await c.command('HELO me', /^250 /m);
    expect(await c.command('RCPT TO:<bob@example.com>', /\r\n$/)).toMatch(/^503 .*MAIL/i);
    expect(await c.command('DATA', /\r\n$/)).toMatch(/^503 /);
    await c.command('MAIL FROM:<alice@example.com>', /^250 /m);
    expect(await c.command('DATA', /\r\n$/)).toMatch(/^503 5\.5\.1 .*RCPT TO:<bob@example\.com> before DATA/);
    expect(await c.command('MAIL FROM:<alice@example.com>', /\r\n$/)).toMatch(/^503 5\.5\.1 .*RSET/);
    expect(await c.command('QUIT', /\r\n$/)).toMatch(/^221 /);
    await c.waitClosed();
  });
});
