/**
 * Fault injection, seen by real clients exactly when and as often as it was armed: Python's
 * smtplib on the lab MTAs' port 25, and the lab's own MTA relaying alice@example.com's mail to
 * mail.otherdomain.com (its queue, log and bounces). Every fault is armed through PUT
 * /api/faults as the world page does it, and disarming restores normal service. The queue runs
 * on a manual clock, so greylisting's minutes pass at once. DNS faults are in
 * faults-dns.test.ts, an instructor's faults for a class in faults-classroom.test.ts.
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { python } from '../helpers/clients.js';
import { FIRST_RETRY, useFaultsLab } from '../helpers/faultsLab.js';
import { maildirPath, readAllMessages } from '../helpers/maildir.js';
import { api, submit, type FaultView } from '../helpers/world.js';

const { lab, replace, clock, log, arm, settled } = useFaultsLab();
const armed = async (): Promise<FaultView[]> => (await api<{ faults: FaultView[] }>(lab(), 'GET', '/api/faults')).body.faults;

const carolMessages = () => readAllMessages(maildirPath(lab().dataDir, 'default', 'carol@otherdomain.com'));
const bobMessages = () => readAllMessages(maildirPath(lab().dataDir, 'default', 'bob@example.com'));

/**
 * One smtplib conversation with a port 25: sends each RCPT TO separately and reports every
 * reply (or the exception) as JSON, so a test sees exactly which step got which answer.
 */
async function smtplib(port: string, steps: { rcpts?: string[]; data?: boolean; tls?: boolean } = {}): Promise<Record<string, unknown>> {
  const r = await python(
    `
import smtplib, ssl, time
out = {}
t0 = time.time()
try:
    s = smtplib.SMTP('127.0.0.1', P['port'], timeout=15)
    out['greeting_seconds'] = time.time() - t0
    s.ehlo('client.test')
    if P['tls']:
        ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
        try:
            s.starttls(context=ctx); out['tls'] = 'ok'
        except (ssl.SSLError, OSError) as e:
            out['tls'] = type(e).__name__ + ': ' + str(e)
            raise SystemExit
    out['mail'] = list(s.mail('alice@client.test'))
    out['rcpt'] = [list(s.rcpt(r)) for r in P['rcpts']]
    if P['data']:
        try:
            out['data'] = list(s.data(b'Subject: fault test\\r\\n\\r\\nhello\\r\\n'))
        except smtplib.SMTPResponseException as e:
            out['data'] = [e.smtp_code, e.smtp_error]
    s.quit()
except SystemExit:
    pass
except smtplib.SMTPConnectError as e:
    out['connect'] = [e.smtp_code, e.smtp_error.decode()]
except smtplib.SMTPServerDisconnected as e:
    out['disconnected'] = str(e)
for k, v in list(out.items()):
    if isinstance(v, list):
        out[k] = [[x.decode() if isinstance(x, bytes) else x for x in i] if isinstance(i, list) else (i.decode() if isinstance(i, bytes) else i) for i in v]
print(json.dumps(out))`,
    { port: lab().port(port as 'smtp'), rcpts: steps.rcpts ?? [], data: steps.data ?? false, tls: steps.tls ?? false },
  );
  expect(r.stderr).toBe('');
  return JSON.parse(r.stdout) as Record<string, unknown>;
}

