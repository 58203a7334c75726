import { describe, expect, it } from 'vitest';
import { toStored, toWire, wireSize } from '../../lab-server/src/maildir/wire.js';
import { dotStuff } from '../../lab-server/src/net/dotStuff.js';
import { MultilineStream, multilineReply, TopCut, topOfMessage } from '../../lab-server/src/pop3/format.js';

/** A reply's octets: a string reply goes on the wire as latin1. */
const bytes = (reply: string | Buffer): Buffer => (typeof reply === 'string' ? Buffer.from(reply, 'latin1') : reply);

describe('dot-stuffing', () => {
  it('doubles a leading dot on every line and ends with CRLF.CRLF', () => {
    expect(dotStuff(Buffer.from('.a\r\nb\r\n..c\r\n.\r\n')).toString()).toBe('..a\r\nb\r\n...c\r\n..\r\n.\r\n');
  });
  it('adds the missing CRLF before the terminator', () => {
    expect(dotStuff(Buffer.from('no newline')).toString()).toBe('no newline\r\n.\r\n');
  });
});

describe('a RETR reply in one buffer', () => {
  const status = '+OK 12 octets\r\n';
  const slow = (stored: Buffer): Buffer => Buffer.concat([Buffer.from(status), dotStuff(toWire(stored))]);

  it('converts line ends, stuffs dots and terminates in one pass', () => {
    expect(bytes(multilineReply(status, Buffer.from('.a\nb\r\n..c\n.\n'))).toString()).toBe(`${status}..a\r\nb\r\n...c\r\n..\r\n.\r\n`);
    expect(multilineReply(status, Buffer.from('no newline')).toString()).toBe(`${status}no newline\r\n.\r\n`);
    expect(multilineReply(status, Buffer.alloc(0)).toString()).toBe(`${status}.\r\n`);
    // A lone CR is no line end: the dot after it is not at a line start; a final CR still needs CRLF.
    expect(multilineReply(status, Buffer.from('a\r.b\r')).toString()).toBe(`${status}a\r.b\r\r\n.\r\n`);
  });

  it('gives exactly the bytes of status + dotStuff(toWire(message)) for any mix of dots, CR, LF and 8-bit bytes', () => {
    const alphabet = [0x2e, 0x0a, 0x0d, 0x61, 0xff, 0x00, 0x20];
    let seed = 1;
    const random = (): number => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
    for (let round = 0; round < 2000; round++) {
      const stored = Buffer.from(Array.from({ length: Math.floor(random() * 40) }, () => alphabet[Math.floor(random() * alphabet.length)]!));
      expect(bytes(multilineReply(status, stored)).equals(slow(stored)), JSON.stringify(stored.toString('latin1'))).toBe(true);
      // The same message handed over as a byte string, as a RETR reads it.
      expect(bytes(multilineReply(status, stored.toString('latin1'))).equals(slow(stored)), JSON.stringify(stored.toString('latin1'))).toBe(true);
    }
    const large = Buffer.from('.line\n'.repeat(200_000) + 'tail');
    expect(bytes(multilineReply(status, large)).equals(slow(large))).toBe(true);
    // With CRs, past the reused buffer's size.
    const largeWithCr = Buffer.from('.line\r\n'.repeat(100_000) + 'lone\rCR\n.tail');
    expect(bytes(multilineReply(status, largeWithCr)).equals(slow(largeWithCr))).toBe(true);
  });
});

