/**
 * The lab's authoritative DNS server: UDP and TCP on one port (53 + offset, 2053 by default).
 *
 * Whose zones it serves: UDP queries, and TCP connections from ordinary clients (dig, a
 * resolver), see the sandbox that external clients reach — the default sandbox. A TCP
 * connection the lab itself opens for a learner (handed off like a terminal connection) sees
 * that learner's sandbox. The lab's own mail servers do not use the network at all: they ask
 * their sandbox's zones in-process (see LabDns.resolver), through the same answerQuery code.
 *
 * TCP follows RFC 7766: two-byte length prefix, several queries per connection, answered in
 * order, idle connections closed after 10 seconds.
 */
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { createServer, type Server, type Socket } from 'node:net';
import type { Authority } from '../grading/dns/authority.js';
import type { Logger } from '../log.js';
import { listenError, type ListenError } from '../net/listenError.js';
import type { SandboxAccess } from '../world/access.js';
import type { Sandbox } from '../world/sandbox.js';
import type { DnsFaultCheck } from './interference.js';
import { answerQuery, rcodeOf } from './wire.js';

export interface DnsServerDeps {
  access: SandboxAccess;
  authority: (sandbox: Sandbox) => Promise<Authority>;
  /** The sandbox's armed DNS faults (a timeout fault means no reply at all). */
  interference?: (sandbox: Sandbox) => Promise<DnsFaultCheck | undefined>;
  log: Logger;
  /** Told of every query answered or dropped (metrics): transport and response code. */
  onQuery?: (transport: 'udp' | 'tcp', rcode: string) => void;
}

export interface DnsServer {
  port: number;
  udp: UdpSocket;
  tcp: Server;
  close(): Promise<void>;
}

const TCP_IDLE_MS = 10_000;
/**
 * Open TCP connections at once. At the cap a new connection closes the one idle longest (no
 * query being answered), as RFC 7766 §6.2.3 allows under pressure: a client that holds
 * connections open (a byte every few seconds) cannot keep everyone else's dig +tcp out.
 */
const MAX_TCP_CONNECTIONS = 512;

/** What the accept loop needs to know of a connection to pick one to close. */
interface TcpConnection {
  /** Queries read and not answered yet. */
  pending: number;
  /** When the last whole query arrived (or the connection opened). */
  lastQueryAt: number;
}

/** The connection idle longest, if any is idle. */
function idlest(connections: Map<Socket, TcpConnection>): Socket | undefined {
  let found: Socket | undefined;
  let since = Infinity;
  for (const [socket, c] of connections) {
    if (c.pending === 0 && c.lastQueryAt < since) [found, since] = [socket, c.lastQueryAt];
  }
  return found;
}

interface Answerer {
  authority: Authority | undefined;
  interfere: DnsFaultCheck | undefined;
}

async function answererFor(sandbox: Sandbox, deps: DnsServerDeps): Promise<Answerer> {
  const [authority, interfere] = await Promise.all([deps.authority(sandbox).catch(() => undefined), deps.interference?.(sandbox).catch(() => undefined)]);
  return { authority, interfere };
}

async function externalAnswerer(deps: DnsServerDeps): Promise<Answerer> {
  try {
    return await answererFor(await deps.access.sandboxes.get(deps.access.externalSandboxId), deps);
  } catch {
    return { authority: undefined, interfere: undefined };
  }
}

/** Queries read from one TCP connection and not answered yet: past this the server stops reading. */
const MAX_PENDING_QUERIES = 32;
/** Answers written to one TCP connection and not taken by the client yet: past this the next waits. */
const MAX_UNSENT_BYTES = 64 * 1024;

