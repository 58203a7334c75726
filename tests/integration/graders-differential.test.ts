/**
 * The DNS graders judged differentially against the real tools: answers of the DNS exercises
 * mutated as a learner might write them (odd spacing, case, comments, TTL units, parentheses,
 * split strings, escapes, near misses; tests/realtools/zoneMutations.ts), each graded by the lab
 * and judged by BIND (named-compilezone), pyspf, dkimpy with OpenDKIM and the DMARC grammar. The
 * corpus here is small and seeded, so a run is repeatable; the big run is by hand
 * (`npx tsx tests/realtools/differential.ts 120 11`). Also the answers such runs found graded
 * otherwise than the tools judge them.
 */
import { describe, expect, it } from 'vitest';
import { differential, foundCases, judgeAgainstGrader } from '../realtools/differential.js';

describe('the DNS graders against the real tools, on mutated answers', () => {
  it('agree on a seeded corpus of mutated answers', { timeout: 300_000 }, async () => {
    const { judged, disagreements } = await differential(3, 20261205);
    expect(judged).toBeGreaterThan(150);
    expect(disagreements.map((d) => `${d.exercise} [${d.mutations.join('+')}]\n${d.answer}\n  grader: ${d.grader}\n  tools: ${d.tools}`)).toEqual([]);
  });

  // One test per family of tools, each with its own time: the corpus grows, and one test of it all
  // ran 243 s on two loaded cores. Each case is judged once; the verdicts serve both checks.
  const FAMILIES: Array<[string, (grader: string) => boolean]> = [
    ['DNS: BIND, pyspf, dkimpy', (g) => g.startsWith('dns-')],
    ['Dovecot', (g) => g.startsWith('dovecot-')],
    ['Postfix and OpenDKIM', (g) => !g.startsWith('dns-') && !g.startsWith('dovecot-')],
  ];
  for (const [family, inFamily] of FAMILIES) {
    it(`agree on the answers earlier runs found (${family}), and the tools judge them as expected`, { timeout: 300_000 }, async () => {
      const cases = (await foundCases()).filter((c) => inFamily(c.exercise.grader.name));
      expect(cases.length).toBeGreaterThan(5);
      const { judged, disagreements, verdicts } = await judgeAgainstGrader(cases);
      expect(judged).toBe(cases.length);
      expect(verdicts.map((v) => `${v.exercise.id} ${v.label}: ${v.reasons?.length === 0}`)).toEqual(cases.map((c) => `${c.exercise.id} ${c.label}: ${c.expectPass}`));
      expect(disagreements.map((d) => `${d.exercise} [${d.mutations.join('+')}]: grader ${d.grader}; tools ${d.tools}`)).toEqual([]);
    });
  }
});
