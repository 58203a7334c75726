/**
 * Line ends. The Maildir keeps messages with LF line ends, as Postfix and Dovecot do on Unix;
 * SMTP, POP3 and IMAP speak CRLF. These convert between the two without a regex pass per line.
 */

import { nextTurn, SLICE_MS } from './slices.js';

const LF = 0x0a;
const CR = 0x0d;

// Byte loops rather than indexOf and a copy per line: a message of a million short lines
// (a MIME bomb) costs a copy call per line that way, hundreds of milliseconds; a loop over
// the bytes costs the same few milliseconds per megabyte whatever the lines look like.

/** Stored form: every CRLF becomes LF; lone CRs are kept as they are. */
export function toStored(data: Buffer): Buffer {
  if (data.indexOf(CR) === -1) return data;
  const out = Buffer.allocUnsafe(data.length);
  const n = data.length;
  let o = 0;
  for (let i = 0; i < n; i++) {
    const c = data[i]!;
    if (c !== CR || data[i + 1] !== LF) out[o++] = c;
  }
  return out.subarray(0, o);
}

/**
 * Number of octets the stored message takes on the wire, where each bare LF becomes CRLF.
 * (A file put into the Maildir by hand may already have CRLF line ends.)
 */
export function wireSize(stored: Buffer): number {
  let bare = 0;
  let previous = 0;
  for (let i = 0; i < stored.length; i++) {
    const c = stored[i]!;
    if (c === LF && previous !== CR) bare++;
    previous = c;
  }
  return stored.length + bare;
}

/** Bytes converted between looks at the clock. */
const STEP = 64 * 1024;

/**
 * toStored and wireSize in one pass over a message given in parts (the headers added on the
 * way, then the message as received, never joined), a slice of it per turn of the event loop.
 * In one go a 9 MB message held the loop for 60-100 ms: the two loops, and the kernel handing
 * over the fresh pages of the stored copy.
 */
export async function toStoredInTurns(parts: readonly Uint8Array[]): Promise<{ stored: Buffer; wireSize: number }> {
  const out = Buffer.allocUnsafe(parts.reduce((sum, part) => sum + part.length, 0));
  let o = 0;
  let bare = 0;
  let previous = 0;
  let sliceStart = performance.now();
  for (const part of parts) {
    for (let start = 0; start < part.length; start += STEP) {
      const end = Math.min(part.length, start + STEP);
      for (let i = start; i < end; i++) {
        const c = part[i]!;
        if (c === LF) {
          // A CR just written that turns out to end a CRLF goes (even across parts).
          if (previous === CR) o--;
          // What the stored form has before this LF decides whether it is bare there.
          if (o === 0 || out[o - 1] !== CR) bare++;
        }
        out[o++] = c;
        previous = c;
      }
      if (performance.now() - sliceStart > SLICE_MS) {
        await nextTurn();
        sliceStart = performance.now();
      }
    }
  }
  return { stored: out.subarray(0, o), wireSize: o + bare };
}

/** Up to this size a message without CRs is converted by the engine's own string functions. */
const NATIVE_MAX = 1024 * 1024;

/** Wire form: every bare LF of the stored message becomes CRLF. */
export function toWire(stored: Buffer): Buffer {
  // Nearly every stored message has no CR: the engine's native replaceAll converts it, faster
  // than the byte loop and with nothing to compile first (a client opening the first messages
  // after a start runs this cold, and the loop runs in the interpreter until it is optimised).
  if (stored.length <= NATIVE_MAX) {
    const text = stored.toString('latin1');
    if (!text.includes('\r')) return text.includes('\n') ? Buffer.from(text.replaceAll('\n', '\r\n'), 'latin1') : stored;
  }
  const size = wireSize(stored);
  if (size === stored.length) return stored;
  const out = Buffer.allocUnsafe(size);
  let o = 0;
  let previous = 0;
  for (let i = 0; i < stored.length; i++) {
    const c = stored[i]!;
    if (c === LF && previous !== CR) out[o++] = CR;
    out[o++] = c;
    previous = c;
  }
  return out;
}
