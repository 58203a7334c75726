/**
 * A main.cf line gets one verdict. With a "# comment" after a value (part of the value in
 * main.cf), the virtual mailbox grader said ✗ for virtual_mailbox_maps (a word "#" Postfix
 * cannot open as a table) and ✓ for the table in it, side by side on the exercise page.
 */
import { describe, expect, it } from 'vitest';
import { ExerciseCatalog } from '../../lab-server/src/grading/exercises.js';
import { grade } from '../../lab-server/src/grading/graders.js';

const catalog = await ExerciseCatalog.load();
const mainCfExercises = catalog.list.filter((e) => e.editor === 'main.cf');

describe('a "# comment" after a value in each main.cf exercise', () => {
  it('covers the main.cf exercises', () => {
    expect(mainCfExercises.map((e) => e.id)).toContain('postfix-virtual');
  });
  for (const exercise of mainCfExercises) {
    it(`${exercise.id}: says so, and never ✓ of a parameter it says ✗ of`, async () => {
      const lines = String(exercise.solution).split('\n');
      for (const [i, line] of lines.entries()) {
        const name = /^([a-z0-9_]+)\s*=/.exec(line)?.[1];
        if (!name) continue;
        const answer = lines.map((l, j) => (j === i ? `${l} # note` : l)).join('\n');
        const { feedback } = await grade(exercise.grader.name, exercise.grader.params, answer, {});
        const about = (level: string) => feedback.filter((f) => f.level === level && f.message.en.startsWith(`${name} =`));
        // Said, at least as a warning (where Postfix still works: "#" and "note" as two more local domains).
        expect(feedback.some((f) => f.level !== 'ok'), `${name}: ${answer}`).toBe(true);
        if (about('error').length > 0) expect(about('ok').map((f) => f.message.en), `${name}: ${answer}`).toEqual([]);
      }
    });
  }
});
