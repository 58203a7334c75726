/**
 * Files and words: the lab's data is private to its user (0600 files, 0700 folders, mended at
 * start for an older data dir), the Maildir view names no server path, and inside a learner's
 * sandbox (and in classroom mode, not even in the public world) no greeting, hint or exercise
 * shows the demo password "secret".
 */
import { chmod } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashPassword } from '../../lab-server/src/classroom/passwords.js';
import { python, run } from '../helpers/clients.js';
import { startTestLab, type TestLab } from '../helpers/lab.js';
import { startLabProcess } from '../helpers/labProcess.js';
import { TerminalClient } from '../helpers/terminal.js';

let lab: TestLab;
let base: string;
let learnerCookie = '';
let sandboxId = '';

/** Octal modes as coreutils' stat prints them. */
async function modes(paths: string[]): Promise<Record<string, string>> {
  const r = await run('stat', ['-c', '%a %n', ...paths]);
  return Object.fromEntries(r.stdout.trim().split('\n').map((l) => [l.slice(l.indexOf(' ') + 1), l.slice(0, l.indexOf(' '))]));
}

function privatePaths(dataDir: string, sandbox: string): { dirs: string[]; files: string[] } {
  const box = join(dataDir, 'sandboxes', sandbox);
  return {
    dirs: [dataDir, join(dataDir, 'sandboxes'), box, join(box, 'dkim'), join(dataDir, 'tls')],
    files: [join(dataDir, 'maillab.sqlite'), join(box, 'world.json'), join(box, 'dkim', 'example.com.default.key'), join(box, 'dkim', 'otherdomain.com.default.key'), join(dataDir, 'tls', 'key.pem')],
  };
}

async function expectPrivate(dataDir: string, sandbox: string): Promise<void> {
  const { dirs, files } = privatePaths(dataDir, sandbox);
  const seen = await modes([...dirs, ...files]);
  for (const d of dirs) expect(seen[d], d).toBe('700');
  for (const f of files) expect(seen[f], f).toBe('600');
}

beforeAll(async () => {
  lab = await startTestLab({ mode: 'classroom' });
  base = `http://127.0.0.1:${lab.httpPort}`;
  lab.classroom.addInstructor('Ms Wang', await hashPassword('wang password 1'));
  const login = await fetch(`${base}/api/instructor/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'Ms Wang', password: 'wang password 1' }) });
  const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0]!;
  const klass = (await (await fetch(`${base}/api/classes`, { method: 'POST', headers: { 'content-type': 'application/json', cookie }, body: JSON.stringify({ name: 'Files' }) })).json()) as { class: { id: string; joinCode: string } };
  const joined = await fetch(`${base}/api/join`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ code: klass.class.joinCode, displayName: 'Ana', password: 'ana password' }) });
  learnerCookie = (joined.headers.get('set-cookie') ?? '').split(';')[0]!;
  const members = (await (await fetch(`${base}/api/classes/${klass.class.id}`, { headers: { cookie } })).json()) as { learners: Array<{ sandboxId: string }> };
  sandboxId = members.learners[0]!.sandboxId;
  // DKIM keys are made on first use: the learner opens the zone editor, an outside client asks the default world.
  expect((await fetch(`${base}/api/zones`, { headers: { cookie: learnerCookie } })).status).toBe(200);
  expect((await run('dig', ['+short', '-p', String(lab.dnsPort), '@127.0.0.1', 'default._domainkey.example.com', 'TXT'])).stdout).toContain('v=DKIM1');
}, 60_000);
afterAll(async () => {
  await lab?.dispose();
});

describe('file modes', () => {
  it('keeps the database, passwords and keys 0600 and their folders 0700', async () => {
    await expectPrivate(lab.dataDir, sandboxId);
    await expectPrivate(lab.dataDir, 'default');
  });

  it('mends a data dir that an older version left readable, when the lab starts', async () => {
    const { dirs, files } = privatePaths(lab.dataDir, sandboxId);
    await lab.stop();
    for (const d of dirs) await chmod(d, 0o755);
    for (const f of files) await chmod(f, 0o644);
    lab = await startTestLab({ mode: 'classroom' }, lab.dataDir);
    base = `http://127.0.0.1:${lab.httpPort}`;
    await expectPrivate(lab.dataDir, sandboxId);
  });
});

