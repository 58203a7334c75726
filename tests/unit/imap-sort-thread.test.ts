/**
 * SORT and THREAD pieces: base subjects (RFC 5256 §2.1), sent dates, the sort program, the two
 * threading algorithms on hand-made conversations, and the ESEARCH return options and response
 * (RFC 4731, 5182, 5267).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { baseSubject, casemap, compareText } from '../../lab-server/src/imap/baseSubject.js';
import { parseSentDate } from '../../lab-server/src/imap/dates.js';
import { esearchResponse, readReturnOptions, savedPart } from '../../lab-server/src/imap/esearch.js';
import { compactSet } from '../../lab-server/src/imap/sequenceSet.js';
import { parseCommand } from '../../lab-server/src/imap/parser.js';
import { ArgumentError } from '../../lab-server/src/imap/schema.js';
import { parseSortProgram } from '../../lab-server/src/imap/sort.js';
import { messageIds, threadResponse, type ThreadMessage } from '../../lab-server/src/imap/thread.js';
import { sortInTurns } from '../../lab-server/src/workers/turns.js';

const args = (text: string) => parseCommand([{ kind: 'line', bytes: Buffer.from(`a X ${text}`) }]).args;

describe('base subject', () => {
  it.each([
    ['Re: hello', 'hello', true],
    ['[foo] Fwd: [bar] Re: fw: b (fWd)  (fwd)', 'b', true],
    ['Re: [FWD: c]', 'c', true],
    ['re: [fwd: [fwd: re: [fwd: babylon]]]', 'babylon', true],
    ['[xyz]', '[xyz]', false],
    ['[list] topic', 'topic', false],
    ['Ad: Re: x', 'Ad: Re: x', false],
    ['=?utf-8?q?Re=3A_caf=C3=A9?=', 'café', true],
    ['  spaced \t out  ', 'spaced out', false],
    [undefined, '', false],
  ])('%s -> %s', (subject, base, reply) => {
    expect(baseSubject(subject)).toEqual({ base, replyOrForward: reply });
  });

  it('compares case-insensitively, by code point, the empty string first', () => {
    const sorted = ['_', 'b', '', '[x]', 'A', 'c'].map(casemap).sort(compareText);
    expect(sorted).toEqual(['', 'A', 'B', 'C', '[X]', '_']);
  });
});

describe('comparing text', () => {
  /** Code point order, spelled out: what compareText must agree with. */
  const byCodePoints = (a: string, b: string): number => {
    const [x, y] = [[...a].map((c) => c.codePointAt(0)!), [...b].map((c) => c.codePointAt(0)!)];
    for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i]! - y[i]!;
    return x.length - y.length;
  };
  it('orders by code point, also around surrogate pairs and lone halves', () => {
    const piece = fc.constantFrom('', 'a', 'B', '\ud800', '\udc00', '\ud83d\ude00', '\ud83d\ude01', '\ue000', '\uffff');
    const text = fc.array(piece, { maxLength: 8 }).map((p) => p.join(''));
    for (const arbitrary of [text, fc.string({ unit: 'binary' })]) {
      fc.assert(fc.property(arbitrary, arbitrary, (a, b) => Math.sign(compareText(a, b)) === Math.sign(byCodePoints(a, b))), { numRuns: 20_000 });
    }
  });

  it('sorts long arrays in turns, stably, as Array.prototype.sort does', async () => {
    const byKey = (x: [number, number], y: [number, number]): number => x[0] - y[0];
    const pairs = fc.array(fc.tuple(fc.integer({ min: 0, max: 40 }), fc.integer()), { maxLength: 5000 });
    await fc.assert(fc.asyncProperty(pairs, async (a) => {
      expect(await sortInTurns([...a], byKey)).toEqual([...a].sort(byKey));
    }), { numRuns: 200 });
  });
});

