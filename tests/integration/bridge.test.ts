/**
 * The browser-terminal bridge, driven over a real WebSocket as the page drives it: raw SMTP
 * into the learner's sandbox, POP3 back out, TLS in all three forms, transcripts, limits.
 * A page that misbehaves (stops reading, floods, sends what is no command) is in
 * bridge-pages.test.ts.
 */
import type { IncomingMessage } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { readTranscripts } from '../../lab-server/src/world/transcriptFiles.js';
import { defaultWorld } from '../../lab-server/src/world/definition.js';
import { python } from '../helpers/clients.js';
import { startTestLab, type TestLab } from '../helpers/lab.js';
import { readAllMessages, maildirPath } from '../helpers/maildir.js';
import { TerminalClient } from '../helpers/terminal.js';

let lab: TestLab;
const logLines: string[] = [];
// Two learners, told apart by a header, as classroom mode will tell them apart by cookie.
const requester = async (req: IncomingMessage) => {
  const learner = req.headers['x-learner'];
  if (learner === 'nobody') return undefined;
  return learner === 'zhang' ? { sandboxId: 'zhang', learnerId: 'zhang' } : { sandboxId: 'default', learnerId: 'default' };
};

beforeAll(async () => {
  // No typing rate to speak of (it has a test of its own), so a flood is over quickly.
  lab = await startTestLab({ log: (component, message) => logLines.push(`${component}: ${message}`), terminalRequester: requester, bridgeLimits: { perLearner: 3, maxLineLength: 2000, bytesPerSecond: 1 << 30, burstBytes: 1 << 30 } });
  await lab.sandboxes.create('zhang', defaultWorld());
});
afterAll(async () => {
  await lab?.dispose();
});

async function smtpTransaction(t: TerminalClient, subject: string): Promise<void> {
  await t.expect(/^220 mail\.example\.com ESMTP MailLab\r\n/);
  await t.send('EHLO browser.test', /250 SIZE \d+\r\n$/);
  await t.send('MAIL FROM:<alice@example.com>', /^250 /);
  await t.send('RCPT TO:<bob@example.com>', /^250 /);
  await t.send('DATA', /^354 /);
  for (const line of [`Subject: ${subject}`, '', 'Typed in a browser terminal.', '..a stuffed dot']) t.line(line);
  await t.send('.', /^250 2\.0\.0 Ok: queued as/);
  await t.send('QUIT', /^221 /);
  await t.message('closed');
}

