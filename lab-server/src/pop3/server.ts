/**
 * POP3 listeners: port 110 (plain, STLS offered) and 995 (implicit TLS). Each connection is
 * given its sandbox the moment it is accepted, then a Pop3Session runs it.
 */
import { createServer as createPlainServer, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer, type TLSSocket } from 'node:tls';
import type { Logger } from '../log.js';
import { LineChannel } from '../net/lineChannel.js';
import type { TlsMaterial } from '../tls/certificate.js';
import type { SandboxAccess } from '../world/access.js';
import { MaildropLocks } from './locks.js';
import { Pop3Session } from './session.js';

export interface Pop3Deps {
  access: SandboxAccess;
  tls: TlsMaterial;
  log: Logger;
  locks: MaildropLocks;
  requireTlsAuth: boolean;
}

/** RFC 1939 §3: an autologout timer of at least 10 minutes. */
export const POP3_IDLE_TIMEOUT_MS = 10 * 60 * 1000;
/** RFC 2449 allows 255 octets per command; we are lenient but bounded. */
const MAX_LINE = 1024;

export interface Pop3Listener {
  server: Server;
  /** Ends every open session with -ERR and stops listening. */
  close(reason: string): Promise<void>;
}

export function createPop3Listener(implicitTls: boolean, deps: Pop3Deps): Pop3Listener {
  const sessions = new Set<Pop3Session>();
  const name = implicitTls ? 'pop3s' : 'pop3';

  const onSocket = (socket: Socket | TLSSocket): void => {
    socket.setNoDelay(true);
    socket.on('error', () => undefined);
    const channel = new LineChannel(socket, MAX_LINE);
    socket.setTimeout(POP3_IDLE_TIMEOUT_MS, () => {
      void channel.write('-ERR Autologout: idle for 10 minutes. Reconnect to continue\r\n').then(() => channel.destroy());
    });
    void (async () => {
      let scope;
      try {
        scope = await deps.access.forConnection(socket.remoteAddress, socket.remotePort);
      } catch (err) {
        deps.log(name, `no sandbox for ${socket.remoteAddress}: ${(err as Error).message}`);
        await channel.write('-ERR [SYS/TEMP] This lab sandbox is not available. Reconnect later\r\n');
        channel.close();
        return;
      }
      const session = new Pop3Session(channel, scope, {
        access: deps.access,
        locks: deps.locks,
        requireTlsAuth: deps.requireTlsAuth,
        hostName: scope.sandbox.hostName,
        startTls: implicitTls ? undefined : () => channel.startTls(deps.tls.context),
      });
      sessions.add(session);
      const onReset = (): void => void session.abort('Your lab sandbox was reset. Reconnect to see the fresh mailbox');
      scope.events.on('reset', onReset);
      scope.events.on('deleted', onReset);
      try {
        await session.run();
      } catch (err) {
        deps.log(name, `session error: ${(err as Error).message}`);
        await channel.write('-ERR [SYS/TEMP] Internal error; nothing was deleted. Reconnect and try again\r\n').catch(() => undefined);
      } finally {
        sessions.delete(session);
        scope.events.off('reset', onReset);
        scope.events.off('deleted', onReset);
        scope.release();
        channel.close();
      }
    })();
  };

  const server = implicitTls
    ? createTlsServer({ key: deps.tls.key, cert: deps.tls.cert }, onSocket)
    : createPlainServer(onSocket);
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
