/**
 * DNS over TCP against clients that never read their answers: the lab's DNS server, with a
 * short idle time and a small connection cap so the test is quick, over the lab's own zones.
 * Raw bytes on the wire: a client that stops reading is what the test is about, and no
 * ordinary DNS client does that on purpose. dig is the bystander that must still get answers.
 */
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDnsServer, type DnsServer } from '../../lab-server/src/dns/server.js';
import { buildQuery } from '../../lab-server/src/dns/wire.js';
import { run } from '../helpers/clients.js';
import { startTestLab, type TestLab } from '../helpers/lab.js';
import { editZone } from '../helpers/world.js';

let lab: TestLab;
/** One server with a short idle time, one with a small cap (and an idle time that never comes). */
let quick: DnsServer;
let capped: DnsServer;
/** The servers' side of each connection, as they accepted them. */
const accepted: Socket[] = [];

const IDLE_MS = 1000;
const CAP = 4;

const startServer = async (maxConnections: number, idleMs: number): Promise<DnsServer> => {
  const server = await startDnsServer('127.0.0.1', 0, {
    access: lab.access,
    authority: (s) => lab.world.dns.authority(s),
    log: () => undefined,
    tcpLimits: { maxConnections, idleMs },
  });
  server.tcp.on('connection', (s) => accepted.push(s));
  return server;
};

beforeAll(async () => {
  lab = await startTestLab();
  // 240 strings of 250 bytes at every name under w.example.com: each answer is 60 KB.
  const huge = Array.from({ length: 240 }, () => `"${'x'.repeat(250)}"`).join(' ');
  expect((await editZone(lab, 'example.com', (t) => `${t}\n*.w IN TXT ${huge}\n`)).status).toBe(200);
  quick = await startServer(64, IDLE_MS);
  capped = await startServer(CAP, 600_000);
});
afterAll(async () => {
  await quick?.close();
  await capped?.close();
  await lab?.dispose();
});

const framed = (query: Buffer): Buffer => Buffer.concat([Buffer.from([query.length >> 8, query.length & 0xff]), query]);
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const open = async (dns: DnsServer): Promise<number> => new Promise((resolve) => dns.tcp.getConnections((_e, n) => resolve(n)));

/**
 * A client that asks for answers of 60 KB, a few at a time (or one after the other), until the
 * server holds some back (the kernel's socket buffers take a few MB first), reads none of them,
 * and sends a byte now and then so it never looks idle. Returns the server's side of the connection too.
 */
async function nonReader(dns: DnsServer, pace: 'pipelined' | 'one at a time' = 'pipelined'): Promise<{ socket: Socket; server: Socket; stalledSince(): number; stop(): void }> {
  const seen = accepted.length;
  const socket = connect(dns.port, '127.0.0.1');
  socket.pause();
  socket.on('error', () => undefined);
  await new Promise((resolve) => socket.once('connect', resolve));
  for (let i = 0; i < 100 && accepted.length === seen; i++) await sleep(10);
  const server = accepted.at(-1)!;
  // The kernel may still take a little now and then (a paused reader's buffers are squeezed):
  // each 'drain' is progress, and the server's stall clock starts again after it.
  let drainedAt = 0;
  server.on('drain', () => (drainedAt = Date.now()));
  const query = framed(buildQuery('big.w.example.com', 'TXT', { id: 1 }));
  if (pace === 'pipelined') {
    for (let asked = 0; asked < 400 && server.writableLength < 64 * 1024; asked += 4) {
      socket.write(Buffer.concat([query, query, query, query]));
      await sleep(20);
    }
  } else {
    // The next query only once the last one's answer is written: none waits when they back up.
    for (let asked = 0; asked < 400 && server.writableLength < 64 * 1024; asked++) {
      const written = server.bytesWritten;
      socket.write(query);
      for (let i = 0; i < 500 && server.bytesWritten === written; i++) await sleep(2);
    }
  }
  expect(server.writableLength).toBeGreaterThanOrEqual(64 * 1024);
  const stalledAt = Date.now();
  // Pipelined: half a length prefix, then the rest of it and a byte of a query, a byte at a
  // time. One at a time: the prefix of a query of 65,535 bytes, whose bytes never all come.
  if (pace === 'one at a time') socket.write(Buffer.from([0xff, 0xff]));
  const trickle = setInterval(() => socket.destroyed || socket.write(Buffer.from([0])), IDLE_MS / 5);
  return { socket, server, stalledSince: () => Math.max(stalledAt, drainedAt), stop: () => (clearInterval(trickle), socket.destroy()) };
}

describe('DNS over TCP with clients that never read', () => {
  it('closes a connection whose answers are not taken for the idle time, though the client keeps sending bytes', async () => {
    const client = await nonReader(quick);
    const server = client.server;
    try {
      // Closed within two idle times of stalling (before: held for as long as the bytes came);
      // up to ten seconds are allowed for a machine busy with other work.
      for (let i = 0; i < 200 && !server.destroyed; i++) await sleep(50);
      expect(server.destroyed).toBe(true);
      expect(await open(quick)).toBe(0);
    } finally {
      client.stop();
    }
  });

  it('closes a connection whose answers are not taken for the idle time, though no query waits behind them and a slow one trickles in', async () => {
    const client = await nonReader(quick, 'one at a time');
    const server = client.server;
    try {
      // Before: nothing waited behind the answers, so no stall clock ran, and the trickled
      // bytes kept the idle timer from firing: held for as long as the bytes came.
      for (let i = 0; i < 200 && !server.destroyed; i++) await sleep(50);
      expect(server.destroyed).toBe(true);
    } finally {
      client.stop();
    }
  });

  it('stops reading at 64 KB of queries waiting behind answers nobody takes', async () => {
    const client = await nonReader(capped);
    const server = client.server;
    try {
      const before = server.bytesRead;
      // 30 queries of 65 000 bytes each (a question and padding): 2 MB that used to be read and held.
      const big = Buffer.alloc(65_000);
      buildQuery('x.example.com', 'A', { id: 2 }).copy(big);
      client.socket.write(Buffer.concat(Array.from({ length: 30 }, () => framed(big))));
      await sleep(300);
      expect(server.bytesRead - before).toBeLessThan(256 * 1024);
    } finally {
      client.stop();
    }
  });

  it('at the cap, a newcomer (dig +tcp) closes the connection whose answers have waited longest', async () => {
    const clients = [];
    // The last test's connection must be gone first, or it would be the one closed.
    for (let i = 0; i < 400 && (await open(capped)) > 0; i++) await sleep(25);
    expect(await open(capped)).toBe(0);
    try {
      for (let i = 0; i < CAP; i++) {
        clients.push(await nonReader(capped));
      }
      expect(await open(capped)).toBe(CAP);
      const out = await run('dig', ['@127.0.0.1', '-p', String(capped.port), '+tcp', '+time=5', '+tries=1', 'example.com', 'MX']);
      expect(out.stdout).toMatch(/status: NOERROR/);
      // Without drains the first is the one stalled longest; a busy machine's kernel may take
      // a few bytes of one now and then, which starts its stall again (a closed one drains no more).
      const stalls = clients.map((c) => c.stalledSince());
      const longest = stalls.indexOf(Math.min(...stalls));
      expect(clients.map((c) => c.server.destroyed)).toEqual(clients.map((_c, i) => i === longest));
    } finally {
      for (const c of clients) c.stop();
    }
  });
});
