/**
 * Classroom mode end to end over real HTTP, WebSockets and mail protocols: an instructor
 * makes a class, three learners join, each works in a sandbox of their own, and nobody can
 * reach anything of anyone else's.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultConfig, startLab } from '../../lab-server/src/lab.js';
import { silentLogger } from '../../lab-server/src/log.js';
import { webApi } from '../helpers/classroom.js';
import { python, run } from '../helpers/clients.js';
import { startTestLab, type TestLab } from '../helpers/lab.js';
import { maildirPath, readAllMessages } from '../helpers/maildir.js';
import { RawClient } from '../helpers/rawSocket.js';
import { TerminalClient } from '../helpers/terminal.js';

let lab: TestLab;
let base: string;

interface Learner {
  name: string;
  cookie: string;
  mailboxes: Array<{ address: string; password: string }>;
  sandboxId: string;
}
const learners: Learner[] = [];
let instructorCookie = '';
let classId = '';
let joinCode = '';

const api = (path: string, options: Parameters<typeof webApi>[2] = {}): ReturnType<typeof webApi> => webApi(base, path, options);

const cookieOf = (headers: Headers): string => (headers.get('set-cookie') ?? '').split(';')[0]!;

beforeAll(async () => {
  lab = await startTestLab({ mode: 'classroom' });
  base = `http://127.0.0.1:${lab.httpPort}`;
});
afterAll(async () => {
  await lab?.dispose();
});

describe('classroom mode', () => {
  it('adds an instructor from the command line, who logs in and creates a class', async () => {
    const add = await run('node', ['bin/maillab.mjs', 'instructor', 'add', 'Ms Wang', '--data', lab.dataDir], 'correct horse battery\n', 60_000);
    expect(add.code).toBe(0);
    expect(add.stdout).toContain('Instructor "Ms Wang" added.');
    const generated = await run('node', ['bin/maillab.mjs', 'instructor', 'add', 'Mr Li', '--data', lab.dataDir], '', 60_000);
    expect(generated.stdout).toMatch(/Password \/ 密码: [a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4}/);

    expect((await api('/api/instructor/login', { method: 'POST', body: { name: 'Ms Wang', password: 'wrong password' } })).status).toBe(401);
    const login = await api('/api/instructor/login', { method: 'POST', body: { name: 'ms wang', password: 'correct horse battery' } });
    expect(login.status).toBe(200);
    expect(login.headers.get('set-cookie')).toMatch(/HttpOnly; SameSite=Strict/);
    instructorCookie = cookieOf(login.headers);

    const created = await api('/api/classes', { method: 'POST', cookie: instructorCookie, body: { name: '邮件系统 101' } });
    expect(created.status).toBe(201);
    expect(created.json.class.joinCode).toMatch(/^[A-Z2-9]{4}-[A-Z2-9]{4}$/);
    expect(created.json.class.joinUrl).toBe(`${base}/join/?code=${created.json.class.joinCode}`);
    classId = created.json.class.id;
    joinCode = created.json.class.joinCode;
  }, 120_000); // Two `maillab` processes: 8 to 16 s each on a machine loaded to 30 (30 s was too little).

  it('lets three learners join, each with a sandbox and mailbox passwords of their own', async () => {
    for (const name of ['张三', '李四', 'Ana']) {
      const joined = await api('/api/join', { method: 'POST', body: { code: joinCode.toLowerCase().replace('-', ''), displayName: name, password: `pw-of-${name}-123` } });
      expect(joined.status).toBe(201);
      const cookie = cookieOf(joined.headers);
      const me = await api('/api/me', { cookie });
      expect(me.json).toMatchObject({ mode: 'classroom', learner: { displayName: name }, class: { name: '邮件系统 101' } });
      expect(me.json.mailboxes.map((m: { address: string }) => m.address)).toEqual(['alice@example.com', 'bob@example.com', 'carol@otherdomain.com']);
      const member = (await api(`/api/classes/${classId}`, { cookie: instructorCookie })).json.learners.find((l: { displayName: string }) => l.displayName === name);
      learners.push({ name, cookie, mailboxes: me.json.mailboxes, sandboxId: member.sandboxId });
    }
    const passwords = learners.flatMap((l) => l.mailboxes.map((m) => m.password));
    expect(new Set(passwords).size).toBe(9);
    expect(passwords).not.toContain('secret');
    // A name can be used once per class.
    expect((await api('/api/join', { method: 'POST', body: { code: joinCode, displayName: '张三', password: 'another-password' } })).status).toBe(409);
    expect((await api('/api/join', { method: 'POST', body: { code: 'ZZZZ-ZZZZ', displayName: 'x', password: 'long enough' } })).status).toBe(404);
    // Logging in again works with the learner's own password.
    expect((await api('/api/login', { method: 'POST', body: { code: joinCode, displayName: 'ana', password: 'pw-of-Ana-123' } })).status).toBe(200);
    const wrong = await api('/api/login', { method: 'POST', body: { code: joinCode, displayName: 'Ana', password: 'nope-nope' } });
    expect(wrong.status).toBe(401);
    // The way back for a forgotten password: a new one from the instructor (learner-password.test.ts), nothing lost.
    expect(wrong.json.error.en).toMatch(/forgot your password, ask your instructor for a new one/);
    expect(wrong.json.error['zh-CN']).toMatch(/忘了密码.*新密码/);
  });

  it('puts each learner\'s terminal in their own sandbox and refuses terminals without a login', async () => {
    for (const [i, l] of learners.entries()) {
      const t = await TerminalClient.open(lab.httpPort, 'smtp', { cookie: l.cookie });
      await t.expect(/^220 /);
      await t.send('HELO class.test', /^250 /);
      await t.send('MAIL FROM:<alice@example.com>', /^250 /);
      await t.send('RCPT TO:<bob@example.com>', /^250 /);
      await t.send('DATA', /^354 /);
      t.line(`Subject: secret of learner ${i}`);
      t.line('');
      await t.send('.', /^250 /);
      t.close();
    }
    for (const [i, l] of learners.entries()) {
      const mine = await readAllMessages(maildirPath(lab.dataDir, l.sandboxId, 'bob@example.com'));
      expect(mine.filter((m) => m.includes('Subject: secret of learner')).map((m) => /learner (\d)/.exec(m)![1])).toEqual([String(i)]);
    }
    await expect(TerminalClient.open(lab.httpPort, 'smtp')).rejects.toThrow(/401/);
  });

  it('lets mail clients in with a learner\'s generated credentials, and only into that learner\'s sandbox', async () => {
    const [a, b] = learners as [Learner, Learner];
    const bobA = a.mailboxes.find((m) => m.address === 'bob@example.com')!;
    const bobB = b.mailboxes.find((m) => m.address === 'bob@example.com')!;
    const script = `
import imaplib, poplib
out = {}
for key, pw in (('a', P['a']), ('b', P['b']), ('secret', 'secret'), ('wrong', 'wrong')):
    m = imaplib.IMAP4('127.0.0.1', P['imap'])
    try:
        m.login('bob@example.com', pw)
        m.select('INBOX')
        typ, data = m.search(None, 'SUBJECT', '"secret of learner"')
        subjects = []
        for n in data[0].split():
            subjects.append(m.fetch(n, '(BODY.PEEK[HEADER.FIELDS (SUBJECT)])')[1][0][1].decode().strip())
        out[key] = subjects
        m.logout()
    except imaplib.IMAP4.error as e:
        out[key] = 'refused'
p = poplib.POP3('127.0.0.1', P['pop3']); p.user('bob@example.com'); p.pass_(P['b'])
out['pop3_b'] = [l.decode() for l in p.retr(p.stat()[0])[1] if l.startswith(b'Subject:')]
p.quit()
print(json.dumps(out))
`;
    const r = await python(script, { imap: lab.port('imap'), pop3: lab.port('pop3'), a: bobA.password, b: bobB.password });
    expect(r.stderr).toBe('');
    const out = JSON.parse(r.stdout);
    expect(out.a).toEqual(['Subject: secret of learner 0']);
    expect(out.b).toEqual(['Subject: secret of learner 1']);
    // The shared demo world (what port 25 from outside reaches) has none of the learners' mail.
    expect(out.secret).toEqual([]);
    expect(out.wrong).toBe('refused');
    expect(out.pop3_b).toEqual(['Subject: secret of learner 1']);

    // Submission with a learner's credentials delivers inside that learner's sandbox.
    const sent = await python(
      `
import smtplib, ssl
ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
s = smtplib.SMTP('127.0.0.1', P['port']); s.starttls(context=ctx); s.login('alice@example.com', P['pw'])
s.sendmail('alice@example.com', ['carol@otherdomain.com'], b'Subject: via 587\\r\\n\\r\\nhi\\r\\n'); s.quit(); print('ok')
`,
      { port: lab.port('submission'), pw: a.mailboxes[0]!.password },
    );
    expect(sent.stdout.trim()).toBe('ok');
    // carol is in the other domain: the message crosses the learner's own two MTAs (a queue) first.
    await expect
      .poll(async () => (await readAllMessages(maildirPath(lab.dataDir, a.sandboxId, 'carol@otherdomain.com'))).some((m) => m.includes('Subject: via 587')), { timeout: 10_000 })
      .toBe(true);
    expect((await readAllMessages(maildirPath(lab.dataDir, b.sandboxId, 'carol@otherdomain.com'))).some((m) => m.includes('Subject: via 587'))).toBe(false);
  });

  it('keeps the API to each learner\'s own things, and instructor routes to instructors', async () => {
    const [a] = learners as [Learner];
    const view = await api('/api/maildir', { cookie: a.cookie });
    expect(view.status).toBe(200);
    expect(JSON.stringify(view.json)).not.toContain(learners[1]!.sandboxId);
    for (const path of [`/api/classes/${classId}`, `/api/classes/${classId}/progress`, `/api/classes/${classId}/progress.csv`, '/api/classes', '/api/instructor/audit']) {
      expect((await api(path, { cookie: a.cookie })).status, path).toBe(403);
      expect((await api(path)).status, path).toBe(401);
    }
    expect((await api(`/api/classes/${classId}/learners/${learners[1]!.name}/reset`, { method: 'POST', cookie: a.cookie })).status).toBe(403);
    expect((await api('/api/exercises')).status).toBe(401);
  });

  it('tracks assignments with due dates, marks late attempts, and exports a CSV spreadsheets read', async () => {
    const past = new Date(Date.now() - 3600_000).toISOString();
    const future = new Date(Date.now() + 7 * 86400_000).toISOString();
    expect((await api(`/api/classes/${classId}/assignments/ports`, { method: 'PUT', cookie: instructorCookie, body: { dueAt: past } })).status).toBe(200);
    expect((await api(`/api/classes/${classId}/assignments/dns-mx`, { method: 'PUT', cookie: instructorCookie, body: { dueAt: future } })).status).toBe(200);
    const [a, b] = learners as [Learner, Learner];
    const me = await api('/api/me', { cookie: a.cookie });
    expect(me.json.assignments.map((x: { exerciseId: string }) => x.exerciseId)).toEqual(['ports', 'dns-mx']);

    const ports = (await api('/api/exercises/ports', { cookie: a.cookie })).json.exercise;
    expect(ports).toBeDefined();
    const wrong = await api('/api/exercises/dns-mx/attempts', { method: 'POST', cookie: b.cookie, body: { answer: 'example.com. MX 10 192.0.2.100' } });
    expect(wrong.json.passed).toBe(false);
    const reference = lab.exercises.get('ports')!.solution;
    const attempt = await api('/api/exercises/ports/attempts', { method: 'POST', cookie: a.cookie, body: { answer: reference } });
    expect(attempt.json.passed).toBe(true);

    const progress = (await api(`/api/classes/${classId}/progress`, { cookie: instructorCookie })).json;
    const rowA = progress.learners.find((l: { displayName: string }) => l.displayName === a.name);
    expect(rowA.cells.ports).toMatchObject({ passed: true, attempts: 1, late: true });
    expect(rowA.activeNow).toBe(true);
    const rowB = progress.learners.find((l: { displayName: string }) => l.displayName === b.name);
    expect(rowB.cells['dns-mx']).toMatchObject({ passed: false, attempts: 1, late: false });
    expect(progress.passRate.ports).toBeCloseTo(1 / 3);

    const csv = await api(`/api/classes/${classId}/progress.csv`, { cookie: instructorCookie });
    expect(csv.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    const bytes = Buffer.from(await (await fetch(`${base}/api/classes/${classId}/progress.csv`, { headers: { cookie: instructorCookie } })).arrayBuffer());
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const lines = csv.text.replace(/^\uFEFF/, '').trim().split('\r\n');
    expect(lines[0]).toMatch(/^"learner","last seen","[^"]+"/);
    expect(lines.some((l) => l.startsWith('"张三"') && l.includes('"passed (1 attempt, late)"'))).toBe(true);
    expect(lines.at(-1)).toMatch(/^"pass rate",""/);

    const learnerId = (progress.learners as Array<{ id: string; displayName: string }>).find((l) => l.displayName === a.name)!.id;
    const detail = await api(`/api/classes/${classId}/learners/${learnerId}`, { cookie: instructorCookie });
    expect(detail.json.attempts.some((x: { exerciseId: string; passed: boolean }) => x.exerciseId === 'ports' && x.passed)).toBe(true);
    expect(detail.json.usage).toMatchObject({ limits: { bytes: 64 * 1024 * 1024, messages: 10_000 } });
    expect(detail.json.usage.bytes).toBeGreaterThan(0);
    // Sessions are listed without their lines; the lines come a page at a time.
    const smtp = (detail.json.transcripts.sessions as Array<{ session: string; service: string; lines?: unknown }>).find((t) => t.service === 'smtp')!;
    expect(smtp.lines).toBeUndefined();
    const page = await api(`/api/classes/${classId}/learners/${learnerId}/transcripts/${smtp.session}`, { cookie: instructorCookie });
    expect(page.json.lines.some((line: { text: string }) => line.text === 'RCPT TO:<bob@example.com>')).toBe(true);
  });

  it('ends a removed learner\'s sessions at once: cookie, terminal and mail', async () => {
    const victim = learners[2]!;
    const terminal = await TerminalClient.open(lab.httpPort, 'pop3', { cookie: victim.cookie });
    await terminal.expect(/^\+OK/);
    const imap = await RawClient.open(lab.port('imap'));
    await imap.until(/^\* OK/m);
    await imap.command(`a1 LOGIN bob@example.com ${victim.mailboxes[1]!.password}`, /^a1 OK/m);
    await imap.command('a2 SELECT INBOX', /^a2 OK/m);
    const progress = (await api(`/api/classes/${classId}/progress`, { cookie: instructorCookie })).json;
    const id = progress.learners.find((l: { displayName: string }) => l.displayName === victim.name).id;
    expect((await api(`/api/classes/${classId}/learners/${id}`, { method: 'DELETE', cookie: instructorCookie })).status).toBe(200);
    // Told why, and what to do: not "logged out" (they did not), but removed, and how to come back.
    expect(await terminal.message('closed')).toMatchObject({ reason: 'removed from class', text: expect.stringMatching(/removed you from the class.*join the class anew/) });
    expect(await imap.until(/^\* BYE .*\r\n/m)).toMatch(/\* BYE/);
    expect((await api('/api/me', { cookie: victim.cookie })).json).toMatchObject({ mode: 'classroom', learner: null, mailboxes: [] });
    expect((await api('/api/exercises', { cookie: victim.cookie })).status).toBe(401);
    const audit = (await api('/api/instructor/audit', { cookie: instructorCookie })).json.entries.map((e: { action: string }) => e.action);
    expect(audit).toEqual(expect.arrayContaining(['class.create', 'assignment.set', 'learner.remove', 'login']));
  });

  it('rate-limits login attempts and refuses cross-site requests', async () => {
    let last = 0;
    for (let i = 0; i < 12; i++) last = (await api('/api/login', { method: 'POST', body: { code: joinCode, displayName: 'Mallory', password: `guess-${i}-xx` } })).status;
    expect(last).toBe(429);
    const forged = await api('/api/classes', { method: 'POST', cookie: instructorCookie, origin: 'http://evil.example', body: { name: 'forged' } });
    expect(forged.status).toBe(403);
    expect(forged.json.error['zh-CN']).toContain('其他网站');
  });
});

describe('single-learner mode', () => {
  it('refuses to listen beyond loopback and says why', async () => {
    await expect(startLab(defaultConfig({ dataDir: lab.dataDir + '-public', host: '0.0.0.0', log: silentLogger }))).rejects.toThrow(/Refusing to listen on 0\.0\.0\.0 in single-learner mode.*--mode classroom/);
  });
});

describe('a NUL in what is sent', () => {
  it('is answered 400, saying so, on either database (on PostgreSQL it was a 500)', async () => {
    const wang = cookieOf((await api('/api/instructor/login', { method: 'POST', body: { name: 'ms wang', password: 'correct horse battery' } })).headers);
    for (const [path, method, body, cookie] of [
      ['/api/instructor/login', 'POST', { name: 'Ms\u0000Wang', password: 'correct horse battery' }, ''],
      ['/api/login', 'POST', { code: joinCode, displayName: 'A\u0000na', password: 'pw-of-Ana-123' }, ''],
      ['/api/login', 'POST', { code: 'ABCD\u0000', displayName: 'Ana', password: 'pw-of-Ana-123' }, ''],
      [`/api/classes/${encodeURIComponent('x\u0000')}`, 'GET', undefined, wang],
      [`/api/classes/${classId}/learners/${encodeURIComponent('x\u0000')}`, 'GET', undefined, wang],
    ] as const) {
      const r = await api(path, { method, ...(body ? { body } : {}), ...(cookie ? { cookie } : {}) });
      expect(r.status, path).toBe(400);
      expect(r.json.error.en).toMatch(/holds a NUL character .* Type it again by hand/);
      expect(r.json.error['zh-CN']).toContain('NUL 字符');
    }
  });
});
