/**
 * POP3 listeners: port 110 (plain, STLS offered) and 995 (implicit TLS). Each connection is
 * given its sandbox the moment it is accepted, then a Pop3Session runs it.
 */
import type { Logger } from '../log.js';
import type { ConnectionCaps } from '../net/connectionCaps.js';
import { createSessionListener, type SessionListener } from '../net/sessionListener.js';
import type { TlsMaterial } from '../tls/certificate.js';
import type { SandboxAccess } from '../world/access.js';
import type { MaildropLocks } from './locks.js';
import { Pop3Session } from './session.js';

export interface Pop3Deps {
  access: SandboxAccess;
  tls: TlsMaterial;
  log: Logger;
  locks: MaildropLocks;
  requireTlsAuth: boolean;
  /** Counts every command under the listener's name (pop3, pop3s). */
  onCommand?: (service: string, verb: string) => void;
  /** Caps on open connections, shared by every mail listener. */
  caps: ConnectionCaps;
  /** Idle time a client from outside the lab has before it logs in. */
  preLoginTimeoutMs: number;
}

/** RFC 1939 §3: an autologout timer of at least 10 minutes. */
export const POP3_IDLE_TIMEOUT_MS = 10 * 60 * 1000;
/** RFC 2449 allows 255 octets per command; we are lenient but bounded. */
const MAX_LINE = 1024;

export type Pop3Listener = SessionListener;

export function createPop3Listener(implicitTls: boolean, deps: Pop3Deps): Pop3Listener {
  const name = implicitTls ? 'pop3s' : 'pop3';
  return createSessionListener({
    name,
    implicitTls,
    tls: deps.tls,
    access: deps.access,
    log: deps.log,
    caps: deps.caps,
    preLoginTimeoutMs: deps.preLoginTimeoutMs,
    maxLineLength: MAX_LINE,
    idleTimeoutMs: POP3_IDLE_TIMEOUT_MS,
    idleReason: 'Autologout: idle for 10 minutes. Reconnect to continue',
    lines: {
      unavailable: '-ERR [SYS/TEMP] This lab sandbox is not available. Reconnect later\r\n',
      idle: '-ERR Autologout: idle for 10 minutes. Reconnect to continue\r\n',
      internalError: '-ERR [SYS/TEMP] Internal error; nothing was deleted. Reconnect and try again\r\n',
      refused: (reason) => `-ERR [SYS/TEMP] ${reason}\r\n`,
    },
    createSession: (channel, scope, startTls, startTlsRefusal) =>
      new Pop3Session(channel, scope, {
        access: deps.access,
        locks: deps.locks,
        requireTlsAuth: deps.requireTlsAuth,
        hostName: scope.sandbox.hostName,
        startTls,
        startTlsRefusal,
        ...(deps.onCommand ? { onCommand: (verb: string) => deps.onCommand!(name, verb) } : {}),
      }),
  });
}
