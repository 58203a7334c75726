/**
 * The text a browser terminal is sent of a service's output. It is UTF-8 where the bytes are
 * UTF-8; a byte that is not (a Latin-1 "é" is 0xE9 in an 8-bit mail) becomes one lone surrogate
 * (escapedBytes.ts). The page draws it as U+FFFD, but can count it as the one octet it was: an
 * IMAP literal is announced in octets, and counted on U+FFFD (three octets in UTF-8) a literal
 * ended early, so the rest of a message was read as replies and the server's real reply as
 * message text.
 */
import { isUtf8 } from 'node:buffer';
import { escapedByte } from './escapedBytes.js';

/** Octets a valid sequence starting with `lead` has, and the range its second byte must be in (RFC 3629 §4). */
function sequenceOf(lead: number): [length: number, low: number, high: number] | undefined {
  if (lead >= 0xc2 && lead <= 0xdf) return [2, 0x80, 0xbf];
  if (lead === 0xe0) return [3, 0xa0, 0xbf];
  if (lead === 0xed) return [3, 0x80, 0x9f];
  if (lead >= 0xe1 && lead <= 0xef) return [3, 0x80, 0xbf];
  if (lead === 0xf0) return [4, 0x90, 0xbf];
  if (lead >= 0xf1 && lead <= 0xf3) return [4, 0x80, 0xbf];
  if (lead === 0xf4) return [4, 0x80, 0x8f];
  return undefined;
}

/** How many bytes of a valid sequence start at `at`: 0 when none does, -1 when the bytes end before it could. */
function validAt(bytes: Buffer, at: number): number {
  const shape = sequenceOf(bytes[at]!);
  if (!shape) return 0;
  const [length, low, high] = shape;
  for (let i = 1; i < length; i++) {
    if (at + i >= bytes.length) return -1;
    const b = bytes[at + i]!;
    if (i === 1 ? b < low || b > high : b < 0x80 || b > 0xbf) return 0;
  }
  return length;
}

/** Where a sequence the bytes end inside starts (the next chunk has its rest), else their length. */
function unfinishedTail(bytes: Buffer): number {
  for (let at = bytes.length - 1; at >= Math.max(0, bytes.length - 3); at--) {
    const b = bytes[at]!;
    if (b >= 0x80 && b <= 0xbf) continue;
    return validAt(bytes, at) < 0 ? at : bytes.length;
  }
  return bytes.length;
}

export class WireTextDecoder {
  /** The start of a sequence the last chunk ended inside (at most 3 bytes). */
  private held: Buffer = Buffer.alloc(0);

  write(chunk: Buffer): string {
    const joined = this.held.length > 0 ? Buffer.concat([this.held, chunk]) : chunk;
    const cut = unfinishedTail(joined);
    this.held = Buffer.from(joined.subarray(cut));
    const bytes = joined.subarray(0, cut);
    if (isUtf8(bytes)) return bytes.toString('utf8');
    let text = '';
    let run = 0;
    for (let at = 0; at < bytes.length; ) {
      const length = bytes[at]! < 0x80 ? 1 : validAt(bytes, at);
      if (length > 0) {
        at += length;
        continue;
      }
      text += bytes.toString('utf8', run, at) + escapedByte(bytes[at]!);
      run = ++at;
    }
    return text + bytes.toString('utf8', run);
  }
}
