/**
 * "Did you mean": closestName stops working out an edit distance once it must exceed the best
 * found (grading/config/closestName.ts). It must still pick what the whole Levenshtein table picks.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { closestName } from '../../lab-server/src/grading/config/closestName.js';

/** The whole table, as the textbook writes it. */
function levenshtein(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) for (let j = 1; j <= b.length; j++) d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
  return d[a.length]![b.length]!;
}

/** The first known name at the least distance within `most`, as closestName documents it. */
function closestByTable(name: string, known: readonly string[], most: number): string | undefined {
  let best: string | undefined;
  let bestDistance = most + 1;
  for (const candidate of known) {
    const d = levenshtein(name, candidate);
    if (d < bestDistance) [best, bestDistance] = [candidate, d];
  }
  return best;
}

describe('closestName', () => {
  it('picks what the whole edit-distance table picks, for short and long names alike', () => {
    const word = fc.array(fc.constantFrom('a', 'b', 'c', '_', 's', 't', 'p', 'd'), { maxLength: 40 }).map((c) => c.join(''));
    fc.assert(
      fc.property(word, fc.array(word, { maxLength: 30 }), fc.integer({ min: 0, max: 4 }), (name, known, most) => {
        expect(closestName(name, known, most)).toBe(closestByTable(name, known, most));
      }),
      { numRuns: 3000, seed: 15 },
    );
  });

  it('finds typos of real Postfix names', () => {
    const known = ['smtpd_tls_security_level', 'smtpd_tls_auth_only', 'virtual_mailbox_maps', 'virtual_alias_maps', 'mydestination'];
    expect(closestName('smtpd_tls_securty_level', known)).toBe('smtpd_tls_security_level');
    expect(closestName('virtual_mailbox_map', known)).toBe('virtual_mailbox_maps');
    expect(closestName('mydestinations', known)).toBe('mydestination');
    expect(closestName('completely_unrelated_name', known)).toBeUndefined();
  });
});
