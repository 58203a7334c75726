/** Modified UTF-7 mailbox names (RFC 3501 §5.1.3). */
import { describe, expect, it } from 'vitest';
import { decodeMutf7, encodeMutf7, InvalidMutf7 } from '../../lab-server/src/imap/mutf7.js';

describe('modified UTF-7', () => {
  it.each([
    ['INBOX', 'INBOX'],
    ['Entwürfe', 'Entw&APw-rfe'],
    ['台北', '&U,BTFw-'],
    ['日本語', '&ZeVnLIqe-'],
    ['Tom & Jerry', 'Tom &- Jerry'],
    ['~peter/mail/台北/日本語', '~peter/mail/&U,BTFw-/&ZeVnLIqe-'],
    ['😀 emoji', '&2D3eAA- emoji'],
  ])('%s <-> %s', (unicode, wire) => {
    expect(encodeMutf7(unicode)).toBe(wire);
    expect(decodeMutf7(wire)).toBe(unicode);
  });

  it.each([
    ['&Jjo!', /never ends/],
    ['&AGE-', /canonical/], // "a" must be written as itself
    ['&AC4-', /canonical/], // a hidden "." would change the hierarchy
    ['&AC8-etc', /canonical/], // a hidden "/"
    ['&2D0-', /surrogate/], // half of an emoji
    ['Entwürfe', /must be written/],
    ['&Zz=-', /not valid/],
  ])('refuses %j', (wire, reason) => {
    expect(() => decodeMutf7(wire)).toThrow(InvalidMutf7);
    expect(() => decodeMutf7(wire)).toThrow(reason);
  });
});
