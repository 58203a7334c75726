/**
 * The bytes of POP3 multi-line replies. Dot-stuffing (RFC 1939 §3): a line that begins with
 * "." is sent with one more "."; the reply ends with a line holding only ".".
 */

export { dotStuff } from '../net/dotStuff.js';

/** The header and the first `lines` body lines of a stored (LF) message, for TOP. */
export function topOfMessage(stored: Buffer, lines: number): Buffer {
  const headerEnd = stored.indexOf('\n\n');
  if (headerEnd === -1) return stored;
  let end = headerEnd + 2;
  // A byte loop: TOP 1 1000000 on a message of a million lines stays a few milliseconds.
  for (let left = lines; left > 0 && end < stored.length; end++) if (stored[end] === 0x0a) left--;
  return stored.subarray(0, end);
}
