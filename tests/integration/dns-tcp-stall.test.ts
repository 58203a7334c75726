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
 * A client that asks for answers of 60 KB, a few at a time, until the server holds some back
 * (the kernel's socket buffers take a few MB first), reads none of them, and sends a byte now
 * and then so it never looks idle. Returns the server's side of the connection too.
 */
async function nonReader(dns: DnsServer): Promise<{ socket: Socket; server: Socket; stop(): void }> {
  const seen = accepted.length;
  const socket = connect(dns.port, '127.0.0.1');
  socket.pause();
  socket.on('error', () => undefined);
  await new Promise((resolve) => socket.once('connect', resolve));
  for (let i = 0; i < 100 && accepted.length === seen; i++) await sleep(10);
  const server = accepted.at(-1)!;
  const query = framed(buildQuery('big.w.example.com', 'TXT', { id: 1 }));
  for (let asked = 0; asked < 400 && server.writableLength < 64 * 1024; asked += 4) {
    socket.write(Buffer.concat([query, query, query, query]));
    await sleep(20);
  }
  expect(server.writableLength).toBeGreaterThanOrEqual(64 * 1024);
  // Half a length prefix, then the rest of it and a byte of a query, a byte at a time.
  const trickle = setInterval(() => socket.destroyed || socket.write(Buffer.from([0])), IDLE_MS / 5);
  return { socket, server, stop: () => (clearInterval(trickle), socket.destroy()) };
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
    for (let i = 0; i < 100 && (await open(capped)) > 0; i++) await sleep(25);
    try {
      for (let i = 0; i < CAP; i++) {
        clients.push(await nonReader(capped));
      }
      expect(await open(capped)).toBe(CAP);
      const [first, ...others] = clients.map((c) => c.server);
      const out = await run('dig', ['@127.0.0.1', '-p', String(capped.port), '+tcp', '+time=5', '+tries=1', 'example.com', 'MX']);
      expect(out.stdout).toMatch(/status: NOERROR/);
      expect(first!.destroyed).toBe(true);
      for (const s of others) expect(s.destroyed).toBe(false);
    } finally {
      for (const c of clients) c.stop();
    }
  });
});
