/**
 * A listener for a line-based mail protocol (POP3, IMAP): plain with STARTTLS offered, or
 * implicit TLS. Each accepted connection gets its sandbox at once, then a protocol session
 * runs it; the session ends with the protocol's goodbye on idle timeout, shutdown, or when its
 * sandbox is reset or deleted.
 */
import { createServer as createPlainServer, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer, type TLSSocket } from 'node:tls';
import type { Logger } from '../log.js';
import { SERVER_TLS_OPTIONS, type TlsMaterial } from '../tls/certificate.js';
import { MOVING_TEXT, TOO_MANY_FAILURES, type ConnectionScope, type SandboxAccess } from '../world/access.js';
import { SANDBOX_REMOVED } from '../world/removedReplies.js';
import { capMessage, guardMailListener, type ConnectionCaps } from './connectionCaps.js';
import { plainAddress } from './addressList.js';
import { LineChannel } from './lineChannel.js';
import { paceHangUp } from './turnBudget.js';

export interface LineSession {
  /** Serves the connection until the client leaves. */
  run(): Promise<void>;
  /** Says goodbye with this reason and closes. */
  abort(reason: string): Promise<void>;
}

export interface SessionListenerOptions {
  /** For the log: pop3, pop3s, imap, imaps. */
  name: string;
  implicitTls: boolean;
  tls: TlsMaterial;
  access: SandboxAccess;
  log: Logger;
  maxLineLength: number;
  idleTimeoutMs: number;
  /** Caps on open connections, shared by every mail listener. */
  caps: ConnectionCaps;
  /** Idle time a client from outside the lab has before it logs in (and to finish a TLS handshake). */
  preLoginTimeoutMs: number;
  /** Whole lines (with CRLF) sent when there is no session to say goodbye for us. */
  lines: { unavailable: string; idle: string; internalError: string; refused(reason: string): string };
  /** Why an idle session is closed (passed to its abort). */
  idleReason: string;
  /**
   * `startTlsRefusal`, asked at STARTTLS/STLS before the go-ahead: why no handshake may start
   * now (the address's rate of new TLS sessions is used up), or undefined.
   */
  createSession(channel: LineChannel, scope: ConnectionScope, startTls: (() => Promise<void>) | undefined, startTlsRefusal: () => string | undefined): LineSession;
}

export interface SessionListener {
  server: Server;
  /** Ends every open session with the protocol's goodbye and stops listening. */
  close(reason: string): Promise<void>;
}

/** How long close() waits for sessions to finish what they were doing, so shutdown cannot hang. */
const CLOSE_WAIT_MS = 10_000;

