/**
 * The signed channel between lab nodes, on two real nodes' routing over real HTTP servers and
 * one shared store (SQLite here; the cluster suite runs it on PostgreSQL): a learner's request
 * forwarded to the node that holds the sandbox arrives with its body; a body swapped under a
 * signature, a request sent twice, one signed for another node or with another cookie is
 * refused. And a node knows the other nodes' addresses, however many and wherever they are.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signRequest } from '../../lab-server/src/cluster/channel.js';
import { ClusterNode } from '../../lab-server/src/cluster/node.js';
import { clientAddressIn, sandboxRouting } from '../../lab-server/src/cluster/routing.js';
import { BodyError, JSON_OBJECT, readJson } from '../../lab-server/src/http/body.js';
import { sendJson, type Route } from '../../lab-server/src/http/server.js';
import { ClusterStore } from '../../lab-server/src/store/cluster.js';
import { openDatabase } from '../../lab-server/src/store/database.js';
import type { Database } from '../../lab-server/src/store/sql.js';

const secret = 'a shared secret of the test cluster';
const SANDBOX = 'learner-on-n2';
let dir: string;
let db: Database;
let store: ClusterStore;
const nodes = new Map<string, { node: ClusterNode; server: Server; url: string }>();

/** A route that needs the sandbox and echoes the JSON body it read, as the lab's routes read bodies. */
const echo: Route = async (req, res) => {
  try {
    sendJson(res, 200, { got: await readJson(req, JSON_OBJECT), cookie: req.headers.cookie ?? null });
  } catch (err) {
    if (err instanceof BodyError) return sendJson(res, err.status, { error: err.body });
    throw err;
  }
};

/** A lab node on `host`: its routing wraps the echo route, as the lab wraps its sandbox routes. */
async function startNode(id: string, host: string): Promise<void> {
  let route: Route = () => undefined;
  const server = createServer((req, res) => void route(req, res, new URL(req.url ?? '/', 'http://x'), {}));
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const { port } = server.address() as AddressInfo;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  const quiet = (): void => undefined;
  const load = { sandboxes: async () => 0, terminals: () => 0, terminalOwners: () => new Set<string>() };
  const node = new ClusterNode({ nodeId: id, nodeUrl: url, mailHost: `${id}.lab.test`, secret, heartbeatMs: 60_000 }, store, load, async () => undefined, quiet);
  const clientAddress = clientAddressIn(node, (req: IncomingMessage) => req.socket.remoteAddress ?? '');
  route = sandboxRouting(node, clientAddress, quiet).sandboxOfRoute(echo, async () => SANDBOX);
  nodes.set(id, { node, server, url });
}

const post = (url: string, body: string, headers: Record<string, string> = {}) =>
  fetch(`${url}/api/echo`, { method: 'POST', headers: { 'content-type': 'application/json', cookie: 'maillab=learner', ...headers }, body });

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'maillab-channel-'));
  db = await openDatabase(dir);
  store = new ClusterStore(db);
  // Three nodes at three distinct addresses: 127.0.0.1, 127.0.0.2 and ::1.
  await startNode('n1', '127.0.0.1');
  await startNode('n2', '127.0.0.2');
  await startNode('n3', '::1');
  // All three are on record before any starts, so each finds the other two when it does.
  for (const [id, { url }] of nodes) await store.register({ id, webUrl: url, mailHost: `${id}.lab.test`, ports: {} });
  for (const { node } of nodes.values()) await node.start({});
  await store.place(SANDBOX, 'n2');
});

afterAll(async () => {
  for (const { node, server } of nodes.values()) {
    node.stop();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
  await db?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('the signed channel between lab nodes', () => {
  it('forwards a learner\'s request to the node that holds the sandbox, body and cookie intact', async () => {
    const body = JSON.stringify({ answer: '中文 and English', n: 1 });
    const answer = await post(nodes.get('n1')!.url, body);
    expect(answer.status).toBe(200);
    expect(await answer.json()).toEqual({ got: JSON.parse(body), cookie: 'maillab=learner' });
  });

  it('refuses a body swapped under a signature, and takes the honest one', async () => {
    const n2 = nodes.get('n2')!.url;
    const honest = JSON.stringify({ answer: 'mine' });
    const headers = { 'content-type': 'application/json', cookie: 'maillab=learner' };
    const sign = (o: { body?: string; to?: string; cookie?: string; key?: string } = {}) =>
      signRequest(o.key ?? secret, { from: 'n1', to: o.to ?? 'n2', method: 'POST', path: '/api/echo', client: '192.0.2.7', body: o.body ?? honest, headers: { ...headers, cookie: o.cookie ?? headers.cookie } });
    expect((await post(n2, honest, sign())).status).toBe(200);
    const swapped = await post(n2, JSON.stringify({ answer: 'someone else\'s' }), sign());
    expect(swapped.status).toBe(403);
    expect(((await swapped.json()) as { error: { en: string; 'zh-CN': string } }).error).toEqual({
      en: 'Refused: this request\'s body is not the one its lab node signed.',
      'zh-CN': '已拒绝：请求体与实验节点签名的内容不符。',
    });
    // Another learner's cookie under a signature made for this one's, another node, another key.
    expect((await post(n2, honest, sign({ cookie: 'maillab=someone-else' }))).status).toBe(403);
    expect((await post(n2, honest, sign({ to: 'n3' }))).status).toBe(403);
    expect((await post(n2, honest, sign({ key: 'not the secret' }))).status).toBe(403);
  });

  it('takes a signed request once: the same one sent again is refused', async () => {
    const n2 = nodes.get('n2')!.url;
    const body = JSON.stringify({ answer: 'once' });
    const signed = signRequest(secret, { from: 'n1', to: 'n2', method: 'POST', path: '/api/echo', client: '192.0.2.7', body, headers: { 'content-type': 'application/json', cookie: 'maillab=learner' } });
    expect((await post(n2, body, signed)).status).toBe(200);
    const again = await post(n2, body, signed);
    expect(again.status).toBe(403);
    expect(((await again.json()) as { error: { en: string } }).error.en).toMatch(/already used/);
  });

  it('refuses to forward a body larger than any route reads, and says so in both languages', async () => {
    const answer = await post(nodes.get('n1')!.url, JSON.stringify({ answer: 'x'.repeat(300 * 1024) }));
    expect(answer.status).toBe(413);
    const { error } = (await answer.json()) as { error: { en: string; 'zh-CN': string } };
    expect(error.en).toMatch(/larger than 256 KB/);
    expect(error['zh-CN']).toMatch(/请求超过 256 KB/);
  });

  it('knows the other nodes\' addresses, each distinct, and not its own', () => {
    const n1 = nodes.get('n1')!.node;
    expect(n1.isPeer('127.0.0.2')).toBe(true);
    expect(n1.isPeer('::ffff:127.0.0.2')).toBe(true);
    expect(n1.isPeer('::1')).toBe(true);
    expect(n1.isPeer('127.0.0.1')).toBe(false);
    expect(n1.isPeer('127.0.0.3')).toBe(false);
    const n3 = nodes.get('n3')!.node;
    expect(n3.isPeer('127.0.0.1')).toBe(true);
    expect(n3.isPeer('127.0.0.2')).toBe(true);
    expect(n3.isPeer('::1')).toBe(false);
  });
});