describe('reply codes at a chosen step, when and as often as armed', () => {
  it('RCPT 452 lets the first RCPT pass, refuses the second once, then stops; GET says what happened', async () => {
    const [f] = await arm([{ kind: 'reply', host: 'mail.otherdomain.com', step: 'rcpt', code: 452, fire: { skip: 1, times: 1 } }]);
    expect(f!.does.en).toBe('mail.otherdomain.com answers RCPT TO with 452');
    expect(f!.when.en).toBe('from the 2nd RCPT TO, once');
    expect(f!.when['zh-CN']).toBe('从第 2 次RCPT TO起，触发 1 次');
    const r = await smtplib('smtp-otherdomain', { rcpts: ['carol@otherdomain.com', 'carol@otherdomain.com', 'carol@otherdomain.com'] });
    expect(r.rcpt).toEqual([
      [250, expect.stringMatching(/^2\.1\.5 Accepted/)],
      [452, '4.2.2 <carol@otherdomain.com>: Recipient address rejected: Mailbox full, try again later'],
      [250, expect.stringMatching(/^2\.1\.5 Accepted/)],
    ]);
    expect(await armed()).toMatchObject([{ seen: 3, fired: 1, spent: true }]);
    expect(await log().next(/mail\.otherdomain\.com postfix\/smtpd\[\d+\]: NOQUEUE: reject: RCPT from unknown\[127\.0\.0\.1\]: 452 4\.2\.2/)).toContain(`(lab fault ${f!.id})`);
    // Only the MTA it was armed on misbehaves.
    expect((await smtplib('smtp', { rcpts: ['bob@example.com'] })).rcpt).toEqual([[250, expect.any(String)]]);
  });

  it('greeting 421 and 554 make smtplib fail to connect; disarming restores the 220', async () => {
    await arm([{ kind: 'reply', host: 'mail.example.com', step: 'greeting', code: 421 }]);
    expect((await smtplib('smtp')).connect).toEqual([421, '4.3.2 mail.example.com Service not available, closing transmission channel']);
    await arm([{ kind: 'reply', host: 'mail.example.com', step: 'greeting', code: 554, fire: { times: 1 } }]);
    expect((await smtplib('smtp')).connect).toEqual([554, '5.3.2 mail.example.com No SMTP service here']);
    expect((await smtplib('smtp')).connect).toBeUndefined();
    await arm([]);
    expect((await smtplib('smtp', { rcpts: ['bob@example.com'] })).rcpt).toEqual([[250, expect.any(String)]]);
  });

  it('MAIL 550, DATA 451 and end-of-data 552: nothing is delivered when the final dot is refused', async () => {
    await arm([{ kind: 'reply', host: 'mail.example.com', step: 'mail', code: 550, fire: { times: 1 } }]);
    expect((await smtplib('smtp')).mail).toEqual([550, '5.7.1 <alice@client.test>: Sender address rejected: Access denied']);
    await arm([{ kind: 'reply', host: 'mail.example.com', step: 'data', code: 451, fire: { times: 1 } }]);
    expect((await smtplib('smtp', { rcpts: ['bob@example.com'], data: true })).data).toEqual([451, '4.3.0 Requested action aborted: local error in processing']);
    const before = (await bobMessages()).length;
    await arm([{ kind: 'reply', host: 'mail.example.com', step: 'dot', code: 552, fire: { times: 1 } }]);
    const refused = await smtplib('smtp', { rcpts: ['bob@example.com'], data: true });
    expect(refused.data).toEqual([552, "5.2.2 <bob@example.com>: Mailbox full: the message exceeds the recipient's storage allocation"]);
    expect((await bobMessages()).length).toBe(before);
    // Spent after one firing: the next message goes through.
    expect((await smtplib('smtp', { rcpts: ['bob@example.com'], data: true })).data).toEqual([250, expect.stringMatching(/^2\.0\.0 Ok: queued as [0-9A-F]{10}$/)]);
    expect((await bobMessages()).length).toBe(before + 1);
  });

  it('POST arms one more without resetting the others, DELETE disarms one', async () => {
    await arm([{ kind: 'reply', host: 'mail.example.com', step: 'mail', code: 451 }]);
    expect((await smtplib('smtp')).mail).toEqual([451, expect.stringMatching(/^4\.3\.0 /)]);
    const added = await api<{ faults: FaultView[] }>(lab(), 'POST', '/api/faults', { fault: { kind: 'reply', host: 'mail.example.com', step: 'rcpt', code: 550, fire: { times: 1 } } });
    expect(added.status).toBe(200);
    expect(added.body.faults.map((f) => [f.fired, f.when.en])).toEqual([
      [1, 'from the first MAIL FROM, every time'],
      [0, 'from the first RCPT TO, once'],
    ]);
    const gone = await api<{ faults: FaultView[] }>(lab(), 'DELETE', `/api/faults/${added.body.faults[0]!.id}`);
    expect(gone.body.faults).toHaveLength(1);
    expect((await smtplib('smtp', { rcpts: ['bob@example.com'] })).rcpt).toEqual([[550, expect.stringMatching(/^5\.1\.1 <bob@example\.com>/)]]);
    expect((await api(lab(), 'DELETE', `/api/faults/${added.body.faults[0]!.id}`)).status).toBe(404);
  });

  it('refuses faults it cannot arm, in both languages', async () => {
    const r = await api<{ error: { en: string; 'zh-CN': string } }>(lab(), 'PUT', '/api/faults', { faults: [{ kind: 'reply', host: 'mail.example.com', step: 'rcpt', code: 554 }] });
    expect(r.status).toBe(400);
    expect(r.body.error.en).toBe('Fault 1: At the rcpt step the lab can answer 450, 452, 550, 551, not 554.');
    expect(r.body.error['zh-CN']).toMatch(/第 1 个故障/);
    expect((await api(lab(), 'PUT', '/api/faults', { faults: [{ kind: 'reply', host: 'smtp.gmail.com', step: 'rcpt', code: 450 }] })).status).toBe(400);
    expect(await armed()).toEqual([]);
  });
});

