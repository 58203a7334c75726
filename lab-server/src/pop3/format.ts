/**
 * The bytes of POP3 multi-line replies. Dot-stuffing (RFC 1939 §3): a line that begins with
 * "." is sent with one more "."; the reply ends with a line holding only ".". The Maildir keeps
 * LF line ends; the wire wants CRLF.
 */

const LF = 0x0a;
const CR = 0x0d;
const DOT = 0x2e;
/** A reply of up to this size is built in `scratch` and copied out once. */
const SCRATCH_MAX = 1024 * 1024;
/** Reused for every small reply: written and copied out in one synchronous step. */
let scratch = Buffer.alloc(0);

/**
 * Writes `stored` (LF line ends) into `out` from `o` in wire form: bare LF -> CRLF, a "." at a
 * line start doubled. `previous` is the byte before `stored` (LF at the start of a message).
 * `out` needs room for twice `stored`. Returns where the output ends.
 */
function stuffInto(stored: Buffer, out: Buffer, o: number, previous: number): number {
  const n = stored.length;
  for (let i = 0; i < n; i++) {
    const c = stored[i]!;
    if (c === LF) {
      if (previous !== CR) out[o++] = CR;
    } else if (c === DOT && previous === LF) out[o++] = DOT;
    out[o++] = c;
    previous = c;
  }
  return o;
}

/** The terminator after a message whose last byte is `last`: it must start a line of its own. */
function endInto(out: Buffer, o: number, last: number): number {
  if (last !== LF) {
    out[o++] = CR;
    out[o++] = LF;
  }
  out[o++] = DOT;
  out[o++] = CR;
  out[o++] = LF;
  return o;
}

/**
 * A whole RETR/TOP reply: the status line, then the stored (LF) message in wire form,
 * dot-stuffed and terminated, for a single write. The same bytes as dotStuff(toWire(stored))
 * after the status line. `stored` is the message's bytes, or the same as a byte string (one
 * character per octet, as download.ts reads it).
 *
 * A message without CRs (nearly all: the Maildir keeps LF) becomes a latin1 string through
 * the engine's native replaceAll, twice as fast as a byte loop, and a string written to a
 * socket needs no Buffer of its own; the rest goes through the byte loop into a Buffer. The
 * looking is done on the string too: the engine's own string search needs no warming up,
 * where Buffer's indexOf runs through JavaScript of Node's that a new process has not
 * compiled yet (a phone's first download of a few hundred messages is all cold).
 */
export function multilineReply(status: string, stored: Buffer | string): string | Buffer {
  const text = typeof stored === 'string' ? stored : stored.toString('latin1');
  const n = text.length;
  if (!text.includes('\r')) {
    let wire = text.replaceAll('\n', '\r\n');
    // Lines that start with "." are rare: looked for before the longer string is searched.
    if (text.includes('\n.')) wire = wire.replaceAll('\n.', '\n..');
    if (text.startsWith('.')) wire = '.' + wire;
    return status + wire + (n === 0 || text.endsWith('\n') ? '.\r\n' : '\r\n.\r\n');
  }
  // With CRs: the byte loop, into the scratch buffer and copied out (a big reply into its own).
  const bytes = typeof stored === 'string' ? Buffer.from(stored, 'latin1') : stored;
  const room = Buffer.byteLength(status, 'latin1') + 2 * n + 5;
  if (room > SCRATCH_MAX) return convertInto(Buffer.allocUnsafe(room), status, bytes);
  if (scratch.length < room) scratch = Buffer.allocUnsafe(Math.max(room, 16 * 1024));
  return Buffer.from(convertInto(scratch, status, bytes));
}

/** Writes the status line and the converted, terminated message into `out`; the part written. */
function convertInto(out: Buffer, status: string, stored: Buffer): Buffer {
  const head = out.write(status, 0, 'latin1');
  const end = endInto(out, stuffInto(stored, out, head, LF), stored.length === 0 ? LF : stored[stored.length - 1]!);
  return out.subarray(0, end);
}

/**
 * A big message's reply piece by piece (it is never all in memory): `chunk` turns the next
 * stored bytes into wire form (a byte string, to be written as latin1, or bytes), `end` gives
 * the terminator.
 */
export class MultilineStream {
  private last = LF;

  chunk(stored: Buffer): string | Buffer {
    if (stored.length === 0) return stored;
    const previous = this.last;
    this.last = stored[stored.length - 1]!;
    // A piece without CRs, not after one (its first LF may end a CRLF split between pieces):
    // the engine's replaceAll, as multilineReply() does. The byte loop ran the first RETR of a
    // 10 MB attachment after a start at ~300 ms of CPU, nearly all of it the loop not yet compiled.
    const text = previous === CR ? undefined : stored.toString('latin1');
    if (text !== undefined && !text.includes('\r')) {
      let wire = text.replaceAll('\n', '\r\n');
      if (text.includes('\n.')) wire = wire.replaceAll('\n.', '\n..');
      return previous === LF && text.startsWith('.') ? '.' + wire : wire;
    }
    const out = Buffer.allocUnsafe(2 * stored.length);
    return out.subarray(0, stuffInto(stored, out, 0, previous));
  }

  end(): Buffer {
    const out = Buffer.allocUnsafe(5);
    return out.subarray(0, endInto(out, 0, this.last));
  }
}

/**
 * Where TOP's text ends, found piece by piece: the header up to the first empty line (LF LF, or
 * LF CR LF in a file stored with CRLF line ends, as one dropped in by hand or by another MDA may
 * be), then `lines` body lines. A message with no empty line is sent whole.
 */
export class TopCut {
  private inHeader = true;
  /** How far the end of the pieces seen so far is into an empty line: 1 after an LF, 2 after LF CR. */
  private into = 1; // the message's start is a line start: a leading empty line ends an empty header
  private left: number;

  constructor(lines: number) {
    this.left = lines;
  }

  /** How many bytes of `stored` (the message's next bytes) TOP sends; fewer than all once it is done. */
  keep(stored: Buffer): number {
    let i = 0;
    if (this.inHeader) {
      const end = this.headerEnd(stored);
      if (end === -1) return stored.length;
      this.inHeader = false;
      i = end;
    }
    // A byte loop: TOP 1 1000000 on a message of a million lines stays a few milliseconds.
    for (; this.left > 0 && i < stored.length; i++) if (stored[i] === LF) this.left--;
    return this.left === 0 ? i : stored.length;
  }

  /** Just past the empty line that ends the header in `stored`, or -1 if it is not there yet. */
  private headerEnd(stored: Buffer): number {
    // An empty line that straddles two pieces.
    if (this.into === 1 && stored[0] === LF) return 1;
    if (this.into === 1 && stored[0] === CR && stored[1] === LF) return 2;
    if (this.into === 2 && stored[0] === LF) return 1;
    // Native searches: a header of megabytes stays fast.
    const lf = stored.indexOf('\n\n');
    const crlf = stored.indexOf('\n\r\n');
    if (lf !== -1 && (crlf === -1 || lf < crlf)) return lf + 2;
    if (crlf !== -1) return crlf + 3;
    const n = stored.length;
    if (n > 0) this.into = stored[n - 1] === LF ? 1 : stored[n - 1] === CR && (n > 1 ? stored[n - 2] === LF : this.into === 1) ? 2 : 0;
    return -1;
  }
}

/** The header and the first `lines` body lines of a stored (LF) message, for TOP. */
export function topOfMessage(stored: Buffer, lines: number): Buffer {
  return stored.subarray(0, new TopCut(lines).keep(stored));
}
