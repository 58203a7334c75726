/**
 * Quizzes: multiple choice (one or several right options) and fill-in answers compared after
 * normalisation (full-width characters, case, spaces, a trailing full stop do not matter).
 */
import { error, ok, text, type FeedbackLine, type Text } from '../feedback.js';

export interface ChoiceQuestion {
  id: string;
  type: 'choice';
  prompt: Text;
  options: Array<{ id: string; label: Text }>;
  /** The right option ids; more than one makes it a "choose all that apply" question. */
  correct: string[];
  /** Why: shown as the hint when the answer is wrong. */
  explain: Text;
}

export interface FillQuestion {
  id: string;
  type: 'fill';
  prompt: Text;
  /** Accepted answers, compared after normalise(). */
  accept: string[];
  explain: Text;
}

export type Question = ChoiceQuestion | FillQuestion;

export interface QuizParams {
  questions: Question[];
}

/** NFKC (full-width to ASCII), lower case, single spaces, no surrounding quotes or final full stop. */
export function normalise(answer: string): string {
  const stop = /[.。]+$/;
  const quotes = /^["'“‘「]+|["'”’」]+$/g;
  return answer.normalize('NFKC').trim().replace(stop, '').trim().replace(quotes, '').trim().replace(stop, '').replace(/\s+/g, ' ').toLowerCase();
}

export async function gradeQuiz(answer: Record<string, unknown>, p: QuizParams): Promise<FeedbackLine[]> {
  const lines: FeedbackLine[] = [];
  for (const q of p.questions) {
    const given = answer[q.id];
    const code = `quiz.${q.id}`;
    if (given === undefined || given === null || given === '' || (Array.isArray(given) && given.length === 0)) {
      lines.push(error(code, text(`Not answered: ${q.prompt.en}`, `未作答：${q.prompt['zh-CN']}`), text('Answer every question.', '请回答每一道题。')));
      continue;
    }
    let right: boolean;
    if (q.type === 'choice') {
      const picked = (Array.isArray(given) ? given : [given]).map(String);
      right = picked.length === q.correct.length && q.correct.every((c) => picked.includes(c));
    } else {
      right = typeof given === 'string' || typeof given === 'number' ? q.accept.map(normalise).includes(normalise(String(given))) : false;
    }
    if (right) lines.push(ok(code, `Right: ${q.prompt.en}`, `正确：${q.prompt['zh-CN']}`));
    else lines.push(error(code, text(`Not right: ${q.prompt.en}`, `不对：${q.prompt['zh-CN']}`), q.explain));
  }
  return lines;
}

/** The questions without their answers, for the exercise page. */
export function publicQuestions(p: QuizParams): Array<Omit<ChoiceQuestion, 'correct' | 'explain'> | Omit<FillQuestion, 'accept' | 'explain'>> {
  return p.questions.map((q) => (q.type === 'choice' ? { id: q.id, type: q.type, prompt: q.prompt, options: q.options, multiple: q.correct.length > 1 } : { id: q.id, type: q.type, prompt: q.prompt }));
}