describe('the lab MTA as the client', () => {
  it('greylisting: 450 4.7.1 on the first attempt and on an early retry, delivered by the retry after N minutes', async () => {
    await arm([{ kind: 'greylist', host: 'mail.otherdomain.com', minutes: 2 }]);
    const before = (await carolMessages()).length;
    await submit(lab(), { to: ['carol@otherdomain.com'], subject: 'greylisted' });
    expect(await log().next(/mail\.example\.com postfix\/smtp\[\d+\]: [0-9A-F]{10}: to=<carol@otherdomain\.com>/)).toMatch(
      /dsn=4\.7\.1, status=deferred \(host mail\.otherdomain\.com\[192\.0\.2\.200\] said: 450 4\.7\.1 <carol@otherdomain\.com>: Recipient address rejected: Greylisted, try again in 120 seconds \(in reply to RCPT TO command\)\)/,
    );
    await settled();
    // The queue's retry after one minute is still too early; the next one, two minutes later, gets through.
    clock.advance(FIRST_RETRY);
    expect(await log().next(/mail\.example\.com postfix\/smtp\[\d+\]: [0-9A-F]{10}: to=<carol@otherdomain\.com>/)).toMatch(/status=deferred .*Greylisted, try again in 60 seconds/);
    await settled();
    clock.advance(2 * FIRST_RETRY);
    expect(await log().next(/mail\.example\.com postfix\/smtp\[\d+\]: [0-9A-F]{10}: to=<carol@otherdomain\.com>/)).toMatch(/status=sent/);
    expect((await carolMessages()).length).toBe(before + 1);
  });

  it('a connection dropped before the final dot: deferred, nothing delivered, then exactly one copy after the retry', async () => {
    await arm([{ kind: 'drop', host: 'mail.otherdomain.com', step: 'body', fire: { times: 1 } }]);
    const before = (await carolMessages()).length;
    await submit(lab(), { to: ['carol@otherdomain.com'], subject: 'cut off' });
    expect(await log().next(/mail\.example\.com postfix\/smtp\[\d+\]: [0-9A-F]{10}: to=<carol@otherdomain\.com>/)).toMatch(
      /dsn=4\.4\.2, status=deferred \(lost connection with mail\.otherdomain\.com\[192\.0\.2\.200\] while sending message body\)/,
    );
    await settled();
    expect((await carolMessages()).length).toBe(before);
    clock.advance(FIRST_RETRY);
    expect(await log().next(/mail\.example\.com postfix\/smtp\[\d+\]: [0-9A-F]{10}: to=<carol@otherdomain\.com>/)).toMatch(/status=sent/);
    expect((await carolMessages()).filter((m) => m.includes('Subject: cut off'))).toHaveLength(1);
  });

  it('a TLS handshake that fails after STARTTLS: smtplib gets an SSL error; the lab MTA retries without TLS and delivers', async () => {
    await arm([{ kind: 'tls-fail', host: 'mail.otherdomain.com' }]);
    expect((await smtplib('smtp-otherdomain', { tls: true })).tls).toMatch(/^SSLError: .*(HANDSHAKE_FAILURE|handshake failure)/i);
    await submit(lab(), { to: ['carol@otherdomain.com'], subject: 'downgraded' });
    await log().next(/mail\.example\.com postfix\/smtp\[\d+\]: warning: TLS handshake with mail\.otherdomain\.com\[192\.0\.2\.200\]:25 failed/);
    await log().next(/Cannot start TLS: handshake failure; trying mail\.otherdomain\.com\[192\.0\.2\.200\]:25 again without TLS/);
    expect(await log().next(/mail\.example\.com postfix\/smtp\[\d+\]: [0-9A-F]{10}: to=<carol@otherdomain\.com>/)).toMatch(/status=sent/);
    const copy = (await carolMessages()).find((m) => m.includes('Subject: downgraded'))!;
    // The relay hop went in clear text: ESMTP, not ESMTPS.
    expect(copy).toMatch(/Received: from mail\.example\.com \(mail\.example\.com \[192\.0\.2\.100\]\)\n\tby mail\.otherdomain\.com \(MailLab\) with ESMTP id/);
  });

  it("a 552 armed after the final dot bounces to the sender: an RFC 3464 report Python's email package takes apart", async () => {
    await arm([{ kind: 'reply', host: 'mail.otherdomain.com', step: 'dot', code: 552, fire: { times: 1 } }]);
    const aliceBox = maildirPath(lab().dataDir, 'default', 'alice@example.com');
    const before = (await readAllMessages(aliceBox)).length;
    await submit(lab(), { to: ['carol@otherdomain.com'], subject: 'too big for carol' });
    expect(await log().next(/mail\.example\.com postfix\/smtp\[\d+\]: [0-9A-F]{10}: to=<carol@otherdomain\.com>/)).toMatch(
      /dsn=5\.2\.2, status=bounced \(host mail\.otherdomain\.com\[192\.0\.2\.200\] said: 552 5\.2\.2 .* \(in reply to end of DATA command\)\)/,
    );
    await log().next(/postfix\/bounce\[\d+\]: [0-9A-F]{10}: sender non-delivery notification: [0-9A-F]{10}/);
    await settled();
    const bounces = (await readAllMessages(aliceBox)).slice(before).filter((m) => m.includes('too big for carol'));
    expect(bounces).toHaveLength(1);
    const parsed = await python(
      `
import email
msg = email.message_from_string(P['message'])
status = [p for p in msg.walk() if p.get_content_type() == 'message/delivery-status'][0]
fields = status.get_payload()  # the per-message block, then one block per recipient
returned = [p for p in msg.walk() if p.get_content_type() == 'message/rfc822'][0].get_payload()[0]
print(json.dumps({'type': msg.get_content_type(), 'report': msg.get_param('report-type'), 'to': msg['To'],
  'reporting': fields[0]['Reporting-MTA'], 'final': fields[1]['Final-Recipient'], 'action': fields[1]['Action'],
  'status': fields[1]['Status'], 'remote': fields[1]['Remote-MTA'], 'diagnostic': fields[1]['Diagnostic-Code'],
  'subject': returned['Subject']}))`,
      { message: bounces[0] },
    );
    expect(parsed.stderr).toBe('');
    expect(JSON.parse(parsed.stdout)).toMatchObject({
      type: 'multipart/report',
      report: 'delivery-status',
      to: expect.stringContaining('alice@example.com'),
      reporting: 'dns; mail.example.com',
      final: 'rfc822; carol@otherdomain.com',
      action: 'failed',
      status: '5.2.2',
      remote: 'dns; mail.otherdomain.com',
      diagnostic: expect.stringMatching(/^smtp; 552 5\.2\.2 /),
      subject: 'too big for carol',
    });
    expect((await carolMessages()).some((m) => m.includes('too big for carol'))).toBe(false);
  });

  it('a delay before the greeting is felt by smtplib, and the greeting then comes as usual', async () => {
    await arm([{ kind: 'delay', host: 'mail.example.com', step: 'greeting', seconds: 2, fire: { times: 1 } }]);
    const slow = await smtplib('smtp', { rcpts: ['bob@example.com'] });
    expect(slow.greeting_seconds).toBeGreaterThanOrEqual(1.9);
    expect(slow.rcpt).toEqual([[250, expect.any(String)]]);
    expect((await smtplib('smtp')).greeting_seconds).toBeLessThan(1);
  });
});


