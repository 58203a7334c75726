/**
 * Line ends. The Maildir keeps messages with LF line ends, as Postfix and Dovecot do on Unix;
 * SMTP, POP3 and IMAP speak CRLF. These convert between the two without a regex pass per line.
 */

const LF = 0x0a;
const CR = 0x0d;
const CRLF = Buffer.from('\r\n');

/** Stored form: every CRLF becomes LF; lone CRs are kept as they are. */
export function toStored(data: Buffer): Buffer {
  let at = data.indexOf(CRLF);
  if (at === -1) return data;
  const out = Buffer.allocUnsafe(data.length);
  let o = 0;
  let from = 0;
  for (; at !== -1; at = data.indexOf(CRLF, from)) {
    o += data.copy(out, o, from, at);
    from = at + 1; // skip the CR, keep the LF
  }
  o += data.copy(out, o, from);
  return out.subarray(0, o);
}

/**
 * Number of octets the stored message takes on the wire, where each bare LF becomes CRLF.
 * (A file put into the Maildir by hand may already have CRLF line ends.)
 */
export function wireSize(stored: Buffer): number {
  let bare = 0;
  for (let i = stored.indexOf(LF); i !== -1; i = stored.indexOf(LF, i + 1)) if (i === 0 || stored[i - 1] !== CR) bare++;
  return stored.length + bare;
}

/** Wire form: every bare LF of the stored message becomes CRLF. */
export function toWire(stored: Buffer): Buffer {
  const out = Buffer.allocUnsafe(wireSize(stored));
  let o = 0;
  let from = 0;
  for (let i = stored.indexOf(LF); i !== -1; i = stored.indexOf(LF, i + 1)) {
    if (i > 0 && stored[i - 1] === CR) continue;
    o += stored.copy(out, o, from, i);
    out[o++] = CR;
    out[o++] = LF;
    from = i + 1;
  }
  stored.copy(out, o, from);
  return out;
}
