/**
 * The SMTP listeners and the MTA against careless and hostile clients: messages without a
 * header, floods of recipients, and what the lab then relays and bounces, many big messages
 * held open at once, small messages with hundreds of DKIM signatures, AUTH on port 25, a
 * message just under the size limit, control characters bound for the mail log, a header
 * folded into thousands of lines. Driven by Python's smtplib (and its email package to
 * read what was delivered) and raw sockets.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBystander, unhurt } from '../helpers/bystander.js';
import { python } from '../helpers/clients.js';
import { startTestLab, type TestLab } from '../helpers/lab.js';
import { listMaildir, maildirPath, readAllMessages } from '../helpers/maildir.js';
import { RawClient } from '../helpers/rawSocket.js';
import { readMtaLog } from '../../lab-server/src/world/mailLogFiles.js';

/** Recipients a message may have (smtp/policy.ts). */
const MAX_RECIPIENTS = 100;

let lab: TestLab;
beforeAll(async () => {
  lab = await startTestLab();
});
afterAll(async () => {
  await lab?.dispose();
});

/** Waits until no delivery attempt is running in the default sandbox. */
async function settled(): Promise<void> {
  for (const mta of await lab.world.mtas(await lab.sandboxes.get('default'))) await mta.idle();
}

describe('a message typed without a header', () => {
  it('is delivered on 587 (signed, relayed) and on 25 with its lines as the body, not as broken header fields', async () => {
    const folders = [maildirPath(lab.dataDir, 'default', 'bob@example.com'), maildirPath(lab.dataDir, 'default', 'carol@otherdomain.com')];
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
      { submission: lab.port('submission'), mx: lab.port('smtp') },
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
      { port: lab.port('smtp') },
    );
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout)).toBe(250);
    await settled();
    const lines = await readMtaLog(await lab.sandboxes.get('default'), 'mail.example.com');
    const cleanup = lines.filter((l) => l.includes('message-id=<log'));
    expect(cleanup).toHaveLength(1);
    // ESC, BEL, NUL, DEL and the C1 CSI (U+009B) are each one "?"; the UTF-8 name stays.
    expect(cleanup[0]).toMatch(/message-id=<log\?\[2J\?\]0;owned\?\?\?\?6n\.邮件@client\.test>$/);
    for (const line of lines) expect(line).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/);
  });
});

describe('a header folded into thousands of lines', () => {
  it('is refused with 552 on 25 and 587 before DKIM sees it (one field of more than 1,000 lines, or more than 10,000 in all), a field of 1,000 lines is signed and delivered, the learner next door unhurt', async () => {
    const learner = await RawClient.open(lab.port('smtp'));
    await learner.until(/^220 /m);
    const watch = startBystander(async () => {
      await learner.command('NOOP', /^250 /m, 2000);
    });
    const bob = maildirPath(lab.dataDir, 'default', 'bob@example.com');
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
      { mx: lab.port('smtp'), submission: lab.port('submission') },
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
      { port: lab.port('smtp') },
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
    const learner = await RawClient.open(lab.port('smtp'));
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
      { port: lab.port('smtp') },
      60_000,
    );
    const report = await watch.stop();
    learner.close();
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout)).toEqual([250, 250]);
    expect(unhurt(report)).toEqual([]);
  }, 60_000);
});

describe('a flood of recipients', () => {
  it('is cut off at the recipient limit on 587 with 452 4.5.3, and the bounce for made-up addresses stays small', async () => {
    const r = await python(
      `
import smtplib, ssl
ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
s = smtplib.SMTP('127.0.0.1', P['port'], timeout=20)
s.starttls(context=ctx); s.login('alice@example.com', 'secret')
s.mail('alice@example.com')
replies = [list(s.rcpt('nobody%d@otherdomain.com' % i)) for i in range(P['count'])]
code, msg = s.data(b'Subject: to everyone\\r\\n\\r\\nhello\\r\\n')
s.quit()
print(json.dumps({'rcpt': [[c, m.decode()] for c, m in replies], 'data': [code, msg.decode()]}))
`,
      { port: lab.port('submission'), count: MAX_RECIPIENTS + 20 },
      60_000,
    );
    expect(r.stderr).toBe('');
    const out = JSON.parse(r.stdout) as { rcpt: Array<[number, string]>; data: [number, string] };
    expect(out.rcpt.slice(0, MAX_RECIPIENTS).every(([code]) => code === 250)).toBe(true);
    for (const [code, text] of out.rcpt.slice(MAX_RECIPIENTS)) {
      expect(code).toBe(452);
      expect(text).toMatch(new RegExp(`^4\\.5\\.3 Too many recipients: .*at most ${MAX_RECIPIENTS}\\. Send DATA now`));
    }
    expect(out.data[0]).toBe(250);
    // mail.otherdomain.com refuses every made-up user; alice gets one bounce naming the accepted ones only.
    await settled();
    const bounces = (await readAllMessages(maildirPath(lab.dataDir, 'default', 'alice@example.com'))).filter((m) => m.includes('Undelivered Mail Returned to Sender'));
    expect(bounces).toHaveLength(1);
    expect(bounces[0]!.match(/^Final-Recipient: /gm)).toHaveLength(MAX_RECIPIENTS);
    expect(bounces[0]).not.toContain(`nobody${MAX_RECIPIENTS}@otherdomain.com`);
  });
});

