/**
 * What a POP3 session is given by its listener, and how its command handlers answer: the
 * session and its AUTHORIZATION state (authorization.ts) both need them, so they live here,
 * below both.
 */
import type { LineChannel } from '../net/lineChannel.js';
import type { SandboxAccess } from '../world/access.js';
import type { MaildropLocks } from './locks.js';

export interface Pop3Options {
  access: SandboxAccess;
  locks: MaildropLocks;
  /** Present when STLS may be offered. */
  startTls?: () => Promise<void>;
  /** Why STLS may not start a handshake now (the address's TLS rate), or undefined. */
  startTlsRefusal?: () => string | undefined;
  /** Refuse USER/PASS and AUTH before TLS even from loopback (--require-tls-auth). */
  requireTlsAuth: boolean;
  hostName: string;
  /** Told the verb of every known command (metrics). */
  onCommand?: (verb: string) => void;
}

/** A handler's answer: a promise when the reply is not all sent yet (a big message, a slow client, a login). */
export type Reply = Promise<void> | undefined;

export function ok(channel: LineChannel, text: string): Reply {
  return channel.send(text ? `+OK ${text}\r\n` : '+OK\r\n');
}

export function err(channel: LineChannel, text: string): Reply {
  return channel.send(`-ERR ${text}\r\n`);
}

export function multiline(channel: LineChannel, first: string, lines: string[]): Reply {
  return channel.send(`+OK ${first}\r\n${lines.map((l) => `${l}\r\n`).join('')}.\r\n`);
}
