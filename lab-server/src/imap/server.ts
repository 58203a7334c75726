/**
 * IMAP listeners: port 143 (plain, STARTTLS offered) and 993 (implicit TLS). Each connection
 * is given its sandbox the moment it is accepted, then an ImapSession runs it.
 */
import type { Logger } from '../log.js';
import type { ConnectionCaps } from '../net/connectionCaps.js';
import { createSessionListener, type SessionListener } from '../net/sessionListener.js';
import type { TlsMaterial } from '../tls/certificate.js';
import type { SandboxAccess } from '../world/access.js';
import { memoryShare } from '../world/memoryShare.js';
import type { MemoryBudget } from './commandReader.js';
import { prepareEnvelopeReader } from './mime/envelopeBatch.js';
import { ImapSession } from './session.js';

export interface ImapDeps {
  access: SandboxAccess;
  tls: TlsMaterial;
  log: Logger;
  requireTlsAuth: boolean;
  /** Caps on open connections, shared by every mail listener. */
  caps: ConnectionCaps;
  /** Idle time a client from outside the lab has before it logs in. */
  preLoginTimeoutMs: number;
  /** Largest message APPEND accepts, in octets. */
  maxMessageSize: number;
  /** Memory for literals being received, shared with SMTP's DATA (lab/mailListeners.ts). */
  dataBudget?: MemoryBudget;
  /** Counts every command under the listener's name (imap, imaps). */
  onCommand?: (service: string, name: string) => void;
}

/** RFC 3501 §5.4: an autologout timer of at least 30 minutes. */
export const IMAP_IDLE_TIMEOUT_MS = 30 * 60 * 1000;
/** Longest command line; longer values must come as literals (Dovecot's default is 64 KiB). */
export const IMAP_MAX_LINE = 64 * 1024;

export type ImapListener = SessionListener;

export function createImapListener(implicitTls: boolean, deps: ImapDeps): ImapListener {
  const name = implicitTls ? 'imaps' : 'imap';
  // The first FETCH ENVELOPE of a big new folder finds the reader thread's code ready.
  void prepareEnvelopeReader((reason) => deps.log('imap', `envelope reader thread unavailable: ${reason}. The first FETCH ENVELOPE of many new messages parses them on the event loop, slower; reinstall the lab's dependencies (npm ci) to get it back`));
  return createSessionListener({
    name,
    implicitTls,
    tls: deps.tls,
    access: deps.access,
    log: deps.log,
    caps: deps.caps,
    preLoginTimeoutMs: deps.preLoginTimeoutMs,
    maxLineLength: IMAP_MAX_LINE,
    idleTimeoutMs: IMAP_IDLE_TIMEOUT_MS,
    idleReason: 'Autologout: idle for 30 minutes. Reconnect to continue',
    lines: {
      unavailable: '* BYE [UNAVAILABLE] This lab sandbox is not available. Reconnect later\r\n',
      idle: '* BYE Autologout: idle for 30 minutes. Reconnect to continue\r\n',
      internalError: '* BYE [SERVERBUG] Internal error. Reconnect and try again\r\n',
      refused: (reason) => `* BYE [UNAVAILABLE] ${reason}\r\n`,
    },
    createSession: (channel, scope, startTls, startTlsRefusal) =>
      new ImapSession(channel, scope, {
        access: deps.access,
        requireTlsAuth: deps.requireTlsAuth,
        maxMessageSize: deps.maxMessageSize,
        // As SMTP counts it (world/memoryShare.ts); asked at each command, as a login changes it.
        ...(deps.dataBudget ? { literalBudget: { memory: deps.dataBudget, share: () => memoryShare(scope, deps.access.externalSandboxId) } } : {}),
        hostName: scope.sandbox.hostName,
        startTls,
        startTlsRefusal,
        log: (message) => deps.log(name, message),
        ...(deps.onCommand ? { onCommand: (command: string) => deps.onCommand!(name, command) } : {}),
      }),
  });
}
