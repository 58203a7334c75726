/**
 * Caps on open connections, per client address and in all, checked the moment a listener
 * accepts a socket, before any TLS handshake or protocol work. A socket over a cap gets its
 * protocol's own refusal (SMTP 421 4.7.0, POP3 -ERR [SYS/TEMP], IMAP * BYE, HTTP 503) and is
 * closed. Connections the lab opens to itself (browser terminals, MTA relays) are never
 * refused and leave the count once their session knows them; they have limits of their own.
 * An admitted client's hang-up is handled in its turn (turnBudget.ts), so a flood of clients
 * leaving at once does not stall the lab either; on an implicit-TLS port so is its handshake.
 */
import type { Server, Socket } from 'node:net';
import { TLSSocket, type SecureContext } from 'node:tls';
import { silentLogger, type Logger } from '../log.js';
import { plainAddress } from './addressList.js';
import type { HandoffClaims } from '../world/access.js';
import { connectionsCapped, type CapReached } from '../world/capReplies.js';
import { NewTlsSessions } from './newTlsSessions.js';
import { paceHandshake, paceHangUp } from './turnBudget.js';
import { whenClosed } from './whenClosed.js';

export type { CapReached };

export interface Slot {
  release(): void;
}

export class ConnectionCaps {
  private open = 0;
  private readonly perKey = new Map<string, number>();

  /** New TLS handshakes per address and minute, on every port these caps guard. */
  readonly newTls: NewTlsSessions;

  constructor(
    readonly perAddress: number,
    readonly total: number,
    newTls: { perMinute: number; log: Logger } = { perMinute: 0, log: silentLogger },
  ) {
    this.newTls = new NewTlsSessions(newTls.perMinute, newTls.log);
  }

  /** Takes a slot, or says which cap is reached. Without an address only the total counts. */
  take(group: string, address: string | undefined): Slot | CapReached {
    if (this.open >= this.total) return 'total';
    const key = address === undefined ? undefined : `${group} ${plainAddress(address)}`;
    const mine = key === undefined ? 0 : (this.perKey.get(key) ?? 0);
    if (mine >= this.perAddress) return 'address';
    this.open++;
    if (key !== undefined) this.perKey.set(key, mine + 1);
    let released = false;
    return {
      release: () => {
        if (released) return;
        released = true;
        this.open--;
        if (key === undefined) return;
        const left = (this.perKey.get(key) ?? 1) - 1;
        if (left > 0) this.perKey.set(key, left);
        else this.perKey.delete(key);
      },
    };
  }
}

export interface GuardOptions {
  caps: ConnectionCaps;
  /** Per-address counts are kept per listener (a class's IMAP connections do not use up SMTP). */
  group: string;
  /** True for a connection the lab opened to itself; asked when a cap is reached and before an implicit-TLS handshake. */
  isInternal(socket: Socket): Promise<boolean>;
  /** Counted only in the total, not per address (a trusted reverse proxy). */
  totalOnly?(address: string): boolean;
  /** Says why (in the protocol's words) and closes. */
  refuse(socket: Socket, reached: CapReached): void;
  /**
   * Time a connection has to reach its session (TLS handshake included); 0 for none. A
   * client that connects and then says nothing, or never finishes a handshake, is dropped.
   */
  startDeadlineMs: number;
  /** How the start deadline ends a connection (default: destroy it). */
  drop?(socket: Socket): void;
  /** An implicit-TLS listener: its handshakes are started a few a turn (turnBudget.ts). */
  implicitTls?: boolean;
}

export interface Admission {
  /** The session knows its connection now; `internal` when the lab itself opened it. */
  started(internal: boolean): void;
}

export interface ConnectionGuard {
  /** The admission of an accepted connection, by its peer's address and port. */
  of(address: string | undefined, port: number | undefined): Admission | undefined;
  /** Gives up a connection's slot (an HTTP connection upgraded to a terminal, which has caps of its own). */
  release(socket: Socket): void;
}

const endpoint = (address: string | undefined, port: number | undefined): string => `${plainAddress(address ?? '')}:${port ?? ''}`;

