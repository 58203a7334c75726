/**
 * Password guessing on the mail ports, with Python's own clients: AUTH PLAIN failures on 587
 * are answered slowly and the connection is dropped after three, logged once, while a learner
 * keeps working on the same port; IMAP and POP3 close after three wrong passwords too. (The
 * penalty per address, across connections, is mail-auth-penalty.test.ts.)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { unhurt } from '../helpers/bystander.js';
import { python } from '../helpers/clients.js';
import { startTestLab, type TestLab } from '../helpers/lab.js';
import { learnerOn } from '../helpers/mailLearner.js';

const logLines: string[] = [];
let lab: TestLab;

beforeAll(async () => {
  lab = await startTestLab({
    log: (component, message) => logLines.push(`${component}: ${message}`),
    limits: {
      mailAuthFailureDelayMs: 300,
      // The per-connection rules alone here; the per-address penalty has its own test.
      mailAuthFreeFailures: 1000,
    },
  });
});
afterAll(async () => {
  await lab?.dispose();
});

describe('password guessing on the mail ports', () => {
  it('answers AUTH PLAIN failures on 587 slowly and drops the connection after three, logging them once, while a learner works on the same port', async () => {
    const learner = await learnerOn(lab.services.find((s) => s.id === 'submission')!);
    const r = await python(
      `
import smtplib, ssl, time, json
def connect():
    s = smtplib.SMTP('127.0.0.1', P['port'], source_address=('127.0.0.2', 0))
    s.starttls(context=ssl._create_unverified_context()); s.ehlo()
    return s
# The loop of the report, reconnecting whenever it is thrown out: five connections.
again = []
for n in range(5):
    s = connect()
    for i in range(10):
        try:
            s.user, s.password = 'alice@example.com', 'again%d.%d' % (n, i)
            s.auth('PLAIN', s.auth_plain)
            again.append('in')
        except smtplib.SMTPAuthenticationError as e:
            again.append(e.smtp_code)
        except smtplib.SMTPServerDisconnected:
            again.append('disconnected'); break
out = []
s = connect()
started = time.time()
for i in range(10):
    try:
        s.user, s.password = 'alice@example.com', 'guess%d' % i
        s.auth('PLAIN', s.auth_plain)
        out.append('in')
    except smtplib.SMTPAuthenticationError as e:
        out.append(e.smtp_code if e.smtp_code == 535 else '%d %s' % (e.smtp_code, e.smtp_error.decode()))
        if e.smtp_code != 535: break
    except smtplib.SMTPServerDisconnected:
        out.append('disconnected'); break
    except smtplib.SMTPResponseException as e:
        out.append('%d %s' % (e.smtp_code, e.smtp_error.decode())); break
print(json.dumps({'tries': out, 'seconds': time.time() - started, 'again': again}))
`,
      { port: lab.port('submission') },
    );
    const report = await learner.stop();
    const result = JSON.parse(r.stdout) as { tries: Array<number | string>; seconds: number; again: Array<number | string> };
    expect(result.tries.slice(0, 2)).toEqual([535, 535]);
    expect(String(result.tries[2])).toMatch(/^421 4\.7\.0 Too many failed logins/);
    expect(result.tries).toHaveLength(3);
    expect(result.seconds).toBeGreaterThanOrEqual(0.85);
    // Each connection: two 535s, then 421 and out; never a success.
    expect(result.again).toEqual(Array(5).fill([535, 535, 421, 'disconnected']).flat());
    // Eighteen wrong passwords, one log line (the rest are summarised a minute later).
    expect(logLines.filter((l) => l.includes('authentication failed') && l.includes('127.0.0.2'))).toHaveLength(1);
    expect(unhurt(report)).toEqual([]);
  }, 30_000);

  it('closes IMAP and POP3 connections after three wrong passwords too', async () => {
    const r = await python(
      `
import imaplib, poplib, json
out = {}
m = imaplib.IMAP4('127.0.0.1', P['imap'])
tries = []
for i in range(5):
    try:
        m.login('alice@example.com', 'guess%d' % i); tries.append('in')
    except imaplib.IMAP4.abort as e:
        tries.append('bye'); break
    except imaplib.IMAP4.error as e:
        tries.append('no')
out['imap'] = tries
p = poplib.POP3('127.0.0.1', P['pop3'])
tries = []
for i in range(5):
    try:
        p.user('alice@example.com'); p.pass_('guess%d' % i); tries.append('in')
    except poplib.error_proto as e:
        a = e.args[0]
        tries.append((a.decode() if isinstance(a, bytes) else a)[:60])
    except (EOFError, OSError):
        tries.append('closed'); break
out['pop3'] = tries
print(json.dumps(out))
`,
      { imap: lab.port('imap'), pop3: lab.port('pop3') },
    );
    expect(r.stderr).toBe('');
    const out = JSON.parse(r.stdout) as { imap: string[]; pop3: string[] };
    expect(out.imap.slice(0, 3)).toEqual(['no', 'no', 'no']);
    expect(out.imap[3]).toBe('bye');
    expect(out.pop3.slice(0, 3).every((t) => t.startsWith('-ERR [AUTH] Wrong user name or password'))).toBe(true);
    expect(out.pop3[3]).toMatch(/^-ERR \[SYS\/TEMP\] Too many wrong passwords|^-ERR EOF/);
  });
});
