/**
 * smtp-server tuned for people typing by hand: replies a learner can act on, no disconnect
 * after unknown commands, an idle timeout per connection (short before login for clients from
 * outside, with a deadline for the login itself), every command and refusal counted, and hooks
 * the armed faults need.
 */
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { SMTPServer, type SMTPServerSession } from 'smtp-server';
import { plainAddress } from '../net/addressList.js';
import { paceHandshake } from '../net/turnBudget.js';
import { whenClosed } from '../net/whenClosed.js';
import type { LabMetrics } from '../operations/metrics.js';
import { forLearner } from './learnerReplies.js';

/** Where a listener counts: the lab's metrics, under its service id. */
export interface SmtpCounters {
  counters: LabMetrics;
  service: string;
}

/** Idle time before the server gives up on a client: long enough for a person to think. */
export const SMTP_IDLE_TIMEOUT_MS = 10 * 60 * 1000;

/** The parts of smtp-server's connection that per-connection idle timeouts need. */
interface ConnectionInternals {
  id: string;
  _socket: Socket;
  _armTimeout(socket?: Socket): void;
  _onTimeout(): void;
  send(code: number, text: string): void;
  close(): void;
}

/** The parts of smtp-server's connection that STARTTLS goes through. */
interface UpgradeInternals {
  _socket: Socket;
  _parser: NodeJS.WritableStream;
  upgrade(callback: () => void, secureCallback?: () => void): void;
}

/**
 * After "220 Ready to start TLS" the handshake starts in its turn (turnBudget.ts), once the
 * client's hello has come; meanwhile the hello waits in the socket, not in the SMTP parser.
 */
function paceStartTls(connection: UpgradeInternals): void {
  const upgrade = connection.upgrade.bind(connection);
  connection.upgrade = (callback, secureCallback) => {
    const socket = connection._socket;
    socket.unpipe(connection._parser);
    paceHandshake(socket, plainAddress(socket.remoteAddress ?? ''), () => upgrade(callback, secureCallback));
  };
}

/** The parts of smtp-server's connection that a refused STARTTLS needs. */
interface StartTlsInternals {
  session: SMTPServerSession;
  secure: boolean;
  send(code: number, text: string): void;
  handler_STARTTLS(command: Buffer, callback: () => void): void;
}

/** The part of smtp-server that puts the TLSSocket on a connection to an implicit-TLS port (465). */
interface ImplicitTlsInternals {
  _upgrade(socket: Socket, callback: (err: Error | null, secure?: TLSSocket) => void): void;
}

/**
 * smtp-server puts the TLSSocket on an accepted 465 connection a turn later; one closed in that
 * turn (its start deadline, shutdown) gets none. A TLSSocket on a destroyed socket closes with
 * its TLS state already freed, and the library's getProtocol() at that close crashes Node 20
 * (SIGSEGV in SSL_get_version). Its close has already taken it off the library's pending list.
 */
function skipClosedHandshakes(server: ImplicitTlsInternals): void {
  // A private method: an smtp-server that renamed it must stop the lab at start, not bring the crash back.
  if (typeof server._upgrade !== 'function') throw new Error('smtp-server has no _upgrade: LabSmtpServer was written for smtp-server 3.21.6 (package.json pins it); check skipClosedHandshakes against the new version');
  const upgrade = server._upgrade.bind(server);
  server._upgrade = (socket, callback) => {
    if (!socket.destroyed) upgrade(socket, callback);
  };
}

export class LabSmtpServer extends SMTPServer {
  /** Counts commands and 4xx/5xx replies under this listener's service id. */
  metrics?: SmtpCounters;
  /** Each session's connection (armed faults drop connections). */
  readonly connectionOf = new WeakMap<SMTPServerSession, unknown>();
  /** Called with every new connection (faults wrap DATA and STARTTLS). */
  onNewConnection?: (connection: unknown) => void;
  /** Asked at each STARTTLS that would start a handshake: words to refuse it with (454), or undefined. */
  startTlsRefusal?: (session: SMTPServerSession) => string | undefined;
  private readonly idleTimeouts = new Map<string, number>();
  private readonly loginDeadlines = new Map<string, NodeJS.Timeout>();
  private readonly byId = new Map<string, ConnectionInternals>();

  constructor(...options: ConstructorParameters<typeof SMTPServer>) {
    super(...options);
    skipClosedHandshakes(this as unknown as ImplicitTlsInternals);
  }

  /**
   * Ends a connection that has not reached its session (the start deadline). On port 465 one
   * still in its handshake is ended through the TLS socket smtp-server made over it: destroying
   * the TCP socket beneath frees the TLS state, which smtp-server then asks for its protocol
   * as the handshake fails, and Node 20 crashes (SIGSEGV in TLSWrap::GetProtocol).
   */
  dropUnstarted(socket: Socket): void {
    // The library keeps each connection not yet in a session here, mapped to its TLS socket once
    // the handshake starts (smtp-server 3.21; without the map, the TCP socket as before).
    const pending = (this as unknown as { _pendingSockets?: Map<Socket, Socket> })._pendingSockets?.get(socket);
    (pending ?? socket).destroy();
  }

