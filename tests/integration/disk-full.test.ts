/**
 * A full disk: a classroom server's small volume, a laptop with no room left. The lab runs in a
 * mount namespace of its own (unshare; no root needed where user namespaces are allowed) with its
 * data on a 4 MB tmpfs, and Python's smtplib fills it. Then, as Dovecot and Postfix behave:
 * SMTP says 452 4.3.1 and delivers nothing (a message for two users lands in both or neither, so
 * the client's retry doubles nothing); learners still log in, read and delete (POP3 and IMAP),
 * and storing gets NO [OVERQUOTA] (a web request, HTTP 507); once deleting made room, every
 * accepted message is there once.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { python } from '../helpers/clients.js';
import { startLabProcess, type LabProcess } from '../helpers/labProcess.js';

let lab: LabProcess;
let mountDir: string;

beforeAll(async () => {
  mountDir = await mkdtemp(join(tmpdir(), 'maillab-full-'));
  // alice's folder "Small" is a file system of its own, of 128 KB: room for five of the messages below.
  const mounts = 'mount -t tmpfs -o size=4m tmpfs "$0" && S="$0/data/sandboxes/default/vhosts/example.com/alice/.Small" && mkdir -p "$S" && mount -t tmpfs -o size=128k tmpfs "$S" && mkdir "$S/cur" "$S/new" "$S/tmp" && exec "$@"';
  const onTmpfs = ['unshare', '--user', '--map-root-user', '--mount', 'sh', '-c', mounts, mountDir];
  lab = await startLabProcess([], join(mountDir, 'data'), onTmpfs);
  // Both learners have used their INBOX before the disk fills.
  const opened = await script(`
for user in ('alice', 'bob'):
    M = imaplib.IMAP4('127.0.0.1', P['imap']); M.login(user + '@example.com', 'secret')
    print(M.select('INBOX')[0]); M.logout()`);
  expect(opened).toBe('OK\nOK\n');
}, 60_000);

afterAll(async () => {
  await lab?.stop();
  await rm(mountDir, { recursive: true, force: true });
});

/** Runs Python with smtplib, imaplib and poplib imported; P has the lab's ports. */
async function script(body: string): Promise<string> {
  const result = await python(`import imaplib, poplib, smtplib\n${body}`, { smtp: lab.ports.smtp, imap: lab.ports.imap, pop3: lab.ports.pop3 }, 120_000);
  if (result.code !== 0) throw new Error(result.stderr);
  return result.stdout;
}

/** Python: a session logged in as `user` with INBOX selected. */
const INBOX = `
def inbox(user):
    M = imaplib.IMAP4('127.0.0.1', P['imap']); M.login(user + '@example.com', 'secret'); M.select('INBOX')
    return M
`;

