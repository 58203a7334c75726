/**
 * The lab's authoritative DNS server: UDP and TCP on one port (53 + offset, 2053 by default).
 *
 * Whose zones it serves: UDP queries, and TCP connections from ordinary clients (dig, a
 * resolver), see the sandbox that external clients reach — the default sandbox. A TCP
 * connection the lab itself opens for a learner (handed off like a terminal connection) sees
 * that learner's sandbox. The lab's own mail servers do not use the network at all: they ask
 * their sandbox's zones in-process (see LabDns.resolver), through the same answerQuery code.
 *
 * TCP follows RFC 7766 (tcpConnection.ts): several queries per connection, answered in order,
 * idle connections closed after 10 seconds, at most 512 open at once.
 */
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { createServer, type Server, type Socket } from 'node:net';
import type { Authority } from '../grading/dns/authority.js';
import type { Logger } from '../log.js';
import { listenError, type ListenError } from '../net/listenError.js';
import type { SandboxAccess } from '../world/access.js';
import type { Sandbox } from '../world/sandbox.js';
import type { DnsFaultCheck } from './interference.js';
import { connectionToClose, newConnection, serveTcp, TCP_LIMITS, type TcpConnection, type TcpLimits } from './tcpConnection.js';
import { answerQuery, rcodeOf } from './wire.js';

export interface DnsServerDeps {
  access: SandboxAccess;
  authority: (sandbox: Sandbox) => Promise<Authority>;
  /** The sandbox's armed DNS faults (a timeout fault means no reply at all). */
  interference?: (sandbox: Sandbox) => Promise<DnsFaultCheck | undefined>;
  log: Logger;
  /** Told of every query answered or dropped (metrics): transport and response code. */
  onQuery?: (transport: 'udp' | 'tcp', rcode: string) => void;
  /** The TCP limits (tests use smaller ones). */
  tcpLimits?: TcpLimits;
}

export interface DnsServer {
  port: number;
  udp: UdpSocket;
  tcp: Server;
  close(): Promise<void>;
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

/** Answers one TCP connection's queries from its scope's zones (a handed-off learner's, or the default). */
function tcpAnswerer(socket: Socket, deps: DnsServerDeps): (query: Buffer) => Promise<Buffer | undefined> {
  const answerer: Promise<Answerer> = deps.access.forConnection(socket.remoteAddress, socket.remotePort).then(
    (s) => answererFor(s.sandbox, deps),
    () => ({ authority: undefined, interfere: undefined }),
  );
  return async (query) => {
    const { authority, interfere } = await answerer;
    const reply = answerQuery(query, authority, 'tcp', interfere);
    deps.onQuery?.('tcp', rcodeOf(reply));
    return reply;
  };
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
  const limits = deps.tcpLimits ?? TCP_LIMITS;
  for (let attempt = 0; ; attempt++) {
    const sockets = new Map<Socket, TcpConnection>();
    const tcp = createServer((socket) => {
      if (sockets.size >= limits.maxConnections) {
        const quiet = connectionToClose(sockets);
        if (!quiet) {
          socket.destroy();
          return;
        }
        sockets.delete(quiet);
        quiet.destroy();
      }
      const state = newConnection();
      sockets.set(socket, state);
      socket.on('close', () => sockets.delete(socket));
      serveTcp(socket, state, limits, tcpAnswerer(socket, deps));
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
