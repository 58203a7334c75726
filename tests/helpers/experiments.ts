/**
 * The tests every graded "break it on purpose" experiment gets, whatever its steps: its
 * reference solution, really done, passes; each known-wrong answer, really done, fails with
 * exactly its stated feedback, every problem with a hint in both languages; and a fresh sandbox
 * earns nothing, whatever the answer claims. The caller says how to do one list of steps.
 */
import { describe, expect, it } from 'vitest';
import { grade } from '../../lab-server/src/grading/graders.js';
import type { TestLab } from './lab.js';
import { freshSandbox } from './protocolScript.js';

/** The warn and error lines of a grade, as "level:code", sorted. */
export const problems = (feedback: Array<{ level: string; code: string }>): string[] => feedback.filter((f) => f.level !== 'ok').map((f) => `${f.level}:${f.code}`).sort();

export function describeExperiments<Step>(ids: string[], labOf: () => TestLab, perform: (steps: Step[]) => Promise<void>): void {
  const gradeNow = async (id: string, answer: unknown = null) => {
    const lab = labOf();
    const e = lab.exercises.get(id)!;
    return grade(e.grader.name, e.grader.params, answer, { sandbox: await lab.sandboxes.get('default') });
  };

  describe.each(ids)('experiment %s', (id) => {
    it('passes when its reference solution is really done', async () => {
      const exercise = labOf().exercises.get(id)!;
      expect(exercise.kind).toBe('protocol');
      await perform((exercise.solution as { steps: Step[] }).steps);
      const r = await gradeNow(id);
      expect(problems(r.feedback), JSON.stringify(r.feedback)).toEqual([]);
      expect(r.passed).toBe(true);
    });

    it('fails every known-wrong answer with exactly its stated feedback, each with a hint in both languages', async () => {
      const exercise = labOf().exercises.get(id)!;
      for (const [i, wrong] of exercise.wrong.entries()) {
        await perform((wrong.answer as { steps: Step[] }).steps);
        const r = await gradeNow(id);
        expect(r.passed, `wrong[${i}]`).toBe(false);
        expect(problems(r.feedback), `wrong[${i}] ${JSON.stringify(r.feedback)}`).toEqual(problems(wrong.feedback));
        for (const f of r.feedback.filter((x) => x.level !== 'ok')) {
          expect(f.hint, `${f.code} needs a hint`).toBeDefined();
          expect(f.message['zh-CN']).toMatch(/[\u4e00-\u9fff]/);
          expect(f.hint!['zh-CN']).toMatch(/[\u4e00-\u9fff]/);
        }
      }
    });
  });

  describe('experiments read the world, not claims', () => {
    it('gives no credit in a fresh sandbox', async () => {
      await freshSandbox(labOf());
      for (const id of ids) expect((await gradeNow(id, { done: true })).passed, id).toBe(false);
    });
  });
}
