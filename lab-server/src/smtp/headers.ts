/**
 * Small reads and writes of a message's header section, enough for logging and for the
 * headers a submission server adds (RFC 5322 §3.6: Date, Message-ID, From are required).
 */

/** The header section (up to the first empty line) as text. */
function headerSection(message: Buffer): string {
  const end = message.indexOf('\r\n\r\n');
  const lfEnd = message.indexOf('\n\n');
  const cut = end === -1 ? (lfEnd === -1 ? message.length : lfEnd) : end;
  return message.subarray(0, Math.min(cut, 64 * 1024)).toString('utf8');
}

/** The unfolded value of the first header field with this name, or undefined. */
export function headerValue(message: Buffer, name: string): string | undefined {
  const unfolded = headerSection(message).replace(/\r?\n[ \t]+/g, ' ');
  const wanted = name.toLowerCase();
  for (const line of unfolded.split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon > 0 && line.slice(0, colon).trim().toLowerCase() === wanted) return line.slice(colon + 1).trim();
  }
  return undefined;
}

/**
 * What Postfix's cleanup adds to mail from its own users when a required header is missing
 * (local_header_rewrite_clients): Date, Message-ID and From, on top of the message.
 */
export function addMissingHeaders(message: Buffer, info: { from: string; host: string; queueId: string; date: Date }): Buffer {
  const added: string[] = [];
  if (headerValue(message, 'date') === undefined) added.push(`Date: ${info.date.toUTCString().replace('GMT', '+0000')}`);
  if (headerValue(message, 'message-id') === undefined) added.push(`Message-ID: <${info.date.getTime()}.${info.queueId}@${info.host}>`);
  if (headerValue(message, 'from') === undefined) added.push(`From: <${info.from}>`);
  if (added.length === 0) return message;
  return Buffer.concat([Buffer.from(added.map((h) => `${h}\r\n`).join('')), message]);
}
