import { describe, expect, it } from 'vitest';
import { toStored, toWire, wireSize } from '../../lab-server/src/maildir/wire.js';
import { dotStuff, topOfMessage } from '../../lab-server/src/pop3/format.js';

describe('dot-stuffing', () => {
  it('doubles a leading dot on every line and ends with CRLF.CRLF', () => {
    expect(dotStuff(Buffer.from('.a\r\nb\r\n..c\r\n.\r\n')).toString()).toBe('..a\r\nb\r\n...c\r\n..\r\n.\r\n');
  });
  it('adds the missing CRLF before the terminator', () => {
    expect(dotStuff(Buffer.from('no newline')).toString()).toBe('no newline\r\n.\r\n');
  });
});

describe('line ends', () => {
  it('stores LF and sends CRLF, with the wire size counted exactly', () => {
    const wire = Buffer.from('a\r\nb\r\n\r\nc');
    const stored = toStored(wire);
    expect(stored.toString()).toBe('a\nb\n\nc');
    expect(toWire(stored).equals(wire)).toBe(true);
    expect(wireSize(stored)).toBe(wire.length);
  });
  it('keeps lone CRs and turns only CRLF pairs into LF', () => {
    expect(toStored(Buffer.from('a\rb\r\r\n\r\nc\r')).toString()).toBe('a\rb\r\n\nc\r');
    expect(toStored(Buffer.from('\r\n')).toString()).toBe('\n');
    expect(toStored(Buffer.from('none')).toString()).toBe('none');
  });
  it('leaves CRLF in a hand-made file as it is', () => {
    const mixed = Buffer.from('a\r\nb\nc');
    expect(toWire(mixed).toString()).toBe('a\r\nb\r\nc');
    expect(wireSize(mixed)).toBe(7);
  });
});

describe('TOP', () => {
  it('returns the header, the blank line and n body lines', () => {
    const msg = Buffer.from('A: 1\nB: 2\n\nl1\nl2\nl3\n');
    expect(topOfMessage(msg, 0).toString()).toBe('A: 1\nB: 2\n\n');
    expect(topOfMessage(msg, 2).toString()).toBe('A: 1\nB: 2\n\nl1\nl2\n');
    expect(topOfMessage(msg, 99).toString()).toBe(msg.toString());
  });
});
