/**
 * The graders agree with the real tools. Every reference solution, every right answer written
 * differently and every known-wrong answer of the DNS and configuration exercises is graded by
 * the lab AND judged by the tool a mail administrator would trust (named-compilezone, pyspf,
 * dkimpy, RFC 7489's grammar, postconf and a real Postfix smtpd, doveconf and a real Dovecot):
 * where the two disagree, or where the exercise file's claim disagrees with the tools, the
 * test fails and says what each one said.
 */
import { describe, expect, it } from 'vitest';
import { ExerciseCatalog } from '../../lab-server/src/grading/exercises.js';
import { grade } from '../../lab-server/src/grading/graders.js';
import { isDovecot24 } from '../realtools/judgeDovecot.js';
import { canJudge, judgeAll, type Case, type Judged } from '../realtools/judges.js';

const catalog = await ExerciseCatalog.load();
const judged = catalog.list.filter((e) => canJudge(e.grader.name));

function casesOf(): Case[] {
  return judged.flatMap((exercise) => [
    { exercise, label: 'solution', answer: exercise.solution, expectPass: true },
    ...exercise.right.map((r, i) => ({ exercise, label: `right[${i}]${r.note ? ` (${r.note})` : ''}`, answer: r.answer, expectPass: true })),
    ...exercise.wrong.map((w, i) => ({ exercise, label: `wrong[${i}]${w.note ? ` (${w.note})` : ''}`, answer: w.answer, expectPass: false })),
  ]);
}

describe('the graders and the real tools', () => {
  it('judge every DNS and configuration answer the same way', { timeout: 600_000 }, async () => {
    const cases = casesOf();
    const verdicts = await judgeAll(cases);
    const disagreements: string[] = [];
    const unjudged: Judged[] = [];
    for (const v of verdicts) {
      if (v.reasons === undefined) {
        unjudged.push(v);
        continue;
      }
      const graded = await grade(v.exercise.grader.name, v.exercise.grader.params, v.answer, {});
      const toolsPass = v.reasons.length === 0;
      if (graded.passed !== toolsPass || v.expectPass !== toolsPass) {
        const said = graded.feedback.filter((f) => f.level !== 'ok').map((f) => `${f.level}:${f.code}`).join(', ') || 'no problems';
        disagreements.push(`${v.exercise.id} ${v.label}: file says ${v.expectPass ? 'right' : 'wrong'}, grader ${graded.passed ? 'passes' : 'fails'} it (${said}), tools ${toolsPass ? 'accept it' : `refuse it: ${v.reasons.join('; ')}`}`);
      }
    }
    console.log(`real-tool self-test: ${verdicts.length - unjudged.length} answers of ${judged.length} exercises judged by the tools, ${disagreements.length} disagreements; ${unjudged.length} in Dovecot 2.4 syntax, which Debian's Dovecot 2.3 cannot read`);
    expect(disagreements).toEqual([]);
    expect(verdicts.length).toBe(cases.length);
    // Only answers no tool here can read go unjudged, and most answers are judged.
    for (const u of unjudged) expect(isDovecot24(u.answer as string), `${u.exercise.id} ${u.label}`).toBe(true);
    expect(unjudged.length).toBeLessThan(verdicts.length / 4);
  });
});