describe('a reset while faults are being saved', () => {
  it('a save of the world before the reset is dropped: neither faults nor queued mail come back', async () => {
    await arm([{ kind: 'reply', host: 'mail.otherdomain.com', step: 'rcpt', code: 452 }]);
    const sandbox = await lab().sandboxes.get('default');
    // What a request or an SMTP session holds when the learner presses "reset".
    const board = await lab().world.faults(sandbox);
    const mta = await lab().world.mta(sandbox, 'example.com');
    await lab().sandboxes.reset('default');

    // They go on writing afterwards: a fault fires (its counters are saved), one more is armed,
    // a message is queued.
    expect(board.smtp({ host: 'mail.otherdomain.com', step: 'rcpt', client: '127.0.0.1', recipient: 'carol@otherdomain.com' }).action).toMatchObject({ code: 452 });
    await board.add('learner', { spec: { kind: 'reply', host: 'mail.example.com', step: 'mail', code: 451 }, fire: { skip: 0, times: null } });
    await board.flushed();
    await mta.enqueue('alice@example.com', ['carol@otherdomain.com'], Buffer.from('Subject: from before the reset\r\n\r\nhi\r\n'));

    const files = await readdir(join(lab().dataDir, 'sandboxes', 'default'), { recursive: true });
    expect(files.filter((f) => String(f).startsWith('faults.json') || String(f).startsWith('queue'))).toEqual([]);
    expect(await armed()).toEqual([]);
    // After a restart too, nothing is armed and nothing is sent.
    replace(await lab().restart());
    expect(await armed()).toEqual([]);
    expect((await lab().world.mtas(await lab().sandboxes.get('default'))).flatMap((m) => m.list())).toEqual([]);
    expect((await smtplib('smtp-otherdomain', { rcpts: ['carol@otherdomain.com'] })).rcpt).toEqual([[250, expect.any(String)]]);
  });
});
