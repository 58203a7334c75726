/**
 * Trace fields the receiving server puts on top of a message: Return-Path (the envelope
 * sender, RFC 5321 §4.4) and Received (who handed it over, from where, how, when).
 */

export interface TraceInfo {
  envelopeFrom: string;
  helo: string;
  clientHostname: string;
  clientAddress: string;
  /** SMTP, ESMTP, ESMTPS, ESMTPA or ESMTPSA (RFC 3848). */
  transmissionType: string;
  serverName: string;
  queueId: string;
  recipients: string[];
  tlsCipher?: string;
  date?: Date;
  /** False for a relay hop: Return-Path is added only at final delivery (RFC 5321 §4.4). */
  returnPath?: boolean;
}

/** RFC 5322 date-time, e.g. "Sat, 28 Nov 2026 21:03:24 +0000". */
export function rfc5322Date(date: Date): string {
  return date.toUTCString().replace('GMT', '+0000');
}

/** Strips characters that could break a header out of a value taken from the client. */
function clean(value: string): string {
  return value.replace(/[\x00-\x1f\x7f()]/g, '').slice(0, 255);
}

export function traceHeaders(t: TraceInfo): string {
  const address = t.clientAddress.replace(/^::ffff:/, '');
  // Without a reverse lookup smtp-server reports the literal "[ip]"; Postfix says "unknown".
  const rdns = t.clientHostname.startsWith('[') ? '' : t.clientHostname;
  const lines = [
    t.returnPath === false ? undefined : `Return-Path: <${clean(t.envelopeFrom)}>`,
    `Received: from ${clean(t.helo) || 'unknown'} (${clean(rdns) || 'unknown'} [${address}])`,
    t.tlsCipher ? `\t(using ${clean(t.tlsCipher)})` : undefined,
    `\tby ${t.serverName} (MailLab) with ${t.transmissionType} id ${t.queueId}`,
    t.recipients.length === 1 ? `\tfor <${clean(t.recipients[0]!)}>; ${rfc5322Date(t.date ?? new Date())}` : `\t; ${rfc5322Date(t.date ?? new Date())}`,
  ];
  return lines.filter((l) => l !== undefined).join('\r\n') + '\r\n';
}