describe('many big messages held open at once', () => {
  const MB = 1024 * 1024;
  let small: TestLab;
  beforeAll(async () => {
    small = await startTestLab({ limits: { mailDataBytes: 12 * MB, mailDataBytesPerAddress: 8 * MB } });
  });
  afterAll(async () => {
    await small?.dispose();
  });

  it('are refused past the memory budget of their address with 452 4.3.1, give it back, and the learner next door still sends', async () => {
    const r = await python(
      `
import socket, smtplib, time
def open_data(n):
    s = socket.create_connection(('127.0.0.1', P['port']), timeout=20, source_address=('127.0.0.2', 0))
    f = s.makefile('rb')
    f.readline()
    s.sendall(b'HELO attacker\\r\\nMAIL FROM:<x@otherdomain.com>\\r\\nRCPT TO:<bob@example.com>\\r\\nDATA\\r\\n')
    for _ in range(4): f.readline()  # HELO, MAIL, RCPT, DATA
    s.sendall(b'Subject: big %d\\r\\n\\r\\n' % n + (b'y' * 1022 + b'\\r\\n') * 3 * 1024)
    time.sleep(0.5)  # read by the server before the next one starts
    return s, f
def finish(held):
    s, f = held
    s.sendall(b'.\\r\\n')
    line = f.readline().decode().strip()
    s.close()
    return line
out = {}
# 3 MB messages from one address, none finished: one is abandoned half-way (its share comes
# back), two more fit in the address's 8 MB, the last does not.
held = [open_data(0)]
gone, _ = open_data(1); gone.shutdown(socket.SHUT_RDWR); gone.close()
time.sleep(0.5)
held += [open_data(2), open_data(3)]
# A learner at another address sends 2 MB meanwhile.
l = smtplib.SMTP('127.0.0.1', P['port'], timeout=20)
l.ehlo('learner'); l.mail('carol@otherdomain.com'); l.rcpt('bob@example.com')
out['learner'] = list(l.data(b'Subject: neighbour\\r\\n\\r\\n' + b'z' * 2 * 1024 * 1024))
l.quit()
out['attacker'] = [finish(h) for h in held]
# Everything was given back: the same address sends a 3 MB message again.
out['again'] = finish(open_data(5))
out['learner'][1] = out['learner'][1].decode()
print(json.dumps(out))
`,
      { port: small.port('smtp') },
      60_000,
    );
    expect(r.stderr).toBe('');
    const out = JSON.parse(r.stdout) as { learner: [number, string]; attacker: string[]; again: string };
    expect(out.learner[0]).toBe(250);
    expect(out.attacker.map((line) => line.slice(0, 4))).toEqual(['250 ', '250 ', '452 ']);
    expect(out.attacker[2]).toBe('452 4.3.1 Insufficient system storage: too much mail is being received from your address at once. Send this message again in a minute');
    expect(out.again).toMatch(/^250 /);
    const subjects = (await readAllMessages(maildirPath(small.dataDir, 'default', 'bob@example.com'))).map((m) => /^Subject: (.*)$/m.exec(m)?.[1]).filter((x) => /^(big \d|neighbour)$/.test(x ?? ''));
    expect(subjects.sort()).toEqual(['big 0', 'big 2', 'big 5', 'neighbour'].sort());
  }, 60_000);
});

describe('a message just under the size limit', () => {
  const LIMIT = 100_000;
  let sized: TestLab;
  beforeAll(async () => {
    sized = await startTestLab({ maxMessageSize: LIMIT });
  });
  afterAll(async () => {
    await sized?.dispose();
  });

  it('is refused on 587 with 552 when the headers the server adds take it over, instead of being accepted and bounced by the next hop', async () => {
    const r = await python(
      `
import smtplib, ssl
ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
s = smtplib.SMTP('127.0.0.1', P['port'], timeout=20)
s.starttls(context=ctx); s.login('alice@example.com', 'secret')
out = []
for subject, room in (('over with headers', 200), ('fits with headers', 3000)):
    head = b'Subject: ' + subject.encode() + b'\\r\\n\\r\\n'
    body = head + b'x' * (P['limit'] - room - len(head) - 2) + b'\\r\\n'
    s.mail('alice@example.com', ['SIZE=%d' % len(body)]); s.rcpt('carol@otherdomain.com')
    try:
        out.append(list(s.data(body)))
    except smtplib.SMTPException as e:
        out.append([e.smtp_code, e.smtp_error])
s.quit()
print(json.dumps([[c, m.decode()] for c, m in out]))
`,
      { port: sized.port('submission'), limit: LIMIT },
      30_000,
    );
    expect(r.stderr).toBe('');
    const [over, fits] = JSON.parse(r.stdout) as [[number, string], [number, string]];
    expect(over[0]).toBe(552);
    expect(over[1]).toMatch(/^5\.3\.4 Message size exceeds fixed limit of 100000 bytes once this server's headers .* are added \(\d+ bytes\)\. Send a smaller message\.$/);
    expect(fits[0]).toBe(250);
    for (const mta of await sized.world.mtas(await sized.sandboxes.get('default'))) await mta.idle();
    const carol = await readAllMessages(maildirPath(sized.dataDir, 'default', 'carol@otherdomain.com'));
    expect(carol.filter((m) => m.includes('Subject: fits with headers'))).toHaveLength(1);
    expect(carol.filter((m) => m.includes('Subject: over with headers'))).toHaveLength(0);
    const alice = await readAllMessages(maildirPath(sized.dataDir, 'default', 'alice@example.com'));
    expect(alice.filter((m) => m.includes('Undelivered Mail Returned to Sender'))).toHaveLength(0);
  });
});