/** Puts the caps in front of a listener's own connection handling. */
export function guardConnections(server: Server, o: GuardOptions): ConnectionGuard {
  const handlers = server.listeners('connection') as Array<(socket: Socket) => void>;
  server.removeAllListeners('connection');
  const admissions = new Map<string, Admission>();
  const slots = new WeakMap<Socket, Slot>();
  const pass = (socket: Socket): void => {
    // Closed while it was asked about (its start deadline, the client): a TLSSocket put on it
    // would close with its TLS state freed, which crashes Node 20 at a getProtocol().
    if (socket.destroyed) return;
    for (const handler of handlers) handler.call(server, socket);
  };

  /**
   * An implicit-TLS connection's handshake, within its address's rate of new TLS sessions. The
   * lab's own connections (a terminal on 993 comes from 127.0.0.1) are asked about first and
   * never counted, so they use up nothing of a learner's own clients on that address. A refusal
   * cannot be said (it would cost the very handshake refused): the connection is closed.
   */
  const startTls = (socket: Socket, address: string): void => {
    void o.isInternal(socket).then(
      (internal) => (internal || o.caps.newTls.refusal(address) === undefined ? pass(socket) : socket.destroy()),
      () => socket.destroy(),
    );
  };

  server.on('connection', (socket: Socket) => {
    socket.on('error', () => undefined);
    const address = socket.remoteAddress ?? 'unknown';
    const slot = o.caps.take(o.group, o.totalOnly?.(address) ? undefined : address);
    if (typeof slot === 'string') {
      void o.isInternal(socket).then(
        (internal) => (internal ? pass(socket) : o.refuse(socket, slot)),
        () => o.refuse(socket, slot),
      );
      return;
    }
    slots.set(socket, slot);
    // On an implicit-TLS port the TLS socket hears the hang-up (it reads the connection itself),
    // and is paced where its session starts; a half-open raw socket would make it half-open too.
    if (!o.implicitTls) paceHangUp(socket, plainAddress(address));
    const key = endpoint(socket.remoteAddress, socket.remotePort);
    const deadline = o.startDeadlineMs > 0 ? setTimeout(() => (o.drop ? o.drop(socket) : socket.destroy()), o.startDeadlineMs) : undefined;
    deadline?.unref();
    admissions.set(key, {
      started(internal) {
        clearTimeout(deadline);
        if (internal) slot.release();
      },
    });
    whenClosed(socket, () => {
      clearTimeout(deadline);
      slot.release();
      admissions.delete(key);
    });
    if (o.implicitTls) paceHandshake(socket, plainAddress(address), () => startTls(socket, address));
    else pass(socket);
  });

  return {
    of: (address, port) => admissions.get(endpoint(address, port)),
    release: (socket) => slots.get(socket)?.release(),
  };
}

/** Why a mail connection was refused, for the protocol's refusal line (English on the wire; the terminal explains it in zh-CN too). */
export function capMessage(caps: ConnectionCaps, reached: CapReached): string {
  return connectionsCapped(reached, reached === 'address' ? caps.perAddress : caps.total).en;
}

export interface MailGuardOptions {
  caps: ConnectionCaps;
  group: string;
  handoffs: HandoffClaims;
  /** For implicit-TLS ports: the refusal is said inside TLS, where the client can read it. */
  tls?: SecureContext;
  /** The whole refusal line, CRLF included. */
  refusal(reached: CapReached): string;
  startDeadlineMs: number;
  drop?(socket: Socket): void;
}

/** The guard of a mail listener (SMTP, POP3, IMAP): its lab-internal connections are those handed off. */
export function guardMailListener(server: Server, o: MailGuardOptions): ConnectionGuard {
  return guardConnections(server, {
    caps: o.caps,
    group: o.group,
    isInternal: async (socket) => Boolean(await o.handoffs.claim(socket.remoteAddress, socket.remotePort)),
    // On a TLS port a refusal costs a handshake too: within the address's rate, or not said.
    refuse: (socket, reached) => (o.tls && o.caps.newTls.refusal(socket.remoteAddress ?? '') !== undefined ? socket.destroy() : sayAndClose(socket, o.refusal(reached), o.tls)),
    startDeadlineMs: o.startDeadlineMs,
    ...(o.drop ? { drop: o.drop } : {}),
    implicitTls: o.tls !== undefined,
  });
}

/**
 * TLS refusals a second: each costs a handshake, so past this a refused implicit-TLS client is
 * just disconnected (a flood of them must not turn into a flood of RSA signatures).
 */
const TLS_REFUSALS_PER_SECOND = 20;
let tlsRefusals = { second: 0, count: 0 };

/** Writes one line and closes; through a TLS handshake first on an implicit-TLS port. */
function sayAndClose(socket: Socket, line: string, tls: SecureContext | undefined): void {
  if (tls) {
    const second = Math.floor(Date.now() / 1000);
    if (tlsRefusals.second !== second) tlsRefusals = { second, count: 0 };
    if (++tlsRefusals.count > TLS_REFUSALS_PER_SECOND) {
      socket.destroy();
      return;
    }
  }
  const stream = tls ? new TLSSocket(socket, { isServer: true, secureContext: tls }) : socket;
  const giveUp = setTimeout(() => stream.destroy(), 5000);
  giveUp.unref();
  stream.on('error', () => stream.destroy());
  stream.once('close', () => clearTimeout(giveUp));
  if (tls) stream.once('secure', () => stream.end(line));
  else stream.end(line);
}
