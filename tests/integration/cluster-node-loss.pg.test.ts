/**
 * A cluster node that is not there for its learners, on two lab nodes sharing one PostgreSQL
 * behind Caddy: while a drain moves a learner's mailbox their mail clients are told to wait a
 * moment (not that the password is wrong); a killed node's learners get the clear message while
 * the others work on, and get their mail back when it returns; a drain moves a node's sandboxes
 * with their mail, UIDVALIDITY and UIDs. The cluster at work: cluster.pg.test.ts.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { python, run } from '../helpers/clients.js';
import { freshPostgresDatabase } from '../helpers/database.js';
import { startCaddy, startNodes, type LabNode, type Proxy } from '../helpers/cluster.js';
import { api, instructorWithClass, joinThroughProxy, placements as placementsIn, type ClusterLearner } from '../helpers/clusterClass.js';
import { RawClient } from '../helpers/rawSocket.js';
import { TerminalClient } from '../helpers/terminal.js';
import pg from 'pg';

/** Enough that each node holds five or more (placement is least-loaded), few enough to join quickly. */
const LEARNERS = 14;
const secret = randomBytes(24).toString('hex');
let database: { url: string; drop(): Promise<void> };
let nodes: LabNode[] = [];
let proxy: Proxy;
let learners: ClusterLearner[] = [];
const placements = () => placementsIn(database.url);
const nodeOf = (id: string): LabNode => nodes.find((n) => n.id === id)!;

beforeAll(async () => {
  database = await freshPostgresDatabase();
  nodes = await startNodes(['n1', 'n2'], { database: database.url, secret });
  proxy = await startCaddy(nodes.map((n) => n.url));
  const { joinCode } = await instructorWithClass(database.url, proxy.url, 'Cluster 103');
  learners = await joinThroughProxy(proxy.url, joinCode, LEARNERS);
  // Least-loaded placement: both nodes hold about half.
  for (const id of ['n1', 'n2']) expect(learners.filter((l) => l.node === id).length).toBeGreaterThanOrEqual(LEARNERS / 2 - 2);
  // Two node starts (up to 180 s each at once, tests/helpers/cluster.ts), Caddy and 30 joins.
}, 360_000);

afterAll(async () => {
  await proxy?.stop();
  for (const n of nodes) await n.stop();
  await database?.drop();
});

describe('a lab node that is moving, down or drained', () => {
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
    // Down once its heartbeat is older than --node-down-after (3 s here): wait for that, not a guess of it.
    await expect.poll(async () => (await api(proxy.url, '/api/maildir', { cookie: onVictim[0]!.cookie })).json?.error?.en ?? '', { timeout: 20_000, interval: 250 }).toMatch(/which is down/);
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
