/** Sequence sets: "*", ranges in either order, and refusal of what is not a set. */
import { describe, expect, it } from 'vitest';
import { compactSet, InvalidSequenceSet, SequenceSet } from '../../lab-server/src/imap/sequenceSet.js';

const members = (text: string, max: number, star = max): number[] => {
  const set = SequenceSet.parse(text);
  return Array.from({ length: max }, (_, i) => i + 1).filter((n) => set.has(n, star));
};

describe('SequenceSet', () => {
  it('reads numbers, ranges and lists', () => {
    expect(members('1,3:5,8', 10)).toEqual([1, 3, 4, 5, 8]);
  });

  it('treats reversed ranges like forward ones', () => {
    expect(members('5:3', 10)).toEqual([3, 4, 5]);
  });

  it('resolves * to the last message, also in n:* when n is past the end', () => {
    expect(members('*', 4)).toEqual([4]);
    expect(members('2:*', 4)).toEqual([2, 3, 4]);
    expect(members('7:*', 4)).toEqual([4]);
    expect(members('*:2', 4)).toEqual([2, 3, 4]);
  });

  it('knows the highest explicit number (to check against EXISTS) without expanding', () => {
    expect(SequenceSet.parse('1:4294967295').highestNumber).toBe(4294967295);
    // One number alone (a client opening a message) is read by a shortcut: the same set.
    expect(SequenceSet.parse('4294967295').highestNumber).toBe(4294967295);
    expect(SequenceSet.parse('42').resolve(100)).toEqual([[42, 42]]);
    // A set with "*" follows the mailbox: resolved again when the last message is another.
    const open = SequenceSet.parse('3:*');
    expect(open.resolve(4)).toEqual([[3, 4]]);
    expect(open.resolve(2)).toEqual([[2, 3]]);
    expect(SequenceSet.parse('42').has(41, 100)).toBe(false);
    expect(SequenceSet.parse('2,*').highestNumber).toBe(2);
    // n:* is valid whatever n is: it always includes the last message.
    expect(SequenceSet.parse('7:*').highestNumber).toBe(0);
  });

  it.each(['', '0', '1:0', 'a', '1,,2', '1:2:3', ':5', '4294967296', '-1', '1.5'])('refuses %j', (text) => {
    expect(() => SequenceSet.parse(text)).toThrow(InvalidSequenceSet);
  });

  it('merges overlapping and repeated ranges, so 10,000 copies of 1:* cost one range', () => {
    const set = SequenceSet.parse(Array(10_000).fill('1:*').join(','));
    expect(set.resolve(5000)).toEqual([[1, 5000]]);
    expect(SequenceSet.parse('9,1:3,2:5,7').resolve(10)).toEqual([[1, 5], [7, 7], [9, 9]]);
    // Membership is a search over that one range (speed is for npm run bench, not a timed test).
    expect(Array.from({ length: 5000 }, (_, i) => set.has(i + 1, 5000)).every(Boolean)).toBe(true);
    expect(set.has(5001, 5000)).toBe(false);
  });

  it('writes ascending numbers compactly for COPYUID', () => {
    expect(compactSet([1, 2, 3, 5, 7, 8])).toBe('1:3,5,7:8');
    expect(compactSet([42])).toBe('42');
  });
});