export function createSessionListener(o: SessionListenerOptions): SessionListener {
  const sessions = new Set<LineSession>();
  /** Every connection being served, from its sandbox lookup to its session's end. */
  const served = new Set<Promise<void>>();
  let closing: string | undefined;

  const onSocket = (socket: Socket | TLSSocket): void => {
    // A plain socket's hang-up is paced by the guard; a TLS one's here.
    if (o.implicitTls) paceHangUp(socket, plainAddress(socket.remoteAddress ?? ''));
    socket.setNoDelay(true);
    socket.on('error', () => undefined);
    const channel = new LineChannel(socket, o.maxLineLength);
    let session: LineSession | undefined;
    let loggedIn = false;
    socket.setTimeout(o.idleTimeoutMs, () => {
      if (!loggedIn && session) void session.abort(`No login within ${Math.round(o.preLoginTimeoutMs / 1000)} seconds. Reconnect and log in`);
      else if (session) void session.abort(o.idleReason);
      else void channel.write(o.lines.idle).then(() => channel.destroy());
    });
    const serving = (async () => {
      let scope: ConnectionScope;
      try {
        scope = await o.access.forConnection(socket.remoteAddress, socket.remotePort);
      } catch (err) {
        o.log(o.name, `no sandbox for ${socket.remoteAddress}: ${(err as Error).message}`);
        await channel.write(o.lines.unavailable);
        channel.close();
        return;
      }
      guard.of(socket.remoteAddress, socket.remotePort)?.started(scope.viaBridge);
      // A client from outside must log in soon, however busy it keeps the connection; the
      // browser terminals keep the idle timeout.
      let deadline: NodeJS.Timeout | undefined;
      if (!scope.viaBridge) {
        socket.setTimeout(o.preLoginTimeoutMs);
        const { deadlineMs } = o.access.loginPolicy;
        deadline = setTimeout(() => void session?.abort(`No login within ${Math.round(deadlineMs / 1000)} seconds of connecting. Reconnect and log in`), deadlineMs);
      }
      const onLogin = (): void => {
        loggedIn = true;
        clearTimeout(deadline);
        socket.setTimeout(o.idleTimeoutMs);
      };
      const current = o.createSession(channel, scope, o.implicitTls ? undefined : () => channel.startTls(o.tls.context), () =>
        scope.viaBridge ? undefined : o.caps.newTls.refusal(socket.remoteAddress ?? ''),
      );
      session = current;
      sessions.add(current);
      // Its sandbox was still being opened when close() told the others goodbye.
      if (closing !== undefined) void current.abort(closing);
      const onReset = (): void => void current.abort('Your lab sandbox was reset. Reconnect to see the fresh mailbox');
      const onDeleted = (): void => void current.abort(SANDBOX_REMOVED.en);
      const onFailures = (): void => void current.abort('Too many wrong passwords on this connection. Check the user name and password, then reconnect');
      // A drain moving the sandbox: said instead of "reset" (the 'deleted' that follows is not news).
      const onMoving = (): void => {
        scope.events.off('deleted', onDeleted);
        void current.abort(MOVING_TEXT);
      };
      scope.events.on('reset', onReset);
      scope.events.on('deleted', onDeleted);
      scope.events.once('moving', onMoving);
      scope.events.once('login', onLogin);
      scope.events.on(TOO_MANY_FAILURES, onFailures);
      try {
        await current.run();
      } catch (err) {
        o.log(o.name, `session error: ${(err as Error).stack ?? String(err)}`, 'error');
        await channel.write(o.lines.internalError).catch(() => undefined);
      } finally {
        clearTimeout(deadline);
        sessions.delete(current);
        scope.events.off('reset', onReset);
        scope.events.off('deleted', onDeleted);
        scope.events.off('moving', onMoving);
        scope.events.off('login', onLogin);
        scope.events.off(TOO_MANY_FAILURES, onFailures);
        scope.release();
        channel.close();
      }
    })();
    served.add(serving);
    void serving.finally(() => served.delete(serving));
  };

  // tls.createServer ignores a bare secureContext, so the listener gets key and cert directly.
  const server = o.implicitTls ? createTlsServer({ key: o.tls.key, cert: o.tls.cert, ...SERVER_TLS_OPTIONS }, onSocket) : createPlainServer(onSocket);
  server.on('tlsClientError', () => undefined);
  const guard = guardMailListener(server, {
    caps: o.caps,
    group: o.name,
    handoffs: o.access.handoffs,
    ...(o.implicitTls ? { tls: o.tls.context } : {}),
    refusal: (reached) => o.lines.refused(capMessage(o.caps, reached)),
    startDeadlineMs: o.preLoginTimeoutMs,
  });

  return {
    server,
    async close(reason) {
      closing = reason;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      await Promise.all([...sessions].map((s) => s.abort(reason)));
      // A session told goodbye may still be finishing a command (a login making its folders,
      // a sync writing an index): the data dir is not ours to remove until they are done.
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([Promise.allSettled(served), new Promise((r) => (timer = setTimeout(r, CLOSE_WAIT_MS)))]);
      clearTimeout(timer);
      await closed;
    },
  };
}
