/**
 * How a terminal's text stands for bytes that were not UTF-8: each is one lone surrogate,
 * U+DC80 + (byte - 0x80), as Python's "surrogateescape" does. The bridge makes them
 * (wireText.ts); its transcript and the page draw them as U+FFFD, and the page counts each as
 * the one octet it was (an IMAP literal is announced in octets). A leaf with no imports: the
 * site imports it, so both sides read the same convention.
 */

/** The lone surrogate that stands for `byte` (0x80-0xFF). */
export const escapedByte = (byte: number): string => String.fromCharCode(0xdc00 + byte);

/** Lone surrogates that stand for bytes that were not UTF-8. */
const ESCAPED = /[\udc80-\udcff]/gu;

/** `text` with each byte that was not UTF-8 shown as U+FFFD, as a UTF-8 decoder shows it. */
export const withReplacements = (text: string): string => text.replace(ESCAPED, '\ufffd');

/** Octets `char` (one code point) was on the wire. */
function octetsOf(char: string): number {
  const cp = char.codePointAt(0)!;
  if (cp < 0x80 || (cp >= 0xdc80 && cp <= 0xdcff)) return 1;
  return cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
}

/** Octets `text` was on the wire. */
export function wireOctets(text: string): number {
  let n = 0;
  for (const char of text) n += octetsOf(char);
  return n;
}

/** What follows the first `octets` octets of `text` (from the next whole character). */
export function afterOctets(text: string, octets: number): string {
  let at = 0;
  for (const char of text) {
    if (octets <= 0) break;
    octets -= octetsOf(char);
    at += char.length;
  }
  return text.slice(at);
}
