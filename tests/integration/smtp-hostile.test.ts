/**
 * The SMTP listeners and the MTA against careless and hostile clients: messages without a
 * header, and what the lab then relays, small messages with hundreds of DKIM signatures, AUTH
 * on port 25, control characters bound for the mail log, a header folded into thousands of
 * lines. Driven by Python's smtplib (and its email package to read what was delivered) and raw
 * sockets. The limits on recipients, memory and size are in smtp-limits.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { startBystander, unhurt } from '../helpers/bystander.js';
import { python } from '../helpers/clients.js';
import { useLabFile } from '../helpers/labFile.js';
import { listMaildir, maildirPath, readAllMessages } from '../helpers/maildir.js';
import { RawClient } from '../helpers/rawSocket.js';
import { mtasSettled } from '../helpers/world.js';
import { readMtaLog } from '../../lab-server/src/world/mailLogFiles.js';

const { lab } = useLabFile();

const settled = (): Promise<void> => mtasSettled(lab());

describe('a message typed without a header', () => {
  it('is delivered on 587 (signed, relayed) and on 25 with its lines as the body, not as broken header fields', async () => {
    const folders = [maildirPath(lab().dataDir, 'default', 'bob@example.com'), maildirPath(lab().dataDir, 'default', 'carol@otherdomain.com')];
    const before = (await Promise.all(folders.map(listMaildir))).flatMap((l) => l.new);
    const r = await python(
      `
import smtplib, ssl, email, email.policy, glob, os
ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
out = {}
s = smtplib.SMTP('127.0.0.1', P['submission'], timeout=20)
s.starttls(context=ctx); s.login('alice@example.com', 'secret')
# What a learner types after DATA: a line of text, or a Subject: and nothing else, then ".".
s.mail('alice@example.com'); s.rcpt('bob@example.com'); s.rcpt('carol@otherdomain.com')
out['587 text'] = list(s.data(b'hello bob, no headers here'))
s.mail('alice@example.com'); s.rcpt('bob@example.com')
out['587 subject only'] = list(s.data(b'Subject: only a subject'))
s.quit()
s = smtplib.SMTP('127.0.0.1', P['mx'], timeout=20); s.ehlo('client.test')
s.mail('someone@otherdomain.com'); s.rcpt('bob@example.com')
out['25 text'] = list(s.data(b'hello from port 25\\r\\nsecond line'))
s.quit()
print(json.dumps({k: [c, m.decode()] for k, (c, m) in out.items()}))
`,
      { submission: lab().port('submission'), mx: lab().port('smtp') },
      30_000,
    );
    expect(r.stderr).toBe('');
    const replies = JSON.parse(r.stdout) as Record<string, [number, string]>;
    for (const [what, [code]] of Object.entries(replies)) expect(`${what}: ${code}`).toBe(`${what}: 250`);
    await settled();
    const read = await python(
      `
import email, email.policy, glob, os
out = []
for folder in P['folders']:
    for path in sorted(glob.glob(os.path.join(folder, 'new', '*'))):
        if os.path.basename(path) in P['before']: continue
        m = email.message_from_binary_file(open(path, 'rb'), policy=email.policy.default)
        out.append({'from': m['From'], 'subject': m['Subject'], 'dkim': m['DKIM-Signature'] is not None, 'body': m.get_content().strip(), 'defects': len(m.defects)})
print(json.dumps(out))
`,
      { folders, before },
    );
    expect(read.stderr).toBe('');
    const got = JSON.parse(read.stdout) as Array<{ from: string | null; subject: string | null; dkim: boolean; body: string; defects: number }>;
    const bodies = got.map((m) => m.body).sort();
    expect(bodies).toEqual(['', 'hello bob, no headers here', 'hello bob, no headers here', 'hello from port 25\nsecond line'].sort());
    for (const m of got) expect(m.defects).toBe(0);
    // Submitted mail got its From: and the MTA's signature; carol's copy came by the relay.
    for (const m of got.filter((x) => x.body !== 'hello from port 25\nsecond line')) {
      expect(m.from).toBe('alice@example.com');
      expect(m.dkim).toBe(true);
    }
    expect(got.find((m) => m.body === '')!.subject).toBe('only a subject');
  });
});

describe('control characters a client puts in a Message-ID', () => {
  it('reach the mail log as "?", as Postfix prints them, so they cannot forge a line or drive a terminal', async () => {
    const r = await python(
      `
import smtplib
s = smtplib.SMTP('127.0.0.1', P['port'], timeout=20); s.ehlo('client.test')
msg = b'Message-ID: <log\\x1b[2J\\x1b]0;owned\\x07\\x00\\x7f\\xc2\\x9b6n.\\xe9\\x82\\xae\\xe4\\xbb\\xb6@client.test>\\r\\nSubject: log injection\\r\\n\\r\\nbody\\r\\n'
s.mail('x@otherdomain.com'); s.rcpt('bob@example.com'); code = s.data(msg)[0]
s.quit()
print(json.dumps(code))
`,
      { port: lab().port('smtp') },
    );
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout)).toBe(250);
    await settled();
    const lines = await readMtaLog(await lab().sandboxes.get('default'), 'mail.example.com');
    const cleanup = lines.filter((l) => l.includes('message-id=<log'));
    expect(cleanup).toHaveLength(1);
    // ESC, BEL, NUL, DEL and the C1 CSI (U+009B) are each one "?"; the UTF-8 name stays.
    expect(cleanup[0]).toMatch(/message-id=<log\?\[2J\?\]0;owned\?\?\?\?6n\.邮件@client\.test>$/);
    for (const line of lines) expect(line).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/);
  });
});

describe('a header folded into thousands of lines', () => {
  it('is refused with 552 on 25 and 587 before DKIM sees it (one field of more than 1,000 lines, or more than 10,000 in all), a field of 1,000 lines is signed and delivered, the learner next door unhurt', async () => {
    const learner = await RawClient.open(lab().port('smtp'));
    await learner.until(/^220 /m);
    const watch = startBystander(async () => {
      await learner.command('NOOP', /^250 /m, 2000);
    });
    const bob = maildirPath(lab().dataDir, 'default', 'bob@example.com');
    const before = (await readAllMessages(bob)).length;
    const r = await python(
      `
import smtplib, ssl
ctx = ssl._create_unverified_context()
def field(name, lines): return name.encode() + b': folded\\r\\n' + b' x\\r\\n' * (lines - 1)
def message(*fields): return b''.join(fields) + b'From: <alice@example.com>\\r\\n\\r\\nbody\\r\\n'
cases = [
  ('mx', message(field('Subject', 50000))),
  ('submission', message(field('Subject', 50000))),
  ('submission', message(field('Subject', 1001))),
  ('mx', message(*[field('X-Fold-%d' % i, 1000) for i in range(11)])),
  ('submission', message(field('Subject', 1000))),
]
out = []
for port, data in cases:
  s = smtplib.SMTP('127.0.0.1', P[port], timeout=60); s.ehlo('client.test')
  if port == 'submission': s.starttls(context=ctx); s.login('alice@example.com', 'secret'); s.mail('alice@example.com')
  else: s.mail('x@otherdomain.com')
  s.rcpt('bob@example.com')
  try: out.append(list(s.data(data)))
  except smtplib.SMTPDataError as e: out.append([e.smtp_code, e.smtp_error])
  s.quit()
print(json.dumps([[c, m.decode()] for c, m in out]))
`,
      { mx: lab().port('smtp'), submission: lab().port('submission') },
      90_000,
    );
    const report = await watch.stop();
    learner.close();
    expect(r.stderr).toBe('');
    const replies = JSON.parse(r.stdout) as Array<[number, string]>;
    const field = '5.3.4 Message header too large: the Subject: field is folded into more than 1000 lines. Send the message with shorter header fields';
    expect(replies.slice(0, 4)).toEqual([
      [552, field],
      [552, field],
      [552, field],
      [552, '5.3.4 Message header too large: more than 10000 lines before the empty line that ends it. Send the message with a shorter header'],
    ]);
    expect(replies[4]![0]).toBe(250);
    expect(unhurt(report)).toEqual([]);
    await settled();
    const delivered = await readAllMessages(bob);
    expect(delivered).toHaveLength(before + 1);
    // The one delivered: signed on 587, its Subject whole (its first line and 999 continuation lines).
    const signed = delivered.find((m) => /^Subject: folded\r?\n x\r?$/m.test(m));
    expect(signed).toMatch(/^DKIM-Signature: /m);
    expect(/^Subject: folded\r?\n((?: x\r?\n)*)/m.exec(signed!)![1]!.match(/ x/g)).toHaveLength(999);
  }, 90_000);
});

describe('a login typed on port 25', () => {
  it('is told that port 25 takes no AUTH and where a login works, in Postfix\'s words, and the session goes on', async () => {
    const r = await python(
      `
import smtplib
s = smtplib.SMTP('127.0.0.1', P['port'], timeout=10); s.ehlo('client.test')
out = [s.docmd('AUTH', 'PLAIN AGFsaWNlQGV4YW1wbGUuY29tAHNlY3JldA=='), s.docmd('AUTH LOGIN'), s.docmd('NOOP')]
s.quit()
print(json.dumps([[c, m.decode()] for c, m in out]))
`,
      { port: lab().port('smtp') },
    );
    expect(r.stderr).toBe('');
    const [plain, login, noop] = JSON.parse(r.stdout) as [[number, string], [number, string], [number, string]];
    for (const reply of [plain, login]) {
      expect(reply[0]).toBe(503);
      expect(reply[1]).toMatch(/^5\.5\.1 Error: authentication not enabled\. Port 25 .* use the submission port 587 \(STARTTLS, then AUTH\) or 465$/);
    }
    expect(noop[0]).toBe(250);
  });
});

describe('hundreds of DKIM signatures on a small message', () => {
  it('are checked off the event loop: port 25 takes two such messages while the learner next door is not held up', async () => {
    const learner = await RawClient.open(lab().port('smtp'));
    await learner.until(/^220 /m);
    const watch = startBystander(async () => {
      await learner.command('NOOP', /^250 /m, 2000);
    });
    // Each signature asks for a key and a body hash of its own (a different l=): 100 passes
    // over 6,000 short lines with trailing spaces (relaxed canonicalisation's slowest case).
    const r = await python(
      `
import smtplib
sigs = b''.join(b'DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; l=%d; d=example.com; s=k%d; h=from; bh=AA; b=AA\\r\\n' % (n, n) for n in range(100))
msg = sigs + b'From: <x@otherdomain.com>\\r\\nSubject: signed many times\\r\\n\\r\\n' + b'z \\r\\n' * 6000
assert len(msg) < 64 * 1024
s = smtplib.SMTP('127.0.0.1', P['port'], timeout=30); s.ehlo('client.test')
codes = []
for _ in range(2):
    s.mail('x@otherdomain.com'); s.rcpt('bob@example.com'); codes.append(s.data(msg)[0])
s.quit()
print(json.dumps(codes))
`,
      { port: lab().port('smtp') },
      60_000,
    );
    const report = await watch.stop();
    learner.close();
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout)).toEqual([250, 250]);
    expect(unhurt(report)).toEqual([]);
  }, 60_000);
});

