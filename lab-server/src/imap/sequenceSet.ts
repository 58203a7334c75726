/**
 * Sequence sets (RFC 3501 §9 "sequence-set"): "1", "2:4", "7:*", "*", "4:2" (reversed ranges
 * count too), joined by commas, or "$" for a saved search result (RFC 5182). Kept as ranges and never expanded, so "1:4294967295" costs
 * nothing; "*" is resolved against the mailbox at the moment of use.
 */

/** Largest number a sequence set may name (nz-number is a 32-bit value). */
export const MAX_NUMBER = 0xffffffff;
/** Ranges per set: plenty for real clients, bounded for everyone else. */
const MAX_RANGES = 10_000;

/** A range bound: a number, or Infinity for "*". */
export interface SeqRange {
  from: number;
  to: number;
}

export class InvalidSequenceSet extends Error {}

export class SequenceSet {
  private merged: { star: number; ranges: Array<[number, number]> } | undefined;

  private constructor(
    readonly text: string,
    private readonly ranges: SeqRange[],
  ) {}

  /** Parses the wire form; throws InvalidSequenceSet with a reason a learner can act on. */
  static parse(text: string): SequenceSet {
    if (text === '') throw new InvalidSequenceSet('the message set is empty');
    if (text === '$') return new SequenceSet(text, []);
    // One number, as a client opening a message sends it: nothing to split.
    if (ONE_NUMBER.test(text) && Number(text) <= MAX_NUMBER) return new SequenceSet(text, [{ from: Number(text), to: Number(text) }]);
    const parts = text.split(',');
    if (parts.length > MAX_RANGES) throw new InvalidSequenceSet(`more than ${MAX_RANGES} ranges`);
    const ranges = parts.map((part) => {
      const bounds = part.split(':');
      if (bounds.length > 2 || bounds.some((b) => b === '')) {
        throw new InvalidSequenceSet(`"${part}" is not a number, a range like 2:4, or *`);
      }
      const [a, b = a] = bounds.map(bound);
      return { from: Math.min(a!, b!), to: Math.max(a!, b!) };
    });
    return new SequenceSet(text, ranges);
  }

  /** Ascending numbers as a set (a saved search result, the UIDs a command found). */
  static of(numbers: readonly number[]): SequenceSet {
    return new SequenceSet(compactSet(numbers), numbers.map((n) => ({ from: n, to: n })));
  }

  /**
   * "$" (RFC 5182 SEARCHRES): the result the last SEARCH RETURN (SAVE) kept. The selected
   * mailbox stands in its UIDs when the set is used.
   */
  get isSaved(): boolean {
    return this.text === '$';
  }

  /**
   * The largest number in a range without "*", to check against EXISTS. A range with "*" is
   * always valid: "7:*" in a 4-message mailbox means 4:7, that is message 4 (RFC 3501 §9).
   */
  get highestNumber(): number {
    let max = 0;
    for (const r of this.ranges) if (r.to !== Infinity && r.to > max) max = r.to;
    return max;
  }

  /**
   * The ranges with "*" replaced by `star`, each as [low, high], sorted and merged so that
   * overlapping ranges ("1:*,1:*,...") cost nothing extra.
   */
  resolve(star: number): Array<[number, number]> {
    if (this.merged?.star === star) return this.merged.ranges;
    // One range ("17", "1:*"), as most commands send: nothing to sort or merge.
    if (this.ranges.length === 1) {
      const { from, to } = this.ranges[0]!;
      const low = from === Infinity ? star : from;
      const high = to === Infinity ? star : to;
      const ranges: Array<[number, number]> = [[Math.min(low, high), Math.max(low, high)]];
      this.merged = { star, ranges };
      return ranges;
    }
    const spans = this.ranges
      .map((r): [number, number] => {
        const from = r.from === Infinity ? star : r.from;
        const to = r.to === Infinity ? star : r.to;
        return [Math.min(from, to), Math.max(from, to)];
      })
      .sort((a, b) => a[0] - b[0]);
    const ranges: Array<[number, number]> = [];
    for (const span of spans) {
      const last = ranges[ranges.length - 1];
      if (last && span[0] <= last[1] + 1) last[1] = Math.max(last[1], span[1]);
      else ranges.push([span[0], span[1]]);
    }
    this.merged = { star, ranges };
    return ranges;
  }

  /** True if n is in the set, where "*" stands for `star` (the last number in the mailbox). */
  has(n: number, star: number): boolean {
    const ranges = this.resolve(star);
    let lo = 0;
    let hi = ranges.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const [low, high] = ranges[mid]!;
      if (n < low) hi = mid - 1;
      else if (n > high) lo = mid + 1;
      else return true;
    }
    return false;
  }
}

const ONE_NUMBER = /^[1-9]\d{0,9}$/;

function bound(text: string): number {
  if (text === '*') return Infinity;
  if (!ONE_NUMBER.test(text)) {
    throw new InvalidSequenceSet(text === '0' || /^0+$/.test(text) ? 'message numbers start at 1, not 0' : `"${text}" is not a message number`);
  }
  const n = Number(text);
  if (n > MAX_NUMBER) throw new InvalidSequenceSet(`${text} is larger than the largest message number (${MAX_NUMBER})`);
  return n;
}

/**
 * Writes numbers compactly in the order given, ascending runs as ranges: [1,2,3,5] -> "1:3,5"
 * (COPYUID, APPENDUID, ESEARCH); a sorted result keeps its order: [5,3,4] -> "5,3:4".
 */
export function compactSet(numbers: readonly number[]): string {
  const parts: string[] = [];
  for (let i = 0; i < numbers.length; ) {
    let j = i;
    while (j + 1 < numbers.length && numbers[j + 1] === numbers[j]! + 1) j++;
    parts.push(j === i ? String(numbers[i]) : `${numbers[i]}:${numbers[j]}`);
    i = j + 1;
  }
  return parts.join(',');
}

/** The first index of a sorted list whose number is at least `value` (its length if none is). */
export function lowerBound(sorted: readonly number[], value: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid]! < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
