/**
 * Hostile and clumsy input, restarts, shutdowns and limits: the server stays up, and no
 * message is lost, duplicated or left half-written.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { python } from '../helpers/clients.js';
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

const inbox = (address: string): string => maildirPath(lab.dataDir, 'default', address);

async function sendRaw(port: number, from: string, to: string, body: string): Promise<string> {
  const c = await RawClient.open(port);
  await c.until(/^220 /m);
  await c.command('HELO robust.test', /^250 /m);
  await c.command(`MAIL FROM:<${from}>`, /^250 /m);
  await c.command(`RCPT TO:<${to}>`, /^250 /m);
  await c.command('DATA', /^354 /m);
  const reply = await c.command(`${body}\r\n.`, /\r\n$/);
  await c.command('QUIT', /^221 /m);
  return reply;
}

describe('bad input on SMTP', () => {
  it('answers a 1 MB line with a clear error and keeps serving; nothing is lost', async () => {
    const before = (await listMaildir(inbox('bob@example.com'))).new.length;
    const c = await RawClient.open(lab.port('smtp'));
    await c.until(/^220 /m);
    c.send('EHLO ' + 'x'.repeat(1024 * 1024) + '\r\n');
    const reply = await c.until(/\r\n/);
    expect(reply).toMatch(/^421 4\.5\.0 Line too long/);
    await c.waitClosed();
    // A message in flight on another connection is untouched.
    expect(await sendRaw(lab.port('smtp'), 'a@example.com', 'bob@example.com', 'Subject: after junk\r\n\r\nstill here')).toMatch(/^250 /);
    expect((await listMaildir(inbox('bob@example.com'))).new.length).toBe(before + 1);
  });

  it('handles NUL bytes and binary junk without falling over', async () => {
    const c = await RawClient.open(lab.port('smtp'));
    await c.until(/^220 /m);
    c.send(Buffer.from([0x00, 0xff, 0x13, 0x37, 0x0d, 0x0a]));
    expect(await c.until(/\r\n$/)).toMatch(/^5\d\d /);
    c.send('MAIL FROM:<a\0b@example.com>\r\n');
    expect(await c.until(/\r\n$/)).toMatch(/^5\d\d /);
    expect(await c.command('EHLO ok.test', /250 [^\r]*\r\n$/)).toContain('250-');
    c.close();
  });

  it('keeps a message with NUL bytes and dots in its body intact end to end', async () => {
    const body = 'Subject: dots\r\n\r\n.leading dot\r\n..two\r\n.\r\nlast line';
    const r = await python(
      `
import smtplib, poplib
s = smtplib.SMTP('127.0.0.1', P['smtp']); s.sendmail('a@example.com', ['carol@otherdomain.com'], P['body'].encode()); s.quit()
p = poplib.POP3('127.0.0.1', P['pop3']); p.user('carol'); p.pass_('secret')
n = p.stat()[0]
lines = [l.decode() for l in p.retr(n)[1]]
p.quit()
print(json.dumps(lines))
`,
      // carol@otherdomain.com's mail server is mail.otherdomain.com.
      { smtp: lab.port('smtp-otherdomain'), pop3: lab.port('pop3'), body },
    );
    expect(r.stderr).toBe('');
    const lines = JSON.parse(r.stdout) as string[];
    const start = lines.indexOf('Subject: dots');
    expect(lines.slice(start)).toEqual(['Subject: dots', '', '.leading dot', '..two', '.', 'last line']);
  });

  it('refuses a message over the size limit with 552 and stores nothing', async () => {
    const small = await startTestLab({ maxMessageSize: 4096 });
    try {
      const dir = maildirPath(small.dataDir, 'default', 'bob@example.com');
      const before = await listMaildir(dir);
      const c = await RawClient.open(small.port('smtp'));
      await c.until(/^220 /m);
      expect(await c.command('EHLO big.test', /250 [^\r]*\r\n$/)).toContain('SIZE 4096');
      await c.command('MAIL FROM:<a@example.com>', /^250 /m);
      await c.command('RCPT TO:<bob@example.com>', /^250 /m);
      await c.command('DATA', /^354 /m);
      const reply = await c.command(`Subject: big\r\n\r\n${'y'.repeat(100).concat('\r\n').repeat(100)}.`, /\r\n$/);
      expect(reply).toMatch(/^552 5\.3\.4 Message size exceeds fixed limit of 4096 bytes/);
      // The session goes on after 552.
      expect(await c.command('RSET', /\r\n$/)).toMatch(/^250 /);
      c.close();
      expect(await listMaildir(dir)).toEqual(before);
    } finally {
      await small.dispose();
    }
  });
});

describe('restarts and shutdown', () => {
  it('keeps delivered mail across a restart', async () => {
    expect(await sendRaw(lab.port('smtp'), 'a@example.com', 'alice@example.com', 'Subject: durable\r\n\r\nsurvives restarts')).toMatch(/^250 /);
    lab = await lab.restart();
    const r = await python(
      `
import poplib
p = poplib.POP3('127.0.0.1', P['pop3']); p.user('alice@example.com'); p.pass_('secret')
found = any(b'survives restarts' in b'\\n'.join(p.retr(i + 1)[1]) for i in range(p.stat()[0]))
p.quit(); print(json.dumps(found))
`,
      { pop3: lab.port('pop3') },
    );
    expect(r.stdout.trim()).toBe('true');
  });

  it('says goodbye to open sessions (421 / -ERR) and leaves nothing half-written', async () => {
    const other = await startTestLab();
    const smtp = await RawClient.open(other.port('smtp'));
    await smtp.until(/^220 /m);
    await smtp.command('HELO bye.test', /^250 /m);
    const pop = await RawClient.open(other.port('pop3'));
    await pop.until(/^\+OK/);
    await pop.command('USER bob', /^\+OK/);
    await pop.command('PASS secret', /^\+OK/);
    await pop.command('DELE 1', /^\+OK/);
    const dir = maildirPath(other.dataDir, 'default', 'bob@example.com');
    const before = await listMaildir(dir);
    const stopping = other.stop();
    expect(await smtp.until(/\r\n$/)).toMatch(/^421 4\.\d\.\d mail\.example\.com MailLab is shutting down/);
    expect(await pop.until(/\r\n$/)).toMatch(/^-ERR \[SYS\/TEMP\] MailLab is shutting down/);
    await stopping;
    // The marked deletion was not applied: the session did not QUIT.
    const after = await listMaildir(dir);
    expect(after).toEqual(before);
    expect(after.tmp).toEqual([]);
    await other.dispose().catch(() => undefined);
  });
});

describe('many clients at once', () => {
  it('delivers every message of 8 parallel senders exactly once', async () => {
    const dir = inbox('carol@otherdomain.com');
    const before = (await readAllMessages(dir)).length;
    const r = await python(
      `
import smtplib, threading
errors = []
def worker(w):
    try:
        s = smtplib.SMTP('127.0.0.1', P['smtp'])
        for i in range(10):
            s.sendmail('a@example.com', ['carol@otherdomain.com'], ('Subject: load %d-%d\\r\\n\\r\\nbody %d-%d\\r\\n' % (w, i, w, i)).encode())
        s.quit()
    except Exception as e:
        errors.append(str(e))
ts = [threading.Thread(target=worker, args=(w,)) for w in range(8)]
[t.start() for t in ts]; [t.join() for t in ts]
print(json.dumps(errors))
`,
      { smtp: lab.port('smtp-otherdomain') },
    );
    expect(JSON.parse(r.stdout)).toEqual([]);
    const messages = await readAllMessages(dir);
    expect(messages.length).toBe(before + 80);
    const subjects = messages.map((m) => /Subject: (load \d+-\d+)/.exec(m)?.[1]).filter(Boolean);
    expect(new Set(subjects).size).toBe(80);
  });
});