describe('a big message streamed piece by piece', () => {
  const alphabet = [0x2e, 0x0a, 0x0d, 0x61, 0xff];
  let seed = 7;
  const random = (): number => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
  const message = (): Buffer => Buffer.from(Array.from({ length: Math.floor(random() * 60) }, () => alphabet[Math.floor(random() * alphabet.length)]!));
  /** `stored` cut at random places: dots, CRs and LFs land on both sides of every cut. */
  const pieces = (stored: Buffer): Buffer[] => {
    const out: Buffer[] = [];
    for (let at = 0; at < stored.length; ) {
      const size = 1 + Math.floor(random() * 6);
      out.push(stored.subarray(at, at + size));
      at += size;
    }
    return out;
  };

  it('gives the same bytes as the reply built in one piece, wherever the pieces are cut', () => {
    for (let round = 0; round < 2000; round++) {
      const stored = message();
      const stream = new MultilineStream();
      const got = Buffer.concat([Buffer.from('+OK\r\n'), ...pieces(stored).map((p) => bytes(stream.chunk(p))), stream.end()]);
      expect(got.equals(bytes(multilineReply('+OK\r\n', stored))), JSON.stringify(stored.toString('latin1'))).toBe(true);
    }
  });

  it('cuts TOP where the whole message would be cut, wherever the pieces are cut', () => {
    for (let round = 0; round < 2000; round++) {
      const stored = message();
      const lines = Math.floor(random() * 4);
      const cut = new TopCut(lines);
      const kept = Buffer.concat(pieces(stored).map((p) => p.subarray(0, cut.keep(p))));
      expect(kept.equals(topOfMessage(stored, lines)), `${lines} ${JSON.stringify(stored.toString('latin1'))}`).toBe(true);
      expect(kept.toString('latin1'), `${lines} ${JSON.stringify(stored.toString('latin1'))}`).toBe(slowTop(stored, lines));
    }
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
  it('turns every bare LF into CRLF, whichever way it converts (with or without CRs, small or over 1 MiB)', () => {
    // The rule spelled out byte by byte, to judge toWire's faster paths against.
    const reference = (stored: Buffer): Buffer => {
      const out: number[] = [];
      stored.forEach((c, i) => {
        if (c === 0x0a && stored[i - 1] !== 0x0d) out.push(0x0d);
        out.push(c);
      });
      return Buffer.from(out);
    };
    const alphabet = [0x0a, 0x0d, 0x61, 0xff, 0x00];
    let seed = 3;
    const random = (): number => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
    for (let round = 0; round < 2000; round++) {
      // Half the rounds without CR: the common case, converted natively.
      const letters = round % 2 === 0 ? alphabet : alphabet.filter((c) => c !== 0x0d);
      const stored = Buffer.from(Array.from({ length: Math.floor(random() * 40) }, () => letters[Math.floor(random() * letters.length)]!));
      const wire = toWire(stored);
      expect(wire.equals(reference(stored)), JSON.stringify(stored.toString('latin1'))).toBe(true);
      expect(wire.length).toBe(wireSize(stored));
    }
    const big = Buffer.from('line \xff\n'.repeat(200_000), 'latin1');
    expect(toWire(big).equals(Buffer.from('line \xff\r\n'.repeat(200_000), 'latin1'))).toBe(true);
  });
  it('leaves CRLF in a hand-made file as it is', () => {
    const mixed = Buffer.from('a\r\nb\nc');
    expect(toWire(mixed).toString()).toBe('a\r\nb\r\nc');
    expect(wireSize(mixed)).toBe(7);
  });
});

/** TOP by the book: up to the first empty line (LF or CRLF), then `lines` lines; all of it without one. */
function slowTop(stored: Buffer, lines: number): string {
  const text = stored.toString('latin1');
  const empty = /(?:^|\n)(?:\r?\n)/.exec(text);
  if (!empty) return text;
  let end = empty.index + empty[0].length;
  for (let n = 0; n < lines; n++) {
    const next = text.indexOf('\n', end);
    if (next === -1) return text;
    end = next + 1;
  }
  return text.slice(0, end);
}

describe('TOP', () => {
  it('returns the header, the blank line and n body lines', () => {
    const msg = Buffer.from('A: 1\nB: 2\n\nl1\nl2\nl3\n');
    expect(topOfMessage(msg, 0).toString()).toBe('A: 1\nB: 2\n\n');
    expect(topOfMessage(msg, 2).toString()).toBe('A: 1\nB: 2\n\nl1\nl2\n');
    expect(topOfMessage(msg, 99).toString()).toBe(msg.toString());
  });

  it('finds the end of the header in a file stored with CRLF line ends', () => {
    // Such a file used to have no "\n\n", so TOP n 0 sent the whole message.
    const msg = Buffer.from('A: 1\r\nB: 2\r\n\r\nl1\r\nl2\r\nl3\r\n');
    expect(topOfMessage(msg, 0).toString()).toBe('A: 1\r\nB: 2\r\n\r\n');
    expect(topOfMessage(msg, 2).toString()).toBe('A: 1\r\nB: 2\r\n\r\nl1\r\nl2\r\n');
    // An empty header: the body starts at once.
    expect(topOfMessage(Buffer.from('\r\nl1\r\nl2\r\n'), 1).toString()).toBe('\r\nl1\r\n');
  });
});