describe('terminal bridge', () => {
  it('runs an SMTP transaction into the learner\'s sandbox and RETRs it over POP3', async () => {
    const smtp = await TerminalClient.open(lab.httpPort, 'smtp');
    const open = await smtp.message('open');
    expect(open).toMatchObject({ service: 'smtp', standardPort: 25, labPort: lab.port('smtp'), tls: false });
    await smtpTransaction(smtp, 'bridge test');
    expect((await smtp.message('closed')).text).toBe('Connection closed by foreign host.');

    const messages = await readAllMessages(maildirPath(lab.dataDir, 'default', 'bob@example.com'));
    const mail = messages.find((m) => m.includes('Subject: bridge test'))!;
    expect(mail).toContain('\n.a stuffed dot\n');

    const pop = await TerminalClient.open(lab.httpPort, 'pop3');
    await pop.expect(/^\+OK .*\r\n/);
    await pop.send('USER bob', /^\+OK/);
    const login = await pop.send('PASS secret', /^\+OK Logged in as bob@example\.com: (\d+) messages?/);
    const count = /: (\d+) messages?/.exec(login)![1];
    const retr = await pop.send(`RETR ${count}`, /\r\n\.\r\n$/);
    expect(retr).toContain('Subject: bridge test');
    expect(retr).toContain('\r\n..a stuffed dot\r\n');
    await pop.send('QUIT', /^\+OK/);

    const imap = await TerminalClient.open(lab.httpPort, 'imap');
    await imap.expect(/^\* OK .*\r\n/);
    await imap.send('a1 LOGIN bob secret', /^a1 OK .*\r\n/m);
    const select = await imap.send('a2 SELECT INBOX', /^a2 OK .*\r\n/m);
    const exists = /^\* (\d+) EXISTS/m.exec(select)![1];
    const fetch = await imap.send(`a3 FETCH ${exists} (BODY.PEEK[HEADER.FIELDS (SUBJECT)])`, /^a3 OK .*\r\n/m);
    expect(fetch).toContain('Subject: bridge test');
    await imap.send('a4 LOGOUT', /^a4 OK/m);
  });

  it('upgrades SMTP with STARTTLS and POP3 with STLS, and does implicit TLS itself', async () => {
    const sub = await TerminalClient.open(lab.httpPort, 'submission');
    await sub.expect(/^220 /);
    await sub.send('EHLO tls.test', /250 SIZE \d+\r\n$/);
    sub.line('STARTTLS');
    // The next line is held back until TLS is up, then goes out encrypted.
    sub.line('EHLO tls.test');
    const tls = await sub.message('tls');
    expect(tls.text).toMatch(/^TLS established: TLSv1\.[23], cipher \S+, certificate CN=mail\.example\.com \(self-signed\)$/);
    const ehlo = await sub.expect(/250 SIZE \d+\r\n$/);
    expect(ehlo).toContain('250-AUTH PLAIN LOGIN');
    const auth = Buffer.from('\0alice@example.com\0secret').toString('base64');
    await sub.send(`AUTH PLAIN ${auth}`, /^235 /);
    sub.close();

    const pop = await TerminalClient.open(lab.httpPort, 'pop3');
    await pop.expect(/^\+OK/);
    await pop.send('STLS', /^\+OK Begin TLS/);
    expect((await pop.message('tls')).summary?.selfSigned).toBe(true);
    await pop.send('CAPA', /\r\n\.\r\n$/);
    pop.close();

    const imap = await TerminalClient.open(lab.httpPort, 'imap');
    await imap.expect(/^\* OK /);
    imap.line('t1 STARTTLS');
    imap.line('t2 CAPABILITY');
    expect((await imap.message('tls')).text).toMatch(/^TLS established/);
    expect(await imap.expect(/^t2 OK .*\r\n/m)).toMatch(/\* CAPABILITY .*AUTH=PLAIN/);
    imap.close();

    const imp = await TerminalClient.open(lab.httpPort, 'pop3s');
    expect((await imp.message('tls')).text).toMatch(/^TLS established/);
    expect(await imp.message('open')).toMatchObject({ tls: true, standardPort: 995 });
    await imp.expect(/^\+OK /);
    imp.close();
  });

  it('puts two learners\' terminals in two sandboxes', async () => {
    const zhang = await TerminalClient.open(lab.httpPort, 'smtp', { 'x-learner': 'zhang' });
    await smtpTransaction(zhang, 'only for zhang');
    const zhangMail = await readAllMessages(maildirPath(lab.dataDir, 'zhang', 'bob@example.com'));
    const defaultMail = await readAllMessages(maildirPath(lab.dataDir, 'default', 'bob@example.com'));
    expect(zhangMail.some((m) => m.includes('only for zhang'))).toBe(true);
    expect(defaultMail.some((m) => m.includes('only for zhang'))).toBe(false);
  });

  it('records a transcript of C: and S: lines with the sandbox', async () => {
    const transcripts = await readTranscripts(await lab.sandboxes.get('zhang'));
    expect(transcripts).toHaveLength(1);
    const [t] = transcripts;
    expect(t!.header.service).toBe('smtp');
    const lines = t!.lines.map((l) => `${l.dir}: ${l.text}`);
    expect(lines).toContain('C: MAIL FROM:<alice@example.com>');
    expect(lines).toContain('S: 354 End data with <CR><LF>.<CR><LF>');
    expect(lines.some((l) => /^S: 250 2\.0\.0 Ok: queued as/.test(l))).toBe(true);
    expect(t!.lines.every((l) => !Number.isNaN(Date.parse(l.t)))).toBe(true);
  });

  it('enforces origin, learner, service and per-learner limits with clear messages', async () => {
    const foreign = new WebSocket(`ws://127.0.0.1:${lab.httpPort}/api/terminal?service=smtp`, { headers: { origin: 'http://evil.example' } });
    const status = await new Promise<number>((resolve) => foreign.once('unexpected-response', (_q, res) => resolve(res.statusCode ?? 0)));
    expect(status).toBe(403);
    await expect(TerminalClient.open(lab.httpPort, 'smtp', { 'x-learner': 'nobody' })).rejects.toThrow(/401/);

    const wrong = await TerminalClient.open(lab.httpPort, 'gopher');
    expect((await wrong.message('error')).message?.en).toMatch(/^Unknown service "gopher"\. Choose one of: smtp, submission/);

    const open = await Promise.all([1, 2, 3].map(() => TerminalClient.open(lab.httpPort, 'pop3')));
    await Promise.all(open.map((t) => t.message('open')));
    const fourth = await TerminalClient.open(lab.httpPort, 'pop3');
    const refusal = await fourth.message('error');
    expect(refusal.message?.en).toMatch(/already have 3 terminals open/);
    expect(refusal.message?.['zh-CN']).toMatch(/上限 3 个/);
    open.forEach((t) => t.close());
    const deadline = Date.now() + 5000;
    while (lab.bridge.sessions.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(lab.bridge.sessions.size).toBe(0);
  });

  it('sends a message whose body has a line "STARTTLS" whole, and still upgrades on the command after it', async () => {
    const t = await TerminalClient.open(lab.httpPort, 'smtp');
    await t.expect(/^220 /);
    await t.send('EHLO browser.test', /250 SIZE \d+\r\n$/);
    await t.send('MAIL FROM:<alice@example.com>', /^250 /);
    await t.send('RCPT TO:<bob@example.com>', /^250 /);
    await t.send('DATA', /^354 /);
    for (const line of ['Subject: about STARTTLS', '', 'To encrypt, the client types', 'STARTTLS', 'and waits for 220.']) t.line(line);
    await t.send('.', /^250 2\.0\.0 Ok: queued as/);
    // The body's line was text; the command is still one, and the bridge starts TLS on it.
    await t.send('STARTTLS', /^220 /);
    expect((await t.message('tls')).text).toMatch(/^TLS established: TLSv1\.3/);
    await t.send('EHLO browser.test', /250 SIZE \d+\r\n$/);
    t.close();
    const messages = await readAllMessages(maildirPath(lab.dataDir, 'default', 'bob@example.com'));
    expect(messages.find((m) => m.includes('Subject: about STARTTLS'))).toContain('\nSTARTTLS\nand waits for 220.\n');
  });

  it('takes IMAP literals holding "x STARTTLS" as data, and still upgrades on the command after them', async () => {
    const t = await TerminalClient.open(lab.httpPort, 'imap');
    await t.expect(/^\* OK /);
    // A literal of one whole line; the line after it goes on with the command.
    await t.send('a0 ID ("note" {17}', /^\+ /m);
    t.line('Please STARTTLS');
    await t.send(')', /^a0 OK /m);
    // A literal the server refuses is never sent: what follows is a command again.
    await t.send('a1 APPEND INBOX {99999999999}', /^a1 (NO|BAD) /m);
    await t.send('a2 STARTTLS', /^a2 OK /m);
    expect((await t.message('tls')).text).toMatch(/^TLS established: TLSv1\.3/);
    t.close();
    // An APPEND's message in plain text: its lines are data, and the empty line after them ends the command.
    const u = await TerminalClient.open(lab.httpPort, 'imap');
    await u.expect(/^\* OK /);
    await u.send('b1 LOGIN bob@example.com secret', /^b1 OK /m);
    const body = ['Subject: literal STARTTLS', '', 'Please STARTTLS', 'then go on.'];
    await u.send(`b2 APPEND INBOX {${body.reduce((n, l) => n + Buffer.byteLength(l) + 2, 0)}}`, /^\+ /m);
    for (const line of body) u.line(line);
    await u.send('', /^b2 OK /m);
    await u.send('b3 NOOP', /^b3 OK /m);
    u.close();
    const messages = await readAllMessages(maildirPath(lab.dataDir, 'default', 'bob@example.com'));
    expect(messages.find((m) => m.includes('Subject: literal STARTTLS'))).toMatch(/Please STARTTLS\r?\nthen go on\./);
  });
});