describe('a lab started as its users start it', () => {
  it('writes nothing that another local user may read: mail, queue, logs, transcripts, indexes, database, keys', async () => {
    const proc = await startLabProcess();
    try {
      // Mail in through port 25 and out through 587, a terminal session, a graded attempt.
      const r = await python(
        `
import smtplib, ssl
s = smtplib.SMTP('127.0.0.1', P['mx'])
s.sendmail('someone@otherdomain.com', ['alice@example.com'], 'Subject: private\\r\\n\\r\\nfor alice only\\r\\n')
s.quit()
s = smtplib.SMTP('127.0.0.1', P['submission'])
s.starttls(context=ssl._create_unverified_context()); s.login('alice@example.com', 'secret')
s.sendmail('alice@example.com', ['carol@otherdomain.com'], 'Subject: out\\r\\n\\r\\nrelayed\\r\\n')
s.quit()
`,
        { mx: proc.ports.smtp, submission: proc.ports.submission },
      );
      expect(r.stderr).toBe('');
      const t = await TerminalClient.open(proc.httpPort, 'imap');
      await t.expect(/^\* OK/m);
      await t.send('a1 LOGIN alice@example.com secret', /^a1 OK/m);
      await t.send('a2 SELECT INBOX', /^a2 OK/m);
      t.close();
      const attempt = await fetch(`http://127.0.0.1:${proc.httpPort}/api/exercises/ports/attempts`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ answer: {} }) });
      expect(attempt.status).toBe(200);
      // Let the relay to carol and the transcript reach the disk.
      await new Promise((resolve) => setTimeout(resolve, 1500));
      const everything = await run('find', [proc.dataDir, '-printf', '%m %y %P\n']);
      const entries = everything.stdout.trim().split('\n');
      expect(entries.length).toBeGreaterThan(40);
      expect(entries.some((e) => /^\d+ f sandboxes\/default\/vhosts\/example\.com\/alice\/(new|cur)\//.test(e))).toBe(true);
      // Nothing with a group or other bit, files or folders.
      expect(entries.filter((e) => !/^[0-7]00 /.test(e))).toEqual([]);
    } finally {
      await proc.stop();
    }
  }, 60_000);
});

describe('what a learner sees', () => {
  it('names Maildirs inside the sandbox, never by their server path', async () => {
    const view = (await (await fetch(`${base}/api/maildir`, { headers: { cookie: learnerCookie } })).json()) as { users: Array<{ address: string; path: string }> };
    expect(view.users.map((u) => u.path)).toEqual(['vhosts/example.com/alice', 'vhosts/example.com/bob', 'vhosts/otherdomain.com/carol']);
    expect(JSON.stringify(view)).not.toContain(lab.dataDir);
  });

  it('never shows the demo password in a learner\'s sandbox: IMAP and POP3 greetings and hints, exercises', async () => {
    const imap = await TerminalClient.open(lab.httpPort, 'imap', { cookie: learnerCookie });
    const greeting = await imap.expect(/^\* OK .*\r\n/m);
    expect(greeting).toContain('Log in with: a1 LOGIN alice@example.com <password from your lab page>');
    const hints = [
      await imap.send('a1 SELECT INBOX', /^a1 BAD .*\r\n/m),
      await imap.send('LOGIN alice', /^\* BAD .*\r\n/m),
      await imap.send('a2 AUTHENTICATE PLAIN !!', /^a2 BAD .*\r\n/m),
    ];
    imap.close();
    const pop3 = await TerminalClient.open(lab.httpPort, 'pop3', { cookie: learnerCookie });
    await pop3.expect(/^\+OK/m);
    await pop3.send('USER alice', /^\+OK/m);
    hints.push(await pop3.send('PASS', /^-ERR .*\r\n/m));
    pop3.close();
    for (const h of hints) expect(h).not.toMatch(/secret|c2VjcmV0|AHNlY3JldA/);
    expect(hints[0]).toContain('<password from your lab page>');
    const exercise = await (await fetch(`${base}/api/exercises/imap-flag`, { headers: { cookie: learnerCookie } })).text();
    expect(exercise).not.toMatch(/\bsecret\b/);
    expect(exercise).toContain('<password from your lab page>');

  });

  it('never shows the demo password in classroom mode, not even in the public world that port 143 and 110 reach from outside', async () => {
    const r = await python(
      `
import imaplib, poplib, json
m = imaplib.IMAP4('127.0.0.1', P['imap'])
p = poplib.POP3('127.0.0.1', P['pop3'])
p.user('alice@example.com')
try:
    p._shortcmd('PASS')
except poplib.error_proto as e:
    hint = e.args[0].decode()
print(json.dumps({'greeting': m.welcome.decode(), 'pop3': p.welcome.decode(), 'hint': hint}))
`,
      { imap: lab.port('imap'), pop3: lab.port('pop3') },
    );
    const seen = JSON.parse(r.stdout) as { greeting: string; pop3: string; hint: string };
    expect(seen.greeting).toContain('a1 LOGIN alice@example.com <password from your lab page>');
    expect(seen.hint).toContain('PASS needs the password. Try: PASS <password from your lab page>');
    expect(JSON.stringify(seen)).not.toMatch(/secret|c2VjcmV0|AHNlY3JldA/);
  });
});