describe('sent date', () => {
  it('reads the zone, and takes missing parts as RFC 5256 says', () => {
    expect(parseSentDate('Fri, 22 Feb 2008 00:00:00 +0200')).toBe(Date.UTC(2008, 1, 21, 22));
    expect(parseSentDate('31 Dec 2000 16:01:33 -0800')).toBe(Date.UTC(2001, 0, 1, 0, 1, 33));
    expect(parseSentDate('1 Jan 2001 10:00 EST')).toBe(Date.UTC(2001, 0, 1, 15));
    expect(parseSentDate('1 Jan 2001 10:00:00 XYZ')).toBe(Date.UTC(2001, 0, 1, 10));
    expect(parseSentDate('3 Mar 99')).toBe(Date.UTC(1999, 2, 3));
    expect(parseSentDate('tomorrow')).toBeUndefined();
  });
});

describe('sort program', () => {
  it('reads criteria with REVERSE', () => {
    expect(parseSortProgram(args('(REVERSE date subject displayfrom)')[0])).toEqual([
      { key: 'DATE', reverse: true },
      { key: 'SUBJECT', reverse: false },
      { key: 'DISPLAYFROM', reverse: false },
    ]);
  });

  it('keeps only the first use of each key: a later one never breaks a tie the first left', () => {
    expect(parseSortProgram(args('(subject REVERSE date subject REVERSE subject date)')[0])).toEqual([
      { key: 'SUBJECT', reverse: false },
      { key: 'DATE', reverse: true },
    ]);
  });

  it.each(['()', '(DATE REVERSE)', '(REVERSE REVERSE DATE)', '(COLOUR)', 'DATE'])('refuses %s', (text) => {
    expect(() => parseSortProgram(args(text)[0])).toThrow(ArgumentError);
  });
});

/** A message for threading: id, date (minutes), subject and ids. */
function m(id: number, date: number, subject: string, messageId?: string, references: string[] = []): ThreadMessage {
  const { base, replyOrForward } = baseSubject(subject);
  return { id, order: id, date: date * 60_000, subject: casemap(base), replyOrForward, messageId, references };
}

describe('THREAD', () => {
  it('normalises msg-ids so quoting does not matter', () => {
    expect(messageIds('<"01KF8JCEOCBS0045PS"@xxx.yyy.com> <01KF8JCEOCBS0045PS@xxx.yyy.com> <nohost> junk')).toEqual([
      '01KF8JCEOCBS0045PS@xxx.yyy.com',
      '01KF8JCEOCBS0045PS@xxx.yyy.com',
    ]);
  });

  it('ORDEREDSUBJECT: one flat thread per base subject, oldest first', async () => {
    const messages = [m(1, 5, 'b'), m(2, 1, 'a'), m(3, 2, 'Re: a'), m(4, 3, 'Re: a'), m(5, 6, 'Re: b'), m(6, 4, 'c')];
    expect(await threadResponse('ORDEREDSUBJECT', messages)).toBe('(2 (3)(4))(6)(1 5)');
  });

  it('REFERENCES: builds the reply tree, even from truncated references', async () => {
    const messages = [
      m(1, 1, 'plan', 'a@x'),
      m(2, 2, 'Re: plan', 'b@x', ['a@x']),
      m(3, 3, 'Re: plan', 'c@x', ['a@x', 'b@x']),
      m(4, 4, 'Re: plan', 'd@x', ['a@x']),
      // Its parent never arrived: a dummy holds it, and alone at the top the dummy goes.
      m(5, 5, 'other', 'e@x', ['missing@x']),
    ];
    expect(await threadResponse('REFERENCES', messages)).toBe('(1 (2 3)(4))(5)');
  });

  it('REFERENCES: breaks loops and joins threads that share a base subject', async () => {
    const loop = [m(1, 3, '', 'a@b'), m(2, 1, '', 'b@b', ['a@b', 'c@b']), m(3, 2, '', 'c@b', ['b@b'])];
    expect(await threadResponse('REFERENCES', loop)).toBe('(3 2)(1)');
    const bySubject = [m(1, 1, 'lunch', 'p@x'), m(2, 2, 'Re: lunch', 'q@x'), m(3, 3, 'lunch', 'r@x')];
    // The reply joins the first original; a second original with that subject makes a dummy parent of both.
    expect(await threadResponse('REFERENCES', bySubject)).toBe('((1 2)(3))');
    const siblings = [m(1, 1, 'x', undefined, ['gone@x']), m(2, 2, 'y', undefined, ['gone@x'])];
    expect(await threadResponse('REFERENCES', siblings)).toBe('((1)(2))');
  });

  it('lets the event loop serve others while it threads 200,000 messages', async () => {
    const many = Array.from({ length: 200_000 }, (_, i) => m(i + 1, i % 977, `${i % 2 ? 'Re: ' : ''}topic ${i % 5000}`, `${i}@x`, i % 3 ? [`${i - 1}@x`] : []));
    for (const algorithm of ['REFERENCES', 'ORDEREDSUBJECT'] as const) {
      let ticks = 0;
      const ticker = setInterval(() => ticks++, 1);
      const threads = await threadResponse(algorithm, many);
      clearInterval(ticker);
      expect(threads.match(/\d+/g)).toHaveLength(200_000);
      // Done in one go (as before) not a single tick would come between; in turns, hundreds do.
      expect(ticks).toBeGreaterThan(20);
    }
  }, 60_000);
});

