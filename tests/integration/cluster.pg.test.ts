/**
 * Two lab nodes sharing one PostgreSQL behind Caddy with no stickiness: 30 learners join
 * through the proxy and land on both nodes; each one's Maildir view, terminal, exercises and
 * mail clients work whichever node the proxy picks; the instructor sees all 30 from either
 * node and arms faults on every learner's node; a wrong-node mail login is told the right node;
 * the nodes refuse each other's requests when the signature does not cover them. A node that is
 * killed, drained or moving: cluster-node-loss.pg.test.ts.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { python } from '../helpers/clients.js';
import { freshPostgresDatabase } from '../helpers/database.js';
import { startCaddy, startNodes, type LabNode, type Proxy } from '../helpers/cluster.js';
import { api, instructorWithClass, joinThroughProxy, placements as placementsIn, type ClusterLearner } from '../helpers/clusterClass.js';
import { TerminalClient } from '../helpers/terminal.js';

const LEARNERS = 30;
const secret = randomBytes(24).toString('hex');
let database: { url: string; drop(): Promise<void> };
let nodes: LabNode[] = [];
let proxy: Proxy;
let joinCode = '';
let classId = '';
let instructorCookie = '';

let learners: ClusterLearner[] = [];
const placements = () => placementsIn(database.url);
const nodeOf = (id: string): LabNode => nodes.find((n) => n.id === id)!;

beforeAll(async () => {
  database = await freshPostgresDatabase();
  nodes = await startNodes(['n1', 'n2'], { database: database.url, secret });
  proxy = await startCaddy(nodes.map((n) => n.url));
  // Two node starts (up to 180 s each at once, tests/helpers/cluster.ts) and Caddy.
}, 240_000);

afterAll(async () => {
  await proxy?.stop();
  for (const n of nodes) await n.stop();
  await database?.drop();
});

describe('two lab nodes behind a proxy', () => {
  it('lets an instructor made on the command line log in and create a class through the proxy', async () => {
    ({ instructorCookie, joinCode, classId } = await instructorWithClass(database.url, proxy.url, 'Cluster 101'));
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
    learners = await joinThroughProxy(proxy.url, joinCode, LEARNERS);
    const placed = await placements();
    expect(placed.size).toBe(LEARNERS);
    const perNode = [...placed.values()].reduce((m, n) => m.set(n, (m.get(n) ?? 0) + 1), new Map<string, number>());
    // Least-loaded placement: both nodes hold about half.
    expect(perNode.get('n1')).toBeGreaterThanOrEqual(LEARNERS / 2 - 2);
    expect(perNode.get('n2')).toBeGreaterThanOrEqual(LEARNERS / 2 - 2);
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
});
