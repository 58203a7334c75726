/**
 * IMAP listeners: port 143 (plain, STARTTLS offered) and 993 (implicit TLS). Each connection
 * is given its sandbox the moment it is accepted, then an ImapSession runs it.
 */
import { createServer as createPlainServer, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer, type TLSSocket } from 'node:tls';
import type { Logger } from '../log.js';
import { LineChannel } from '../net/lineChannel.js';
import type { TlsMaterial } from '../tls/certificate.js';
import type { SandboxAccess } from '../world/access.js';
import { ImapSession } from './session.js';

export interface ImapDeps {
  access: SandboxAccess;
  tls: TlsMaterial;
  log: Logger;
  requireTlsAuth: boolean;
  /** Largest message APPEND accepts, in octets. */
  maxMessageSize: number;
}

/** RFC 3501 §5.4: an autologout timer of at least 30 minutes. */
export const IMAP_IDLE_TIMEOUT_MS = 30 * 60 * 1000;
/** Longest command line; longer values must come as literals (Dovecot's default is 64 KiB). */
export const IMAP_MAX_LINE = 64 * 1024;

export interface ImapListener {
  server: Server;
  /** Ends every open session with BYE and stops listening. */
  close(reason: string): Promise<void>;
}

export function createImapListener(implicitTls: boolean, deps: ImapDeps): ImapListener {
  const sessions = new Set<ImapSession>();
  const name = implicitTls ? 'imaps' : 'imap';

  const onSocket = (socket: Socket | TLSSocket): void => {
    socket.setNoDelay(true);
    socket.on('error', () => undefined);
    const channel = new LineChannel(socket, IMAP_MAX_LINE);
    let session: ImapSession | undefined;
    socket.setTimeout(IMAP_IDLE_TIMEOUT_MS, () => {
      const bye = 'Autologout: idle for 30 minutes. Reconnect to continue';
      if (session) void session.abort(bye);
      else void channel.write(`* BYE ${bye}\r\n`).then(() => channel.destroy());
    });
    void (async () => {
      let scope;
      try {
        scope = await deps.access.forConnection(socket.remoteAddress, socket.remotePort);
      } catch (err) {
        deps.log(name, `no sandbox for ${socket.remoteAddress}: ${(err as Error).message}`);
        await channel.write('* BYE [UNAVAILABLE] This lab sandbox is not available. Reconnect later\r\n');
        channel.close();
        return;
      }
      const current = new ImapSession(channel, scope, {
        access: deps.access,
        requireTlsAuth: deps.requireTlsAuth,
        maxMessageSize: deps.maxMessageSize,
        hostName: scope.sandbox.hostName,
        startTls: implicitTls ? undefined : () => channel.startTls(deps.tls.context),
        log: (message) => deps.log(name, message),
      });
      session = current;
      sessions.add(current);
      const onReset = (): void => void current.abort('Your lab sandbox was reset. Reconnect to see the fresh mailbox');
      scope.events.on('reset', onReset);
      scope.events.on('deleted', onReset);
      try {
        await current.run();
      } catch (err) {
        deps.log(name, `session error: ${(err as Error).stack ?? err}`);
        await channel.write('* BYE [SERVERBUG] Internal error. Reconnect and try again\r\n').catch(() => undefined);
      } finally {
        sessions.delete(current);
        scope.events.off('reset', onReset);
        scope.events.off('deleted', onReset);
        scope.release();
        channel.close();
      }
    })();
  };

  // tls.createServer ignores a bare secureContext, so the listener gets key and cert directly.
  const server = implicitTls ? createTlsServer({ key: deps.tls.key, cert: deps.tls.cert }, onSocket) : createPlainServer(onSocket);
  server.on('tlsClientError', () => undefined);

  return {
    server,
    async close(reason) {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      await Promise.all([...sessions].map((s) => s.abort(reason)));
      await closed;
    },
  };
}
