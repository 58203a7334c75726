/**
 * Dot-stuffing (RFC 5321 §4.5.2, RFC 1939 §3): a line of a message that begins with "." is
 * sent with one more "."; the message ends with a line holding only ".". One loop over the
 * bytes, so a message of a million short lines costs no more than one of long lines.
 */

const DOT = 0x2e;
const LF = 0x0a;
const CR = 0x0d;

/** The message (CRLF line ends) dot-stuffed and terminated, as SMTP DATA and POP3 RETR send it. */
export function dotStuff(wire: Buffer): Buffer {
  let dots = 0;
  for (let i = 0; i < wire.length; i++) if (wire[i] === DOT && (i === 0 || wire[i - 1] === LF)) dots++;
  // The terminator must start a line of its own.
  const ended = wire.length === 0 || (wire[wire.length - 2] === CR && wire[wire.length - 1] === LF);
  const out = Buffer.allocUnsafe(wire.length + dots + (ended ? 0 : 2) + 3);
  let o = 0;
  for (let i = 0; i < wire.length; i++) {
    const c = wire[i]!;
    if (c === DOT && (i === 0 || wire[i - 1] === LF)) out[o++] = DOT;
    out[o++] = c;
  }
  if (!ended) {
    out[o++] = CR;
    out[o++] = LF;
  }
  out.write('.\r\n', o, 'latin1');
  return out;
}
