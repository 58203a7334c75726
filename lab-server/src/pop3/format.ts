/**
 * The bytes of POP3 multi-line replies. Dot-stuffing (RFC 1939 §3): a line that begins with
 * "." is sent with one more "."; the reply ends with a line holding only ".".
 */

const TERMINATOR = Buffer.from('.\r\n');

/** Dot-stuffs a CRLF message and appends the terminating line. */
export function dotStuff(wire: Buffer): Buffer {
  const parts: Buffer[] = [];
  let lineStart = 0;
  let from = 0;
  while (lineStart < wire.length) {
    if (wire[lineStart] === 0x2e) {
      parts.push(wire.subarray(from, lineStart), Buffer.from('.'));
      from = lineStart;
    }
    const nl = wire.indexOf(0x0a, lineStart);
    if (nl === -1) break;
    lineStart = nl + 1;
  }
  parts.push(wire.subarray(from));
  // The terminator must start a line of its own.
  if (wire.length > 0 && !(wire[wire.length - 2] === 0x0d && wire[wire.length - 1] === 0x0a)) parts.push(Buffer.from('\r\n'));
  parts.push(TERMINATOR);
  return Buffer.concat(parts);
}

/** The header and the first `lines` body lines of a stored (LF) message, for TOP. */
export function topOfMessage(stored: Buffer, lines: number): Buffer {
  const headerEnd = stored.indexOf('\n\n');
  if (headerEnd === -1) return stored;
  let end = headerEnd + 2;
  for (let i = 0; i < lines && end < stored.length; i++) {
    const nl = stored.indexOf(0x0a, end);
    end = nl === -1 ? stored.length : nl + 1;
  }
  return stored.subarray(0, end);
}
