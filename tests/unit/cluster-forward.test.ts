/**
 * Forwarding to a node that takes the connection and then says nothing (its heartbeats may go
 * on: a partition, a stalled proxy in front of its web port): the learner hears that the node
 * cannot be reached once it has been silent too long, instead of waiting without end.
 */
import { createServer as createHttpServer, type IncomingMessage, type Server } from 'node:http';
import { createServer, type Socket, type Server as NetServer } from 'node:net';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { forwardRequest, forwardUpgrade } from '../../lab-server/src/cluster/forward.js';

let silent: NetServer;
let silentUrl = '';
const held: Socket[] = [];
let front: Server;
let frontPort = 0;

beforeAll(async () => {
  // Takes every connection, reads what comes, never answers.
  silent = createServer((socket) => {
    held.push(socket);
    socket.resume();
  });
  await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
  silentUrl = `http://127.0.0.1:${(silent.address() as { port: number }).port}`;
  front = createHttpServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c)).on('end', () => {
      forwardRequest(req, Buffer.concat(chunks), res, silentUrl, () => ({}), (err) => {
        res.writeHead(503, { 'content-type': 'text/plain' });
        res.end(`node unreachable: ${err.message}`);
      }, false, 1000);
    });
  });
  await new Promise<void>((r) => front.listen(0, '127.0.0.1', r));
  frontPort = (front.address() as { port: number }).port;
});
afterAll(async () => {
  for (const s of held) s.destroy();
  front?.closeAllConnections();
  await new Promise((r) => front?.close(r));
  await new Promise((r) => silent?.close(r));
});

describe('forwarding to a node that never answers', () => {
  it('answers the learner 503 once the node has been silent for the allowed time (a GET and a POST)', async () => {
    for (const method of ['GET', 'POST']) {
      const started = Date.now();
      // Without a limit the request waited for good: here 15 s, far past the 1 s allowed.
      const r = await fetch(`http://127.0.0.1:${frontPort}/api/world`, { method, signal: AbortSignal.timeout(15_000), ...(method === 'POST' ? { body: '{}' } : {}) });
      expect(r.status).toBe(503);
      expect(await r.text()).toMatch(/no answer in 1 s/);
      expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    }
  }, 40_000);

  it('gives up a terminal upgrade the node never answers, so the learner can be told', async () => {
    const req = { method: 'GET', url: '/terminal/smtp', headers: { connection: 'Upgrade', upgrade: 'websocket', 'sec-websocket-version': '13', 'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==' } } as unknown as IncomingMessage;
    const outcome = await Promise.race([
      forwardUpgrade(req, new PassThrough(), Buffer.alloc(0), silentUrl, {}, 1000),
      new Promise<string>((r) => setTimeout(() => r('still waiting after 15 s'), 15_000)),
    ]);
    expect(outcome).toBeInstanceOf(Error);
    expect((outcome as Error).message).toMatch(/no answer in 1 s/);
  }, 40_000);
});