describe('a full disk', () => {
  let pairs = 0;

  it('a COPY or a MULTIAPPEND that runs out of room part-way stores nothing (RFC 3501, RFC 3502)', async () => {
    const out = await script(`${INBOX}
M = inbox('alice')
for i in range(8): M.append('INBOX', None, None, b'Subject: part %d\\r\\n\\r\\n' % i + b'z' * 20000)
typ, data = M.search(None, 'SUBJECT', '"part"')
typ, data = M.copy(b','.join(data[0].split()).decode(), 'Small'); print(typ, data[0].decode())
print(M.status('Small', '(MESSAGES)')[1][0].decode())
# MULTIAPPEND: eight messages in one APPEND, as literals the server does not wait for (LITERAL+).
body = b'Subject: multi\\r\\n\\r\\n' + b'm' * 20000
M.send(b'm1 APPEND Small' + b''.join(b' {%d+}\\r\\n' % len(body) + body for _ in range(8)) + b'\\r\\n')
while True:
    line = M.readline()
    if line.startswith(b'm1 '): print(line.decode().strip()); break
print(M.status('Small', '(MESSAGES)')[1][0].decode())`);
    const [copy, afterCopy, multi, afterMulti] = out.trim().split('\n');
    expect(copy).toMatch(/^NO \[OVERQUOTA\] Not enough disk space/);
    expect(afterCopy).toBe('Small (MESSAGES 0)');
    expect(multi).toMatch(/^m1 NO \[OVERQUOTA\] Not enough disk space/);
    expect(afterMulti).toBe('Small (MESSAGES 0)');
  }, 60_000);

  it('fills up over SMTP: 452 4.3.1, and a message for two users is delivered to both or to neither', async () => {
    const out = await script(`
def send(to, subject, size):
    body = 'Subject: %s\\r\\n\\r\\n' % subject + ('x' * 76 + '\\r\\n') * (size // 78)
    try:
        s = smtplib.SMTP('127.0.0.1', P['smtp'], timeout=30); s.ehlo('client.example.net')
        s.sendmail('ann@otherdomain.com', to, body); s.quit(); return None
    except smtplib.SMTPDataError as e:
        return '%d %s' % (e.smtp_code, e.smtp_error.decode())
big = 0
while send(['alice@example.com'], 'big %d' % big, 200000) is None: big += 1
pairs = 0
refusal = None
# Halving sizes: at some size there is room for one copy but not for two.
for size in (64000, 32000, 16000, 8000, 4000, 2000, 1000):
    while True:
        refusal = send(['alice@example.com', 'bob@example.com'], 'pair %d' % pairs, size)
        if refusal: break
        pairs += 1
# Small ones until not even one page is left.
while send(['alice@example.com'], 'crumb', 100) is None: pass
print(big); print(pairs); print(refusal)`);
    const [big, accepted, refusal] = out.trim().split('\n');
    expect(Number(big)).toBeGreaterThanOrEqual(5);
    expect(refusal).toMatch(/^452 4\.3\.1 Insufficient system storage: the lab server's disk is full/);
    pairs = Number(accepted);
    expect(pairs).toBeGreaterThan(0);
    expect(lab.child.exitCode).toBeNull();
  }, 180_000);

  it('answers a web request it cannot save with 507 and says why in both languages', async () => {
    const site = `http://127.0.0.1:${lab.httpPort}`;
    const res = await fetch(`${site}/api/exercises/dns-spf/attempts`, { method: 'POST', headers: { 'content-type': 'application/json', origin: site }, body: JSON.stringify({ answer: 'v=spf1 mx -all' }) });
    expect(res.status).toBe(507);
    const { error } = (await res.json()) as { error: { en: string; 'zh-CN': string } };
    expect(error.en).toMatch(/disk is full, so nothing was saved/);
    expect(error['zh-CN']).toMatch(/磁盘已满/);
  });

  it('still lets learners log in, read and delete; storing gets NO [OVERQUOTA]', async () => {
    const out = await script(`
p = poplib.POP3('127.0.0.1', P['pop3']); p.user('bob@example.com')
print(p.pass_('secret').decode().split(':')[0]); print(p.stat()[0] > 0); p.quit()
${INBOX}
M = inbox('alice')
typ, data = M.fetch('1', '(BODY.PEEK[HEADER.FIELDS (SUBJECT)])'); print(typ)
typ, data = M.append('INBOX', None, None, b'Subject: no room\\r\\n\\r\\n' + b'y' * 20000); print(typ, data[0].decode())
typ, data = M.search(None, 'SUBJECT', '"big"')
M.store(b','.join(data[0].split()).decode(), '+FLAGS.SILENT', '(\\\\Deleted)')
typ, gone = M.expunge(); print(typ, len(gone))
M.logout()`);
    const [pop, hasMail, fetched, append, expunged] = out.trim().split('\n');
    expect(pop).toBe('+OK Logged in as bob@example.com');
    expect(hasMail).toBe('True');
    expect(fetched).toBe('OK');
    expect(append).toMatch(/^NO \[OVERQUOTA\] Not enough disk space on the lab server: nothing was stored/);
    expect(expunged).toMatch(/^OK [1-9]/);
  }, 60_000);


  it('once deleting made room, every accepted message is there exactly once, and storing works again', async () => {
    const out = await script(`${INBOX}
for user in ('alice', 'bob'):
    M = inbox(user)
    typ, data = M.search(None, 'SUBJECT', '"pair"')
    subjects = []
    for n in data[0].split():
        subjects.append(M.fetch(n, '(BODY.PEEK[HEADER.FIELDS (SUBJECT)])')[1][0][1].decode().strip())
    print(len(subjects), len(set(subjects)))
    M.logout()
M = inbox('alice')
print(M.append('INBOX', None, None, b'Subject: room again\\r\\n\\r\\nhello\\r\\n')[0])`);
    const [alice, bob, appended] = out.trim().split('\n');
    expect(alice).toBe(`${pairs} ${pairs}`);
    expect(bob).toBe(`${pairs} ${pairs}`);
    expect(appended).toBe('OK');
    expect(lab.child.exitCode).toBeNull();
  }, 60_000);
});