describe('ESEARCH', () => {
  const read = (text: string) => readReturnOptions(args(text)).options;

  it('reads return options; RETURN () means ALL', () => {
    expect(read('RETURN () ALL')).toMatchObject({ all: true, min: false });
    expect(read('RETURN (min COUNT save) ALL')).toMatchObject({ min: true, count: true, save: true, all: false });
    expect(read('RETURN (PARTIAL 4:2) ALL')).toMatchObject({ partial: [2, 4], all: false });
    expect(read('ALL')).toBeUndefined();
  });

  it.each(['RETURN (PARTIAL 1) ALL', 'RETURN (PARTIAL 1:*) ALL', 'RETURN (PARTIAL 0:3) ALL', 'RETURN (ALL PARTIAL 1:2) ALL', 'RETURN (UPDATE UPDATE) ALL', 'RETURN (FOO) ALL', 'RETURN ALL'])(
    'refuses %s',
    (text) => {
      expect(() => read(text)).toThrow(ArgumentError);
    },
  );

  it('answers in order MIN MAX ALL PARTIAL COUNT, leaving out what an empty result lacks', () => {
    const all = { min: true, max: true, all: true, count: true, save: false, update: false };
    expect(esearchResponse('a1', true, all, [3, 4, 5, 9])).toBe('ESEARCH (TAG "a1") UID MIN 3 MAX 9 ALL 3:5,9 COUNT 4');
    expect(esearchResponse('a1', false, all, [])).toBe('ESEARCH (TAG "a1") COUNT 0');
    expect(esearchResponse('a1', false, { ...all, all: false, partial: [2, 3] }, [7])).toBe('ESEARCH (TAG "a1") MIN 7 MAX 7 PARTIAL (2:3 NIL) COUNT 1');
    expect(esearchResponse('a1', false, { ...all, min: false, max: false, all: false, count: false, save: true }, [1])).toBeUndefined();
  });

  it('keeps sorted order, with ascending runs as ranges', () => {
    expect(compactSet([5, 3, 4, 2, 1])).toBe('5,3:4,2,1');
  });

  it('saves only what MIN/MAX or PARTIAL returned unless COUNT asked for all', () => {
    const none = { min: false, max: false, all: false, count: false, save: true, update: false };
    expect(savedPart({ ...none, min: true, max: true }, [4, 6, 8])).toEqual([4, 8]);
    expect(savedPart({ ...none, partial: [2, 2] }, [4, 6, 8])).toEqual([6]);
    expect(savedPart({ ...none, partial: [2, 2], count: true }, [4, 6, 8])).toEqual([4, 6, 8]);
    expect(savedPart(none, [4, 6, 8])).toEqual([4, 6, 8]);
  });
});
