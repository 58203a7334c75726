/**
 * Two lab nodes sharing one PostgreSQL behind Caddy with no stickiness: 30 learners join
 * through the proxy and land on both nodes; each one's Maildir view, terminal, exercises and
 * mail clients work whichever node the proxy picks; the instructor sees all 30 from either
 * node; a wrong-node mail login is told the right node; a killed node's learners get the clear
 * message while the others work on, and get their mail back when it returns; a drain moves a
 * node's sandboxes with their mail, UIDVALIDITY and UIDs.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { python, run } from '../helpers/clients.js';
import { freshPostgresDatabase } from '../helpers/database.js';
import { startCaddy, startNode, type LabNode, type Proxy } from '../helpers/cluster.js';
import { RawClient } from '../helpers/rawSocket.js';
import { TerminalClient } from '../helpers/terminal.js';
import pg from 'pg';

const LEARNERS = 30;
const secret = randomBytes(24).toString('hex');
let database: { url: string; drop(): Promise<void> };
let nodes: LabNode[] = [];
let proxy: Proxy;
let joinCode = '';
let classId = '';
let instructorCookie = '';

interface Learner {
  name: string;
  cookie: string;
  node: string;
  mailboxes: Array<{ address: string; password: string }>;
  mailServer: { host: string; ports: Record<string, number> };
}
const learners: Learner[] = [];

async function api(base: string, path: string, options: { method?: string; cookie?: string; body?: unknown } = {}): Promise<{ status: number; json: any }> {
  const headers: Record<string, string> = { origin: base };
  if (options.cookie) headers.cookie = options.cookie;
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`${base}${path}`, { method: options.method ?? 'GET', headers, body: options.body === undefined ? undefined : JSON.stringify(options.body) });
  const text = await response.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = text;
  }
  return { status: response.status, json };
}

async function placements(): Promise<Map<string, string>> {
  const client = new pg.Client({ connectionString: database.url });
  await client.connect();
  try {
    const rows = (await client.query<{ sandbox_id: string; node_id: string }>('SELECT sandbox_id, node_id FROM placements')).rows;
    return new Map(rows.map((r) => [r.sandbox_id, r.node_id]));
  } finally {
    await client.end();
  }
}

const nodeOf = (id: string): LabNode => nodes.find((n) => n.id === id)!;

beforeAll(async () => {
  database = await freshPostgresDatabase();
  nodes = await Promise.all(['n1', 'n2'].map((id) => startNode({ id, database: database.url, secret })));
  proxy = await startCaddy(nodes.map((n) => n.url));
}, 120_000);

afterAll(async () => {
  await proxy?.stop();
  for (const n of nodes) await n.stop();
  await database?.drop();
});

describe('two lab nodes behind a proxy', () => {
  it('lets an instructor made on the command line log in and create a class through the proxy', async () => {
    const add = await run('node', ['bin/maillab.mjs', 'instructor', 'add', 'Ms Wang', '--database', database.url], 'correct horse battery\n');
    expect(add.stderr).toBe('');
    const login = await fetch(`${proxy.url}/api/instructor/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'Ms Wang', password: 'correct horse battery' }) });
    expect(login.status).toBe(200);
    instructorCookie = (login.headers.get('set-cookie') ?? '').split(';')[0]!;
    const created = await api(proxy.url, '/api/classes', { method: 'POST', cookie: instructorCookie, body: { name: 'Cluster 101' } });
    expect(created.status).toBe(201);
    ({ joinCode, id: classId } = created.json.class);
  });

  it("counts a guesser's wrong passwords on both nodes as one: two nodes give no more tries than one", async () => {
    const guess = (n: LabNode, i: number) =>
      fetch(`${n.url}/api/instructor/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'Ms Guessed', password: `guess number ${i}` }) });
    // The five free tries, taking turns over the nodes: each a plain wrong password.
    for (let i = 0; i < 5; i++) expect((await guess(nodes[i % 2]!, i)).status).toBe(401);
    // The sixth waits, on whichever node it lands.
    for (const n of nodes) {
      const refused = await guess(n, 5);
      expect(refused.status).toBe(429);
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    }
  });

  it('places 30 learners who join through the proxy on both nodes', async () => {
    // Three at a time, as a class does: each join makes a sandbox with two DKIM keys on its node.
    const join = async (i: number): Promise<void> => {
      const response = await fetch(`${proxy.url}/api/join`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', origin: proxy.url },
        body: JSON.stringify({ code: joinCode, displayName: `学生 ${i}`, password: `password-${i}-long` }),
      });
      const body = (await response.json()) as { mailboxes: Learner['mailboxes'] };
      expect(response.status, JSON.stringify(body)).toBe(201);
      const cookie = (response.headers.get('set-cookie') ?? '').split(';')[0]!;
      learners[i] = { name: `学生 ${i}`, cookie, mailboxes: body.mailboxes, node: '', mailServer: { host: '', ports: {} } };
    };
    for (let i = 0; i < LEARNERS; i += 3) await Promise.all([i, i + 1, i + 2].filter((k) => k < LEARNERS).map(join));
    const placed = await placements();
    expect(placed.size).toBe(LEARNERS);
    const perNode = [...placed.values()].reduce((m, n) => m.set(n, (m.get(n) ?? 0) + 1), new Map<string, number>());
    // Least-loaded placement: both nodes hold about half.
    expect(perNode.get('n1')).toBeGreaterThanOrEqual(LEARNERS / 2 - 2);
    expect(perNode.get('n2')).toBeGreaterThanOrEqual(LEARNERS / 2 - 2);
    // Each learner's lab page names their own node's mail host, whichever node answers.
    for (const l of learners) {
      for (let k = 0; k < 2; k++) {
        const me = await api(proxy.url, '/api/me', { cookie: l.cookie });
        expect(me.status).toBe(200);
        expect(me.json.mailboxes).toEqual(l.mailboxes);
        l.mailServer = me.json.mailServer;
      }
      l.node = l.mailServer.host.split('.')[0]!;
      expect(['n1', 'n2']).toContain(l.node);
    }
  }, 240_000);

  it("serves each learner's Maildir view, terminal and exercises whichever node the proxy picks", async () => {
    for (const l of learners) {
      // Round robin: consecutive requests reach both nodes; every answer is this learner's own sandbox.
      const views = await Promise.all([0, 1].map(() => api(proxy.url, '/api/maildir', { cookie: l.cookie })));
      for (const v of views) {
        expect(v.status).toBe(200);
        expect(JSON.stringify(v.json)).toContain('alice');
      }
      const quiz = await api(proxy.url, '/api/exercises/ports/attempts', { method: 'POST', cookie: l.cookie, body: { answer: { p25: 'wrong' } } });
      expect(quiz.status).toBe(200);
    }
    // A terminal through the proxy reaches the learner's own sandbox on their node: AUTH with their generated password works.
    for (const l of learners.slice(0, 6)) {
      const url = new URL(proxy.url);
      const term = await TerminalClient.open(Number(url.port), 'pop3', { cookie: l.cookie });
      await term.expect(/\+OK/);
      const bob = l.mailboxes.find((m) => m.address.startsWith('bob'))!;
      await term.send(`USER ${bob.address}`, /\+OK/);
      await term.send(`PASS ${bob.password}`, /\+OK Logged in/);
      term.close();
    }
  });

  it('lets mail clients log in on their own node, and tells them the right node on the other', async () => {
    // Each node's IMAP port, as its own learners' lab pages show it.
    const imapOf = new Map(learners.map((l) => [l.node, l.mailServer.ports.imap!]));
    const script = learners.slice(0, 8).flatMap((l) => {
      const other = nodes.find((n) => n.id !== l.node)!;
      const bob = l.mailboxes.find((m) => m.address.startsWith('bob'))!;
      return [
        { port: imapOf.get(l.node), user: bob.address, password: bob.password, want: 'OK' },
        { port: imapOf.get(other.id), user: bob.address, password: bob.password, want: nodeOf(l.node).mailHost },
      ];
    });
    const result = await python(
      `
import imaplib
out = []
for x in P['logins']:
    c = imaplib.IMAP4('127.0.0.1', x['port'])
    try:
        c.login(x['user'], x['password']); out.append('OK'); c.logout()
    except imaplib.IMAP4.error as e:
        out.append(str(e))
print(json.dumps(out))
`,
      { logins: script },
    );
    const answers = JSON.parse(result.stdout) as string[];
    script.forEach((x, i) => {
      if (x.want === 'OK') expect(answers[i]).toBe('OK');
      else expect(answers[i]).toMatch(new RegExp(`REFERRAL imap://.*@${x.want.replace(/\./g, '\\.')}:\\d+/.*connect your mail client to ${x.want.replace(/\./g, '\\.')}`));
    });
  });

  it('shows the instructor all 30 learners from either node', async () => {
    for (const n of nodes) {
      const progress = await api(n.url, `/api/classes/${classId}/progress`, { cookie: instructorCookie });
      expect(progress.status).toBe(200);
      expect(progress.json.learners).toHaveLength(LEARNERS);
      expect(progress.json.learners.every((l: { cells: Record<string, { attempts: number }> }) => l.cells.ports?.attempts === 1)).toBe(true);
      const csv = await fetch(`${n.url}/api/classes/${classId}/progress.csv`, { headers: { cookie: instructorCookie } });
      expect((await csv.text()).split('\r\n').filter((line) => line.includes('学生'))).toHaveLength(LEARNERS);
    }
    // A learner's transcripts live on their node: the instructor's view of them works from the other node too.
    const far = learners.find((l) => l.node === 'n2')!;
    const member = (await api(nodes[0]!.url, `/api/classes/${classId}`, { cookie: instructorCookie })).json.learners.find((m: { displayName: string }) => m.displayName === far.name);
    const view = await api(nodes[0]!.url, `/api/classes/${classId}/learners/${member.learnerId}`, { cookie: instructorCookie });
    expect(view.status).toBe(200);
    expect(view.json.attempts).toHaveLength(1);
  });

  it("arms an instructor's class-wide fault on every learner's node, and disarms it there too", async () => {
    const spec = { kind: 'reply', host: 'mail.example.com', step: 'greeting', code: 421 };
    const armed = await api(nodes[0]!.url, '/api/faults', { method: 'PUT', cookie: instructorCookie, body: { class: classId, faults: [spec] } });
    expect(armed.status).toBe(200);
    expect(armed.json.learners).toHaveLength(LEARNERS);
    const ids = new Set(armed.json.learners.map((l: { faults: Array<{ id: string }> }) => l.faults[0]?.id));
    // One id class-wide, whichever node holds the sandbox.
    expect(ids.size).toBe(1);
    expect([...ids][0]).toMatch(/^f[0-9a-f]{8}$/);
    const onN2 = learners.filter((l) => l.node === 'n2');
    expect(onN2.length).toBeGreaterThan(0);
    // Learners on both nodes see it, and meet it in their own sandbox's SMTP.
    for (const l of [learners.find((x) => x.node === 'n1')!, onN2[0]!]) {
      const mine = await api(proxy.url, '/api/faults', { cookie: l.cookie });
      expect(mine.json.faults).toMatchObject([{ armedBy: 'instructor', spec }]);
      const term = await TerminalClient.open(Number(new URL(proxy.url).port), 'smtp', { cookie: l.cookie });
      expect(await term.expect(/421 /)).toMatch(/421 4\.3\.2 mail\.example\.com/);
      term.close();
    }
    // Disarmed from the other node: gone everywhere.
    const disarmed = await api(nodes[1]!.url, `/api/faults/${[...ids][0]}?class=${classId}`, { method: 'DELETE', cookie: instructorCookie });
    expect(disarmed.status).toBe(200);
    expect(disarmed.json.learners.every((l: { faults: unknown[] }) => l.faults.length === 0)).toBe(true);
    expect((await api(proxy.url, '/api/faults', { cookie: onN2[0]!.cookie })).json.faults).toEqual([]);
  });

  it('refuses a request between nodes whose body, target or nonce is not the one its signature covers', async () => {
    const { signRequest } = await import('../../lab-server/src/cluster/channel.js');
    const sandboxId = [...(await placements())].find(([, n]) => n === 'n2')![0];
    const honest = JSON.stringify({ sandboxIds: [sandboxId], change: { kind: 'list' } });
    const path = '/api/cluster/faults';
    const headers = { 'content-type': 'application/json' };
    const sign = (o: { secret?: string; to?: string; body?: string } = {}) =>
      signRequest(o.secret ?? secret, { from: 'n1', to: o.to ?? 'n2', method: 'POST', path, client: 'cluster', body: o.body ?? honest, headers });
    const send = (body: string, signed: Record<string, string>) => fetch(`${nodeOf('n2').url}${path}`, { method: 'POST', headers: { ...headers, ...signed }, body });
    expect((await send(honest, sign())).status).toBe(200);
    // The same body with another change, under the honest body's signature.
    const swapped = JSON.stringify({ sandboxIds: [sandboxId], change: { kind: 'replace', by: 'instructor', faults: [] } });
    const tampered = await send(swapped, sign());
    expect(tampered.status).toBe(403);
    expect(((await tampered.json()) as { error: { en: string } }).error.en).toMatch(/body is not the one its lab node signed/);
    // A wrong secret, a request signed for another node, and one sent twice.
    expect((await send(honest, sign({ secret: 'not the secret' }))).status).toBe(403);
    expect((await send(honest, sign({ to: 'n1' }))).status).toBe(403);
    const once = sign();
    expect((await send(honest, once)).status).toBe(200);
    expect((await send(honest, once)).status).toBe(403);
  });

  it('tells a mail client logging in while a drain moves its mailbox to wait a moment, not that its password is wrong', async () => {
    const moving = learners.find((l) => l.node === 'n2')!;
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    const sandboxId = (await client.query<{ sandbox_id: string }>('SELECT sandbox_id FROM learners WHERE display_name = $1', [moving.name])).rows[0]!.sandbox_id;
    expect((await placements()).get(sandboxId)).toBe('n2');
    // What `maillab node drain` does first: the placement says "moving" while the copy runs.
    const setState = (state: string) => client.query('UPDATE placements SET state = $1 WHERE sandbox_id = $2', [state, sandboxId]);
    await setState('moving');
    try {
      const bob = moving.mailboxes.find((m) => m.address.startsWith('bob'))!;
      const result = await python(
        `
import imaplib, poplib, smtplib, ssl
out = []
for port in P['imap']:
    c = imaplib.IMAP4('127.0.0.1', port)
    try:
        c.login(P['user'], P['password']); out.append('logged in')
    except imaplib.IMAP4.error as e:
        out.append(str(e))
for port in P['pop3']:
    p = poplib.POP3('127.0.0.1', port); p.user(P['user'])
    try:
        p.pass_(P['password']); out.append('logged in')
    except poplib.error_proto as e:
        out.append(e.args[0].decode())
for port in P['submission']:
    s = smtplib.SMTP('127.0.0.1', port); s.starttls(context=ssl._create_unverified_context())
    try:
        s.login(P['user'], P['password']); out.append('logged in')
    except smtplib.SMTPAuthenticationError as e:
        out.append(str(e.smtp_code) + ' ' + e.smtp_error.decode())
print(json.dumps(out))
`,
        {
          user: bob.address,
          password: bob.password,
          // On the node that holds the mailbox, and on the other one.
          imap: nodes.map((n) => learners.find((l) => l.node === n.id)!.mailServer.ports.imap),
          pop3: nodes.map((n) => learners.find((l) => l.node === n.id)!.mailServer.ports.pop3),
          submission: nodes.map((n) => learners.find((l) => l.node === n.id)!.mailServer.ports.submission),
        },
      );
      const answers = JSON.parse(result.stdout) as string[];
      expect(answers, result.stderr).toHaveLength(6);
      for (const a of answers.slice(0, 2)) expect(a).toMatch(/\[UNAVAILABLE\] Your lab is being moved to another lab node\. Wait a moment, then log in again/);
      for (const a of answers.slice(2, 4)) expect(a).toMatch(/^-ERR \[SYS\/TEMP\] Your lab is being moved/);
      for (const a of answers.slice(4)) expect(a).toMatch(/^454 4\.7\.0 Your lab is being moved/);
      // The web pages say it in both languages.
      const view = await api(proxy.url, '/api/maildir', { cookie: moving.cookie });
      expect(view.status).toBe(503);
      expect(view.json.error.en).toMatch(/being moved to another node\. Wait a moment/);
      expect(view.json.error['zh-CN']).toContain('正在迁移');
    } finally {
      await setState('ready');
      await client.end();
    }
    // Once the move is over the same login works again.
    const bob = moving.mailboxes.find((m) => m.address.startsWith('bob'))!;
    const again = await python("import imaplib\nc = imaplib.IMAP4('127.0.0.1', P['port']); c.login(P['user'], P['password']); print('ok'); c.logout()", { port: moving.mailServer.ports.imap, user: bob.address, password: bob.password });
    expect(again.stdout.trim(), again.stderr).toBe('ok');
  });

  it("tells a killed node's learners their node is down while the others work on, and gives them their mail back when it returns", async () => {
    const victim = nodeOf('n2');
    const onVictim = learners.filter((l) => l.node === 'n2');
    const onSurvivor = learners.filter((l) => l.node === 'n1');
    // A message into a victim learner's mailbox before the crash.
    const target = onVictim[0]!;
    const bob = target.mailboxes.find((m) => m.address.startsWith('bob'))!;
    const sent = await python(
      `
import smtplib, ssl
s = smtplib.SMTP('127.0.0.1', P['port']); s.starttls(context=ssl._create_unverified_context()); s.login(P['user'], P['password'])
s.sendmail(P['user'], [P['user']], b'Subject: survives the crash\\r\\n\\r\\nstill here\\r\\n'); s.quit(); print('ok')
`,
      { port: target.mailServer.ports.submission, user: bob.address, password: bob.password },
    );
    expect(sent.stdout.trim(), sent.stderr).toBe('ok');

    await victim.kill();
    await new Promise((r) => setTimeout(r, 4000));
    for (const l of onVictim.slice(0, 3)) {
      const view = await api(proxy.url, '/api/maildir', { cookie: l.cookie });
      expect(view.status).toBe(503);
      expect(view.json.error.en).toMatch(/node n2 \(n2\.lab\.test\), which is down/);
      expect(view.json.error['zh-CN']).toContain('已停止运行');
      const term = await TerminalClient.open(Number(new URL(proxy.url).port), 'smtp', { cookie: l.cookie });
      expect((await term.message('error')).message?.en).toMatch(/which is down/);
    }
    for (const l of onSurvivor.slice(0, 5)) expect((await api(proxy.url, '/api/maildir', { cookie: l.cookie })).status).toBe(200);

    await victim.start();
    // Back within a heartbeat or two of its start.
    let status = 0;
    for (let tries = 0; tries < 30 && status !== 200; tries++) {
      if (tries > 0) await new Promise((r) => setTimeout(r, 500));
      status = (await api(proxy.url, '/api/maildir', { cookie: target.cookie })).status;
    }
    expect(status).toBe(200);
    const read = await python(
      `
import imaplib
c = imaplib.IMAP4('127.0.0.1', P['port']); c.login(P['user'], P['password']); c.select('INBOX')
typ, data = c.search(None, 'SUBJECT', '"survives the crash"'); print(len(data[0].split())); c.logout()
`,
      { port: target.mailServer.ports.imap, user: bob.address, password: bob.password },
    );
    expect(read.stdout.trim()).toBe('1');
  }, 90_000);

  it('drains a node: its sandboxes move to the other with their mail, UIDVALIDITY and UIDs', async () => {
    const moving = learners.filter((l) => l.node === 'n2');
    const sample = moving[0]!;
    const bob = sample.mailboxes.find((m) => m.address.startsWith('bob'))!;
    const uids = `
import imaplib, re
c = imaplib.IMAP4('127.0.0.1', P['port']); c.login(P['user'], P['password'])
typ, data = c.status('INBOX', '(UIDVALIDITY UIDNEXT MESSAGES)')
c.select('INBOX', readonly=True)
typ, uids = c.uid('SEARCH', None, 'ALL')
print(json.dumps({'status': data[0].decode().split('(')[1], 'uids': uids[0].decode()})); c.logout()
`;
    const read = await python(uids, { port: sample.mailServer.ports.imap, user: bob.address, password: bob.password });
    expect(read.stderr).toBe('');
    const before = JSON.parse(read.stdout) as { status: string; uids: string };

    // A mail client still logged in on n2 when the drain comes is told why it is cut off.
    const open = await RawClient.open(sample.mailServer.ports.imap!);
    await open.until(/\r\n/);
    open.send(`a1 LOGIN "${bob.address}" "${bob.password}"\r\n`);
    await open.until(/^a1 OK/m);

    // The operator's shell holds the cluster's secret, as the nodes' environment does.
    process.env.MAILLAB_CLUSTER_SECRET = secret;
    const drain = await run('node', ['bin/maillab.mjs', 'node', 'drain', 'n2', '--database', database.url], undefined, 120_000);
    expect(drain.stderr).toBe('');
    expect(drain.stdout).toContain(`Node n2: ${moving.length} sandboxes moved`);
    expect(await open.until(/^\* BYE .*\r\n/m, 10_000)).toMatch(/^\* BYE Your lab is being moved to another lab node\. Wait a moment, then log in again/m);
    open.socket.destroy();
    const placed = await placements();
    expect([...placed.values()].every((n) => n === 'n1')).toBe(true);

    // The learner now reads the same mail, with the same UIDVALIDITY and UIDs, on n1.
    const n1Imap = learners.find((l) => l.node === 'n1')!.mailServer.ports.imap!;
    const after = JSON.parse((await python(uids, { port: n1Imap, user: bob.address, password: bob.password })).stdout) as { status: string; uids: string };
    expect(after).toEqual(before);
    const me = await api(proxy.url, '/api/me', { cookie: sample.cookie });
    expect(me.json.mailServer.host).toBe('n1.lab.test');
    expect((await api(proxy.url, '/api/maildir', { cookie: sample.cookie })).status).toBe(200);
  }, 150_000);
});
