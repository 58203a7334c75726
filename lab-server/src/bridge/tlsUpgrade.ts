/**
 * When a learner types STARTTLS (SMTP, IMAP) or STLS (POP3), the bridge must notice the
 * server's "go ahead" and start TLS itself, as a real mail client would. These rules say
 * which line asks for it and which reply grants it, per protocol.
 */
import type { TLSSocket } from 'node:tls';

export type Protocol = 'smtp' | 'pop3' | 'imap';

export interface UpgradeRequest {
  /** True when the server's reply line grants the upgrade. */
  granted(reply: string): boolean;
  /** True when the reply line is the final answer (granted or not). */
  final(reply: string): boolean;
}

/** Returns what to wait for if the learner's line asks the server to start TLS. */
export function upgradeRequested(protocol: Protocol, line: string): UpgradeRequest | undefined {
  const text = line.trim();
  if (protocol === 'smtp' && /^STARTTLS$/i.test(text)) {
    return { granted: (r) => /^220[ -]/.test(r), final: (r) => /^\d{3} /.test(r) };
  }
  if (protocol === 'pop3' && /^STLS$/i.test(text)) {
    return { granted: (r) => r.startsWith('+OK'), final: (r) => /^[+-]/.test(r) };
  }
  const imap = /^(\S+)\s+STARTTLS$/i.exec(text);
  if (protocol === 'imap' && imap) {
    const tag = imap[1]!;
    return {
      granted: (r) => r.toUpperCase().startsWith(`${tag.toUpperCase()} OK`),
      final: (r) => r.toUpperCase().startsWith(`${tag.toUpperCase()} `),
    };
  }
  return undefined;
}

/**
 * Watches a terminal's lines for a request to start TLS and the reply that settles it. In SMTP
 * the lines of a message (after DATA and the server's 354, up to ".") are text: a line
 * "STARTTLS" there asks for nothing. (Holding the lines after it for a TLS answer that never
 * came kept the "." from the server, and the message was lost.)
 */
export class UpgradeWatch {
  /** An upgrade asked for and not settled yet: the learner's next lines wait. */
  pending: UpgradeRequest | undefined;
  private dataSent = false;
  private inMessageBody = false;

  constructor(private readonly protocol: Protocol) {}

  /** A line the learner sent; `encrypted`: TLS is on already. */
  sent(line: string, encrypted: boolean): void {
    if (line === '.') this.dataSent = this.inMessageBody = false;
    else if (this.protocol === 'smtp' && /^\s*DATA\s*$/i.test(line)) this.dataSent = true;
    if (!encrypted && !this.inMessageBody) this.pending = upgradeRequested(this.protocol, line);
  }

  /** A line the server sent: the upgrade asked for, when this line is its final answer. */
  settledBy(line: string): UpgradeRequest | undefined {
    if (this.dataSent && line.startsWith('354 ')) this.inMessageBody = true;
    const upgrade = this.pending;
    if (!upgrade?.final(line)) return undefined;
    this.pending = undefined;
    return upgrade;
  }
}

export interface TlsSummary {
  protocol: string;
  cipher: string;
  subject: string;
  selfSigned: boolean;
}

export function summarise(socket: TLSSocket): TlsSummary {
  const cert = socket.getPeerCertificate();
  const subject = cert && cert.subject ? Object.entries(cert.subject).map(([k, v]) => `${k}=${String(v)}`).join(', ') : 'unknown';
  const issuer = cert && cert.issuer ? JSON.stringify(cert.issuer) : '';
  return {
    protocol: socket.getProtocol() ?? 'unknown',
    cipher: socket.getCipher()?.name ?? 'unknown',
    subject,
    selfSigned: issuer !== '' && issuer === JSON.stringify(cert.subject),
  };
}

/** The one-line summary the terminal prints, like openssl s_client's. */
export function summaryLine(s: TlsSummary): string {
  return `TLS established: ${s.protocol}, cipher ${s.cipher}, certificate ${s.subject}${s.selfSigned ? ' (self-signed)' : ''}`;
}
