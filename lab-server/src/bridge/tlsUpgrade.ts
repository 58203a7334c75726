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

/** The size of the IMAP literal a command line announces at its end ({n}, {n+}, ~{n}), else 0. */
const literalAt = (text: string): number => Number(/\{(\d{1,10})\+?\}$/.exec(text)?.[1] ?? 0);

/**
 * Watches a terminal's lines for a request to start TLS and the reply that settles it. Message
 * text is no command: in SMTP the lines after DATA and the server's 354, up to "."; in IMAP the
 * bytes of a literal (an APPEND's message) and the rest of the command after it. A line
 * "STARTTLS" there asks for nothing. (Holding the lines after it for a TLS answer that never
 * came kept the "." or the end of the APPEND from the server, and the message was lost.)
 */
export class UpgradeWatch {
  /** An upgrade asked for and not settled yet: the learner's next lines wait. */
  pending: UpgradeRequest | undefined;
  private dataSent = false;
  private inMessageBody = false;
  /** IMAP: bytes of an announced literal still to come, and whether the next line goes on with its command. */
  private literalLeft = 0;
  private continuing = false;
  /** IMAP: the tag of the command whose literal is awaited (its tagged reply ends the wait: a refused literal is never sent). */
  private literalTag = '';

  constructor(private readonly protocol: Protocol) {}

  /** A line the learner sent; `encrypted`: TLS is on already. */
  sent(line: string, encrypted: boolean): void {
    if (this.protocol === 'imap' && this.insideImapCommand(line)) return;
    if (line === '.') this.dataSent = this.inMessageBody = false;
    else if (this.protocol === 'smtp' && /^\s*DATA\s*$/i.test(line)) this.dataSent = true;
    if (!encrypted && !this.inMessageBody) this.pending = upgradeRequested(this.protocol, line);
  }

  /** True when `line` is literal data or the rest of a command, not a new command. */
  private insideImapCommand(line: string): boolean {
    let rest = line;
    const inside = this.literalLeft > 0 || this.continuing;
    if (this.literalLeft > 0) {
      const bytes = Buffer.from(`${line}\r\n`);
      if (bytes.length <= this.literalLeft) {
        this.literalLeft -= bytes.length;
        this.continuing = this.literalLeft === 0;
        return true;
      }
      rest = bytes.subarray(this.literalLeft).toString('utf8');
    } else if (!inside) {
      this.literalTag = line.trim().split(/\s/)[0] ?? '';
    }
    this.literalLeft = literalAt(rest.trimEnd());
    this.continuing = false;
    return inside || this.literalLeft > 0;
  }

  /** A line the server sent: the upgrade asked for, when this line is its final answer. */
  settledBy(line: string): UpgradeRequest | undefined {
    if (this.literalLeft > 0 && this.literalTag && line.toUpperCase().startsWith(`${this.literalTag.toUpperCase()} `)) this.literalLeft = 0;
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
