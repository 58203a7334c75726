/**
 * The SMTP listeners' limits against clients that push them, with Python's smtplib: a flood of
 * recipients is cut off at the limit and the bounce for made-up addresses stays small; many big
 * messages held open at once are refused past their address's memory budget, which comes back;
 * a message just under the size limit is refused when the server's own headers take it over.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { python } from '../helpers/clients.js';
import { startTestLab, type TestLab } from '../helpers/lab.js';
import { useLabFile } from '../helpers/labFile.js';
import { maildirPath, readAllMessages } from '../helpers/maildir.js';
import { mtasSettled } from '../helpers/world.js';

/** Recipients a message may have (smtp/policy.ts). */
const MAX_RECIPIENTS = 100;

const { lab } = useLabFile();

const settled = (): Promise<void> => mtasSettled(lab());

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
      { port: lab().port('submission'), count: MAX_RECIPIENTS + 20 },
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
    const bounces = (await readAllMessages(maildirPath(lab().dataDir, 'default', 'alice@example.com'))).filter((m) => m.includes('Undelivered Mail Returned to Sender'));
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
    await mtasSettled(sized);
    const carol = await readAllMessages(maildirPath(sized.dataDir, 'default', 'carol@otherdomain.com'));
    expect(carol.filter((m) => m.includes('Subject: fits with headers'))).toHaveLength(1);
    expect(carol.filter((m) => m.includes('Subject: over with headers'))).toHaveLength(0);
    const alice = await readAllMessages(maildirPath(sized.dataDir, 'default', 'alice@example.com'));
    expect(alice.filter((m) => m.includes('Undelivered Mail Returned to Sender'))).toHaveLength(0);
  });
});
