/**
 * Disk quotas (issue 12, the "ten 9 MB messages" row, and the quota on every path that
 * writes): port 25 from outside fills the shared default world until it answers 452 4.2.2,
 * while a learner in their own sandbox keeps working; IMAP APPEND and COPY get NO [OVERQUOTA]
 * and the QUOTA extension shows why; a message bigger than the whole quota gets 552 5.2.2.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { python } from '../helpers/clients.js';
import { makeClass } from '../helpers/classroom.js';
import { startTestLab, type TestLab } from '../helpers/lab.js';
import { listMaildir, maildirPath, readAllMessages } from '../helpers/maildir.js';
import { neighbourProblems, terminalNeighbour, watchEventLoop } from '../helpers/neighbour.js';
import { RawClient } from '../helpers/rawSocket.js';
import { measureSandbox } from '../../lab-server/src/quota/scan.js';
import { DEFAULT_QUOTA } from '../../lab-server/src/quota/usage.js';

describe('ten 9 MB messages to port 25 of a classroom lab', () => {
  let lab: TestLab;
  beforeAll(async () => {
    lab = await startTestLab({ mode: 'classroom' });
  });
  afterAll(async () => {
    await lab?.dispose();
  });

  it('fill the shared default world up to its quota, then get 452 4.2.2, while a learner keeps working', { timeout: 240_000 }, async () => {
    const { learners } = await makeClass(lab, ['Neighbour']);
    const neighbour = await terminalNeighbour(lab.httpPort, learners[0]!.cookie);
    const loop = watchEventLoop();
    const r = await python(
      `
import smtplib
body = ('Subject: big %d\\r\\nFrom: stranger@outside.test\\r\\n\\r\\n' + ('y' * 76 + '\\r\\n') * (9 * 1024 * 1024 // 78))
out = []
for i in range(10):
    s = smtplib.SMTP('127.0.0.1', P['smtp'], timeout=120)
    try:
        s.sendmail('stranger@outside.test', ['bob@example.com'], (body % i).encode())
        out.append([250, 'accepted', len(body)])
    except smtplib.SMTPRecipientsRefused as e:
        code, text = e.recipients['bob@example.com']
        out.append([code, 'rcpt: ' + text.decode(), len(body)])
    except smtplib.SMTPDataError as e:
        out.append([e.smtp_code, 'data: ' + e.smtp_error.decode(), len(body)])
    s.quit()
print(json.dumps(out))
`,
      { smtp: lab.port('smtp') },
      180_000,
    );
    const busyMs = loop.worstBusyMs();
    loop.stop();
    const report = await neighbour.stop();
    expect(r.stderr).toBe('');
    const replies = JSON.parse(r.stdout) as Array<[number, string, number]>;

    // Accepted until the quota is reached, then refused at RCPT TO (SIZE was declared), with
    // the temporary "mailbox full" a sender's queue retries later.
    const accepted = replies.filter(([code]) => code === 250).length;
    expect(accepted).toBeGreaterThanOrEqual(5);
    expect(accepted).toBeLessThan(10);
    expect(replies.slice(0, accepted).every(([code]) => code === 250)).toBe(true);
    for (const [code, text] of replies.slice(accepted)) {
      expect(code).toBe(452);
      expect(text).toMatch(/^rcpt: 4\.2\.2 <bob@example\.com>: Mailbox full: this lab world uses [\d.]+ MB of its 64 MB/);
      expect(text).toContain('Delete some mail');
    }
    // Everything acknowledged is on disk, and the sandbox stays within its quota.
    const bob = (await readAllMessages(maildirPath(lab.dataDir, 'default', 'bob@example.com'))).join('\n');
    for (let i = 0; i < accepted; i++) expect(bob).toContain(`Subject: big ${i}\n`);
    expect((await measureSandbox(`${lab.dataDir}/sandboxes/default`)).bytes).toBeLessThanOrEqual(DEFAULT_QUOTA.bytes);

    // The learner next door, in a sandbox of their own, never noticed.
    expect(neighbourProblems(report, busyMs)).toEqual([]);
    const theirs = (await readAllMessages(maildirPath(lab.dataDir, learners[0]!.sandboxId, 'alice@example.com'))).join('\n');
    for (const subject of report.accepted) expect(theirs).toContain(`Subject: ${subject}\n`);

    // Deleting mail makes room at once: the next message is accepted.
    const again = await python(
      `
import smtplib, imaplib
m = imaplib.IMAP4('127.0.0.1', P['imap']); m.login('bob@example.com', 'secret'); m.select('INBOX')
typ, hits = m.search(None, 'SUBJECT', '"big"')
for n in hits[0].split()[:2]: m.store(n, '+FLAGS', '\\\\Deleted')
m.expunge(); m.logout()
s = smtplib.SMTP('127.0.0.1', P['smtp'], timeout=120)
s.sendmail('stranger@outside.test', ['bob@example.com'], ('Subject: after cleanup\\r\\n\\r\\n' + ('z' * 76 + '\\r\\n') * (9 * 1024 * 1024 // 78)).encode())
s.quit(); print('accepted')
`,
      { smtp: lab.port('smtp'), imap: lab.port('imap') },
      60_000,
    );
    expect(again.stderr).toBe('');
    expect(again.stdout.trim()).toBe('accepted');
  });
});

describe('the quota on IMAP and submission (a 2 MB quota)', () => {
  let lab: TestLab;
  beforeAll(async () => {
    lab = await startTestLab({ quota: { bytes: 2 * 1024 * 1024, messages: 10_000 } });
  });
  afterAll(async () => {
    await lab?.dispose();
  });

  it('shows the quota with GETQUOTAROOT, refuses APPEND and COPY with NO [OVERQUOTA], lets MOVE through, and SETQUOTA politely not', { timeout: 120_000 }, async () => {
    const r = await python(
      `
import imaplib
m = imaplib.IMAP4('127.0.0.1', P['imap'])
out = {}
m.login('alice@example.com', 'secret')
out['caps'] = m.capability()[1][0].decode()
out['root'] = [x.decode() for x in m.getquotaroot('INBOX')[1][0] + m.getquotaroot('INBOX')[1][1]]
big = b'Subject: big\\r\\n\\r\\n' + (b'x' * 998 + b'\\r\\n') * 1300
out['append1'] = [x if isinstance(x, str) else x.decode() for x in (lambda r: [r[0], r[1][0]])(m.append('INBOX', None, None, big))]
out['append2'] = [x if isinstance(x, str) else x.decode() for x in (lambda r: [r[0], r[1][0]])(m.append('INBOX', None, None, big))]
huge = b'Subject: huge\\r\\n\\r\\n' + (b'x' * 998 + b'\\r\\n') * 2200
out['append3'] = [x if isinstance(x, str) else x.decode() for x in (lambda r: [r[0], r[1][0]])(m.append('INBOX', None, None, huge))]
m.select('INBOX')
n = m.search(None, 'SUBJECT', '"big"')[1][0].split()[-1].decode()
out['trash_before'] = m.status('Trash', '(MESSAGES)')[1][0].decode()
out['copy'] = [x if isinstance(x, str) else x.decode() for x in (lambda r: [r[0], r[1][0]])(m.copy(n, 'Trash'))]
out['trash_after_copy'] = m.status('Trash', '(MESSAGES)')[1][0].decode()
typ, data = m._simple_command('MOVE', n, 'Trash')
out['move'] = [typ]
out['trash_after_move'] = m.status('Trash', '(MESSAGES)')[1][0].decode()
try:
    out['setquota'] = str(m.setquota('"sandbox"', '(STORAGE 99999)'))
except imaplib.IMAP4.error as e:
    out['setquota'] = str(e)
m.logout()
print(json.dumps(out))
`,
      { imap: lab.port('imap') },
    );
    expect(r.stderr).toBe('');
    const out = JSON.parse(r.stdout) as Record<string, any>;
    expect(out.caps).toMatch(/\bQUOTA QUOTA=RES-STORAGE QUOTA=RES-MESSAGE\b/);
    expect(out.caps).not.toContain('QUOTASET');
    expect(out.root[0]).toBe('INBOX "sandbox"');
    expect(out.root[1]).toMatch(/^"sandbox" \(STORAGE \d+ 2048 MESSAGE 9 10000\)$/);
    expect(out.append1[0]).toBe('OK');
    expect(out.append2).toEqual(['NO', expect.stringMatching(/^\[OVERQUOTA\] Quota exceeded \(mailbox is full\): this lab world uses [\d.]+ MB of its 2\.0 MB/)]);
    expect(out.append3).toEqual(['NO', expect.stringMatching(/^\[OVERQUOTA\] Quota exceeded: [\d.]+ MB is more than this lab world's whole quota of 2\.0 MB/)]);
    // COPY stores nothing; MOVE frees what it takes, so it works even when full.
    expect(out.copy[0]).toBe('NO');
    expect(out.copy[1]).toMatch(/^\[OVERQUOTA\]/);
    expect(out.trash_after_copy).toBe(out.trash_before);
    expect(out.move[0]).toBe('OK');
    expect(out.trash_after_move).not.toBe(out.trash_before);
    expect(out.setquota).toMatch(/NOPERM.*maillab serve --quota/);
  });

  it('counts the queue too: a submission to another world is refused 452 4.2.2 when full, and the learner sees the usage', { timeout: 60_000 }, async () => {
    const queueDir = join(lab.dataDir, 'sandboxes', 'default', 'queue');
    const queuedText = async (): Promise<string> => {
      const files = await readdir(queueDir, { recursive: true, withFileTypes: true }).catch(() => []);
      return (await Promise.all(files.filter((f) => f.isFile()).map((f) => readFile(join(f.parentPath, f.name), 'latin1').catch(() => '')))).join('\n');
    };
    // Without SIZE, RCPT cannot know the message will not fit: the queue's own check refuses it.
    const r = await python(
      `
import smtplib, ssl
s = smtplib.SMTP('127.0.0.1', P['submission'], timeout=60)
s.starttls(context=ssl._create_unverified_context()); s.login('alice@example.com', 'secret')
out = {}
s.mail('alice@example.com'); out['rcpt'] = s.rcpt('carol@otherdomain.com')[0]
code, text = s.data(b'Subject: to another world\\r\\n\\r\\n' + (b'w' * 998 + b'\\r\\n') * 1500)
out['data'] = [code, text.decode()]
s.rset(); s.mail('alice@example.com'); s.rcpt('carol@otherdomain.com')
out['small'] = s.data(b'Subject: small\\r\\n\\r\\nfits\\r\\n')[0]
s.quit()
print(json.dumps(out))
`,
      { submission: lab.port('submission') },
      // As long as its socket may wait: the default 20 s is less.
      60_000,
    );
    expect(r.stderr).toBe('');
    const out = JSON.parse(r.stdout) as { rcpt: number; data: [number, string]; small: number };
    expect(out.rcpt).toBe(250);
    expect(out.data[0]).toBe(452);
    expect(out.data[1]).toMatch(/^4\.2\.2 <carol@otherdomain\.com>: Mailbox full: this lab world uses [\d.]+ MB of its 2\.0 MB/);
    // The refused message left nothing in the queue; a small one still goes.
    expect(out.small).toBe(250);
    expect(await queuedText()).not.toContain('Subject: to another world');

    // The learner's Maildir view shows how full the world is, counted the way the quota counts.
    const view = (await (await fetch(`http://127.0.0.1:${lab.httpPort}/api/maildir`)).json()) as { usage: { bytes: number; messages: number; limits: { bytes: number; messages: number } } };
    expect(view.usage.limits).toEqual({ bytes: 2 * 1024 * 1024, messages: 10_000 });
    expect(Math.abs(view.usage.bytes - (await measureSandbox(join(lab.dataDir, 'sandboxes', 'default'))).bytes)).toBeLessThan(16 * 1024);
    expect(view.usage.bytes).toBeGreaterThan(1024 * 1024);
  });

  it('answers a message larger than the whole quota with 552 5.2.2, at RCPT with SIZE and at the end of DATA without', { timeout: 60_000 }, async () => {
    const c = await RawClient.open(lab.port('smtp'));
    await c.until(/^220 /m);
    await c.command('EHLO big.test', /^250 [^\r]*\r\n/m);
    await c.command('MAIL FROM:<a@outside.test> SIZE=3000000', /^250 /m);
    expect(await c.command('RCPT TO:<bob@example.com>', /^\d{3} .*\r\n/m)).toMatch(/^552 5\.2\.2 <bob@example\.com>: Quota exceeded: the message \(2\.9 MB\) is larger than the whole quota of this lab world \(2\.0 MB\)/);
    await c.command('RSET', /^250 /m);
    await c.command('MAIL FROM:<a@outside.test>', /^250 /m);
    await c.command('RCPT TO:<bob@example.com>', /^250 /m);
    await c.command('DATA', /^354 /m);
    const before = await listMaildir(maildirPath(lab.dataDir, 'default', 'bob@example.com'));
    expect(await c.command(`Subject: too big\r\n\r\n${'q'.repeat(1000)}\r\n`.repeat(3000) + '.', /^\d{3} .*\r\n/m, 30_000)).toMatch(/^552 5\.2\.2 /);
    expect(await listMaildir(maildirPath(lab.dataDir, 'default', 'bob@example.com'))).toEqual(before);
    c.close();
  });
});
