/**
 * The bytes of POP3 multi-line replies. Dot-stuffing (RFC 1939 §3): a line that begins with
 * "." is sent with one more "."; the reply ends with a line holding only ".".
 */

const LF = 0x0a;
const CR = 0x0d;
const DOT = 0x2e;

/**
 * A whole RETR/TOP reply in one buffer: the status line, then the stored (LF) message turned
 * into wire form (bare LF -> CRLF), dot-stuffed and terminated. The same bytes as
 * dotStuff(toWire(stored)) after the status line, but in two passes over the message and one
 * allocation rather than four passes and three copies, and sent with a single write.
 */
export function multilineReply(status: string, stored: Buffer): Buffer {
  const n = stored.length;
  let extra = 0;
  let previous = LF;
  for (let i = 0; i < n; i++) {
    const c = stored[i]!;
    if (c === LF) {
      if (previous !== CR) extra++;
    } else if (c === DOT && previous === LF) extra++;
    previous = c;
  }
  // The terminator must start a line of its own (an empty message gets only the terminator).
  const ended = n === 0 || stored[n - 1] === LF;
  const head = Buffer.byteLength(status, 'latin1');
  const out = Buffer.allocUnsafe(head + n + extra + (ended ? 0 : 2) + 3);
  let o = out.write(status, 0, 'latin1');
  previous = LF;
  for (let i = 0; i < n; i++) {
    const c = stored[i]!;
    if (c === LF) {
      if (previous !== CR) out[o++] = CR;
    } else if (c === DOT && previous === LF) out[o++] = DOT;
    out[o++] = c;
    previous = c;
  }
  if (!ended) {
    out[o++] = CR;
    out[o++] = LF;
  }
  out.write('.\r\n', o, 'latin1');
  return out;
}

/** The header and the first `lines` body lines of a stored (LF) message, for TOP. */
export function topOfMessage(stored: Buffer, lines: number): Buffer {
  const headerEnd = stored.indexOf('\n\n');
  if (headerEnd === -1) return stored;
  let end = headerEnd + 2;
  // A byte loop: TOP 1 1000000 on a message of a million lines stays a few milliseconds.
  for (let left = lines; left > 0 && end < stored.length; end++) if (stored[end] === 0x0a) left--;
  return stored.subarray(0, end);
}