function serveTcp(socket: Socket, deps: DnsServerDeps, state: TcpConnection): void {
  let buffer: Buffer = Buffer.alloc(0);
  let chain: Promise<void> = Promise.resolve();
  socket.setTimeout(TCP_IDLE_MS, () => socket.destroy());
  socket.on('error', () => socket.destroy());
  const scope = deps.access.forConnection(socket.remoteAddress, socket.remotePort);
  const answerer: Promise<Answerer> = scope.then(
    (s) => answererFor(s.sandbox, deps),
    () => ({ authority: undefined, interfere: undefined }),
  );
  // A client that pipelines queries and never reads the answers must not make them pile up in
  // the lab's memory (RFC 7766 §6.2.3 lets a server stop reading): answer at the pace it reads.
  const taken = (): Promise<void> =>
    socket.writableLength < MAX_UNSENT_BYTES || socket.destroyed
      ? Promise.resolve()
      : new Promise((resolve) => {
          const done = (): void => {
            socket.off('drain', done);
            socket.off('close', done);
            resolve();
          };
          socket.on('drain', done);
          socket.on('close', done);
        });
  const answer = async (query: Buffer): Promise<void> => {
    const { authority, interfere } = await answerer;
    const reply = answerQuery(query, authority, 'tcp', interfere);
    deps.onQuery?.('tcp', rcodeOf(reply));
    if (!reply || socket.destroyed) return;
    const framed = Buffer.alloc(2 + reply.length);
    framed.writeUInt16BE(reply.length, 0);
    reply.copy(framed, 2);
    socket.write(framed);
  };
  socket.on('data', (chunk: Buffer) => {
    buffer = buffer.length === 0 ? chunk : Buffer.concat([buffer, chunk]);
    while (buffer.length >= 2) {
      const length = buffer.readUInt16BE(0);
      if (buffer.length < 2 + length) break;
      const query = Buffer.from(buffer.subarray(2, 2 + length));
      buffer = buffer.subarray(2 + length);
      state.pending++;
      state.lastQueryAt = Date.now();
      chain = chain.then(async () => {
        await taken();
        if (!socket.destroyed) await answer(query);
        state.pending--;
        if (state.pending < MAX_PENDING_QUERIES && socket.isPaused() && !socket.destroyed) socket.resume();
      });
    }
    if (state.pending >= MAX_PENDING_QUERIES) socket.pause();
  });
}

/** The DNS server's port is taken or needs root: ListenError says what to do. */
function dnsListenError(what: string, host: string, port: number, err: NodeJS.ErrnoException): ListenError {
  return listenError(what, host, port, err, ['--dns-port', '--port-offset'], { en: 'another lab or a DNS server', zh: '另一个实验室或 DNS 服务器' });
}

function listenTcp(server: Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException): void => reject(dnsListenError('dns (TCP)', host, port, err));
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve((server.address() as { port: number }).port);
    });
  });
}

function bindUdp(socket: UdpSocket, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException): void => reject(dnsListenError('dns (UDP)', host, port, err));
    socket.once('error', onError);
    socket.bind(port, host, () => {
      socket.off('error', onError);
      resolve();
    });
  });
}

/** Starts UDP and TCP on `port` (0: a free port, the same number for both). */
export async function startDnsServer(host: string, port: number, deps: DnsServerDeps): Promise<DnsServer> {
  for (let attempt = 0; ; attempt++) {
    const sockets = new Map<Socket, TcpConnection>();
    const tcp = createServer((socket) => {
      if (sockets.size >= MAX_TCP_CONNECTIONS) {
        const idle = idlest(sockets);
        if (!idle) {
          socket.destroy();
          return;
        }
        sockets.delete(idle);
        idle.destroy();
      }
      const state: TcpConnection = { pending: 0, lastQueryAt: Date.now() };
      sockets.set(socket, state);
      socket.on('close', () => sockets.delete(socket));
      serveTcp(socket, deps, state);
    });
    const tcpPort = await listenTcp(tcp, host, port);
    tcp.on('error', (err) => deps.log('dns', `tcp error: ${err.message}`));
    const udp = createSocket({ type: host.includes(':') ? 'udp6' : 'udp4' });
    try {
      await bindUdp(udp, host, tcpPort);
    } catch (err) {
      await new Promise<void>((resolve) => tcp.close(() => resolve()));
      udp.close();
      // With port 0 the free TCP port may be taken for UDP: pick another.
      if (port === 0 && attempt < 10) continue;
      throw err;
    }
    udp.on('error', (err) => deps.log('dns', `udp error: ${err.message}`));
    udp.on('message', (msg, rinfo) => {
      void externalAnswerer(deps).then(({ authority, interfere }) => {
        const reply = answerQuery(msg, authority, 'udp', interfere);
        deps.onQuery?.('udp', rcodeOf(reply));
        if (reply) udp.send(reply, rinfo.port, rinfo.address);
      });
    });
    return {
      port: tcpPort,
      udp,
      tcp,
      async close() {
        await Promise.all([
          new Promise<void>((resolve) => {
            tcp.close(() => resolve());
            for (const s of sockets.keys()) s.destroy();
          }),
          new Promise<void>((resolve) => udp.close(() => resolve())),
        ]);
      },
    };
  }
}
