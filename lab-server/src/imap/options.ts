/**
 * What the server tells each IMAP session it starts (server.ts): the sandbox, TLS, limits and
 * where its log lines and command counts go.
 */
import type { SandboxAccess } from '../world/access.js';
import type { MemoryBudget } from './commandReader.js';
import type { MemoryShare } from '../world/memoryShare.js';

export interface ImapOptions {
  access: SandboxAccess;
  /** Present when STARTTLS may be offered (port 143). */
  startTls?: () => Promise<void>;
  /** Why STARTTLS may not start a handshake now (the address's TLS rate), or undefined. */
  startTlsRefusal?: () => string | undefined;
  /** Refuse LOGIN/AUTHENTICATE before TLS even from loopback (--require-tls-auth). */
  requireTlsAuth: boolean;
  maxMessageSize: number;
  /** Memory for literals being received, shared with SMTP's DATA, and whose share this client's is. */
  literalBudget?: { memory: MemoryBudget; share: () => MemoryShare };
  hostName: string;
  log: (message: string) => void;
  /** Told the name of every command that is dispatched (metrics). */
  onCommand?: (name: string) => void;
}
