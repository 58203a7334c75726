/**
 * ENVELOPEs of many message files at once, from the start of each file alone: read here, or
 * on the envelope reader thread (envelopeThread.ts). See envelopeBatch.ts.
 */
import { closeSync, readSync } from 'node:fs';
import { openToRead } from '../../files/noAtimeOpen.js';
import { envelopeOfHeader, storedHeaderEnd } from './jobs.js';
import { INLINE_BYTES, type MimeLimits } from './limits.js';

/** ENVELOPE needs the header only: this much of the file is read for it. */
export const HEADER_READ = INLINE_BYTES;

/** One buffer per thread serves every read: each is used and done with in one synchronous step. */
let scratch: Buffer | undefined;
const LF_LF = Buffer.from('\n\n');
const LF_CRLF = Buffer.from('\n\r\n');

/**
 * The start of a message as a byte string, cut just past the blank line that ends its header
 * when it has one (storedHeaderEnd() finds the same end in it): the body after it is neither
 * converted nor searched. Whole, the 32 KB read of a message with a long body cost a 32 KB
 * string and a search through it per message (5,000 with 16 KB bodies: 100 ms -> 64 ms).
 */
export function headerText(start: Buffer): string {
  if (start[0] === 0x0a || (start[0] === 0x0d && start[1] === 0x0a)) return start.toString('latin1', 0, Math.min(start.length, 2));
  const lf = start.indexOf(LF_LF);
  // A CRLF blank line counts only before the first LF one: searched up to there.
  const crlf = (lf === -1 ? start : start.subarray(0, lf + 2)).indexOf(LF_CRLF);
  const end = crlf !== -1 ? crlf + 1 : lf === -1 ? -1 : lf + 1;
  return start.toString('latin1', 0, end === -1 ? start.length : Math.min(start.length, end + 2));
}

/**
 * The ENVELOPE from the start of a message (all of it when `whole`) as a byte string (latin1,
 * one character per octet), serialised as a byte string; undefined when its header runs past
 * that start or is too busy for `limits`. Strings rather than bytes throughout: a string's
 * searches and slices are the engine's own, where each on a Buffer is a call into Node's library.
 */
export function quickEnvelope(start: string, whole: boolean, limits: MimeLimits): string | undefined {
  const end = storedHeaderEnd(start);
  if (end === -1 && !whole) return undefined;
  const envelope = envelopeOfHeader(end === -1 ? start : start.slice(0, end), limits);
  // Made one flat string now: as built it is a tree of pieces holding on to the header's text.
  envelope?.charCodeAt(0);
  return envelope;
}

/**
 * For each file, its ENVELOPE (a byte string), or null when the quick way cannot tell: a
 * header longer than HEADER_READ or too busy for `limits`, or a file that cannot be read (gone
 * or renamed meanwhile). The caller takes those the slow, careful way, which knows the current
 * name and parses with the full limits on a worker.
 */
export function envelopesOfFiles(paths: readonly string[], limits: MimeLimits): Array<string | null> {
  scratch ??= Buffer.allocUnsafe(HEADER_READ);
  const out: Array<string | null> = [];
  for (const path of paths) {
    let fd: number;
    try {
      // Never blocking (a FIFO put where a message was), and leaving the file's access time alone.
      fd = openToRead(path);
    } catch {
      out.push(null);
      continue;
    }
    try {
      const read = readSync(fd, scratch, 0, HEADER_READ, 0);
      out.push(quickEnvelope(headerText(scratch.subarray(0, read)), read < HEADER_READ, limits) ?? null);
    } catch {
      out.push(null);
    } finally {
      closeSync(fd);
    }
  }
  return out;
}
