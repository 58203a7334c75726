/**
 * The text the bridge sends a terminal page, and how the page counts it: UTF-8 where the bytes
 * are UTF-8, each other byte one lone surrogate the page draws as U+FFFD and counts as the one
 * octet it was (an IMAP literal is announced in octets). Judged against Python's own
 * "surrogateescape" decoder, which this follows.
 */
import { describe, expect, it } from 'vitest';
import { afterOctets, wireOctets, withReplacements } from '../../lab-server/src/bridge/escapedBytes.js';
import { WireTextDecoder } from '../../lab-server/src/bridge/wireText.js';
import { visibleControls } from '../../site/lib/serverStream.js';
import { python } from '../helpers/clients.js';

const samples = [
  Buffer.from('plain ASCII\r\n'),
  Buffer.from('中文 é 😀\r\n'),
  Buffer.from('caf\xe9 na\xefve\r\n', 'latin1'),
  // Truncated sequences, overlongs, encoded surrogates, beyond U+10FFFF, stray continuations.
  Buffer.from([0xe2, 0x82, 0x41, 0xc0, 0xaf, 0xed, 0xa0, 0x80, 0xf4, 0x90, 0x80, 0x80, 0x80, 0xbf, 0xf0, 0x9f, 0x98, 0x80, 0xff, 0x0d, 0x0a]),
];

/** Decodes `bytes` in pieces of `size` bytes. */
function decode(bytes: Buffer, size: number): string {
  const decoder = new WireTextDecoder();
  let text = '';
  for (let at = 0; at < bytes.length; at += size) text += decoder.write(bytes.subarray(at, at + size));
  return text;
}

describe('WireTextDecoder', () => {
  it('decodes as Python\'s surrogateescape does, however the bytes are cut into pieces', async () => {
    const judged = await python(
      `
import base64, json
print(json.dumps([base64.b64decode(b).decode('utf-8', 'surrogateescape') for b in P['samples']]))`,
      { samples: samples.map((b) => b.toString('base64')) },
    );
    expect(judged.stderr).toBe('');
    const expected = JSON.parse(judged.stdout) as string[];
    samples.forEach((bytes, i) => {
      for (const size of [1, 2, 3, 5, bytes.length]) expect(decode(bytes, size)).toBe(expected[i]);
      // Every byte is counted as itself, so the octets add up to the bytes on the wire.
      expect(wireOctets(expected[i]!)).toBe(bytes.length);
    });
  });

  it('draws a byte that was no UTF-8 as U+FFFD, and the transcript keeps U+FFFD', () => {
    const text = decode(Buffer.from('caf\xe9\r\n', 'latin1'), 64);
    expect(text).toBe('caf\udce9\r\n');
    expect(visibleControls(text)).toBe('caf\ufffd\r\n');
    expect(withReplacements(text)).toBe('caf\ufffd\r\n');
    // A real character whose UTF-16 form ends in the same code unit is no escaped byte.
    expect(withReplacements('\u{10080}')).toBe('\u{10080}');
    expect(wireOctets('\u{10080}')).toBe(4);
  });

  it('finds what follows a literal that ends inside a line by octets', () => {
    expect(afterOctets('caf\udce9) {5}', 4)).toBe(') {5}');
    expect(afterOctets('café) {5}', 5)).toBe(') {5}');
    expect(afterOctets('中x', 1)).toBe('x');
  });
});