  /** Accepts a connection as smtp-server does, minus the limit on unrecognized commands. */
  override connect(socket: Socket | TLSSocket, socketOptions?: Parameters<SMTPServer['connect']>[1]): void {
    // The library adds the new connection to its set; catching that add finds it without a
    // pass over every open connection (thousands, when a stranger holds them open).
    const connections = this.connections;
    const added: Array<Parameters<typeof connections.add>[0]> = [];
    connections.add = (c) => (added.push(c), Set.prototype.add.call(connections, c) as typeof connections);
    try {
      super.connect(socket, socketOptions);
    } finally {
      delete (connections as Partial<typeof connections>).add;
    }
    for (const connection of added) {
      this.connectionOf.set(connection.session, connection);
      this.onNewConnection?.(connection);
      this.refuseStartTls(connection as unknown as StartTlsInternals);
      // A learner mistyping ten commands should get help, not "421 too many unrecognized commands".
      Object.defineProperty(connection, '_unrecognizedCommands', { get: () => 0, set: () => undefined });
      const send = connection.send.bind(connection);
      const metrics = this.metrics;
      connection.send = (code, data, context) => {
        const reply = forLearner(code, data, context);
        if (metrics && reply.code >= 400) metrics.counters.rejections.inc({ service: metrics.service, code: String(reply.code) });
        send(reply.code, reply.text, reply.hasEnhancedCode ? false : context);
      };
      if (metrics) {
        // Counted as smtp-server dispatches them; AUTH continuation lines are not commands, and
        // verbs it has no handler for count as UNKNOWN, so the label stays a small set.
        const internals = connection as unknown as { _onCommand(command: Buffer, callback: () => void): void; _nextHandler: unknown };
        const onCommand = internals._onCommand.bind(connection);
        internals._onCommand = (command, callback) => {
          if (!internals._nextHandler) {
            const verb = (command ?? '').toString().split(' ')[0]!.toUpperCase();
            const known = /^[A-Z]{1,12}$/.test(verb) && typeof (connection as unknown as Record<string, unknown>)[`handler_${verb}`] === 'function';
            metrics.counters.countCommand(metrics.service, known ? verb : 'UNKNOWN');
          }
          onCommand(command, callback);
        };
      }
      paceStartTls(connection as unknown as UpgradeInternals);
      // The idle timeout of each connection may differ (short before login for clients from outside).
      const inner = connection as unknown as ConnectionInternals;
      this.byId.set(inner.id, inner);
      inner._armTimeout = (s = inner._socket) => s.setTimeout(this.idleTimeouts.get(inner.id) ?? SMTP_IDLE_TIMEOUT_MS, () => inner._onTimeout());
      whenClosed(inner._socket, () => {
        this.byId.delete(inner.id);
        this.idleTimeouts.delete(inner.id);
        clearTimeout(this.loginDeadlines.get(inner.id));
        this.loginDeadlines.delete(inner.id);
      });
    }
  }

  /** STARTTLS asks startTlsRefusal first, as Postfix asks anvil: "454 4.7.0" and no handshake when refused. */
  private refuseStartTls(connection: StartTlsInternals): void {
    const starttls = connection.handler_STARTTLS;
    const refusal = (): ((session: SMTPServerSession) => string | undefined) | undefined => this.startTlsRefusal;
    connection.handler_STARTTLS = function (this: StartTlsInternals, command, callback) {
      // Only a STARTTLS that would start a handshake counts (smtp-server answers the others).
      const text = this.secure || /\S\s+\S/.test(command.toString().trim()) ? undefined : refusal()?.(this.session);
      if (text === undefined) return starttls.call(this, command, callback);
      this.send(454, `4.7.0 ${text}`);
      callback();
    };
  }

  /**
   * A client from outside on a submission port: a short idle timeout until it logs in, and a
   * deadline for the login however busy it keeps the connection (bytes trickled now and then).
   */
  awaitLogin(sessionId: string, idleMs: number, deadlineMs: number): void {
    this.idleTimeouts.set(sessionId, idleMs);
    this.byId.get(sessionId)?._armTimeout();
    const deadline = setTimeout(() => {
      const connection = this.byId.get(sessionId);
      connection?.send(421, `4.4.2 No login within ${Math.round(deadlineMs / 1000)} seconds of connecting, closing the connection. Reconnect and log in`);
      connection?.close();
    }, deadlineMs);
    this.loginDeadlines.set(sessionId, deadline);
  }

  /** The session logged in: the listener's usual idle timeout again, no deadline. */
  loggedIn(sessionId: string): void {
    clearTimeout(this.loginDeadlines.get(sessionId));
    this.loginDeadlines.delete(sessionId);
    this.idleTimeouts.delete(sessionId);
    this.byId.get(sessionId)?._armTimeout();
  }

  /** The host name in this listener's banner. */
  get hostName(): string {
    return (this.options as { name?: string }).name ?? 'mail.example.com';
  }

  /** Says goodbye to one session with 421 and closes it (its sandbox was removed, or is moving); once. */
  closeSession(sessionId: string, reason: string): void {
    const connection = this.byId.get(sessionId);
    this.byId.delete(sessionId);
    connection?.send(421, reason);
    connection?.close();
  }

  /** Says goodbye to every open session with 421 and closes it (used at shutdown). */
  closeAllSessions(reason: string): void {
    for (const connection of this.connections) {
      connection.send(421, reason);
      connection.close();
    }
  }
}
