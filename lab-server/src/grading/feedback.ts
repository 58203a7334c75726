/**
 * Feedback lines: what a grader tells the learner, one check per line, like a mail-server
 * status checker. Every line exists in zh-CN and en; lines that are not `ok` carry a hint that
 * says what to type instead. `code` is a stable name for the check, so exercise files can state
 * exactly which feedback a known-wrong answer must get.
 */

import { text, type FeedbackLine, type Text } from '../feedbackLine.js';

export { plural, text, type FeedbackLine, type Level, type Text } from '../feedbackLine.js';

export interface GradeResult {
  passed: boolean;
  /** 0-100: the share of checks that did not fail. */
  score: number;
  feedback: FeedbackLine[];
}

export function ok(code: string, en: string, zh: string): FeedbackLine {
  return { level: 'ok', code, message: text(en, zh) };
}

export function warn(code: string, message: Text, hint?: Text): FeedbackLine {
  return hint ? { level: 'warn', code, message, hint } : { level: 'warn', code, message };
}

export function error(code: string, message: Text, hint?: Text): FeedbackLine {
  return hint ? { level: 'error', code, message, hint } : { level: 'error', code, message };
}

/** Passed when no line is an error (and there was something to check). */
export function result(feedback: FeedbackLine[]): GradeResult {
  const errors = feedback.filter((f) => f.level === 'error').length;
  const score = feedback.length === 0 ? 0 : Math.round((100 * (feedback.length - errors)) / feedback.length);
  return { passed: feedback.length > 0 && errors === 0, score, feedback };
}

/** Most lines one grading shows (and stores with the attempt); a learner fixes the first ones first. */
export const MAX_FEEDBACK_LINES = 40;
/** Longest text of one line: a message quotes the learner's words, which may be 60 KB of one token. */
const MAX_TEXT_CHARS = 2000;

function clip(t: Text): Text {
  const cut = (s: string): string => (s.length > MAX_TEXT_CHARS ? `${s.slice(0, MAX_TEXT_CHARS)}…` : s);
  return { en: cut(t.en), 'zh-CN': cut(t['zh-CN']) };
}

/**
 * Feedback of a bounded size, whatever the answer: 60 KB of ")" made 60 000 lines, 28 MB
 * sent back and stored with every attempt. The lines past the first ones are counted, not shown.
 */
export function boundFeedback(lines: FeedbackLine[]): FeedbackLine[] {
  const shown = lines.slice(0, MAX_FEEDBACK_LINES).map((l) => ({ ...l, message: clip(l.message), ...(l.hint ? { hint: clip(l.hint) } : {}) }));
  const rest = lines.length - shown.length;
  if (rest <= 0) return shown;
  const errors = lines.slice(MAX_FEEDBACK_LINES).filter((l) => l.level === 'error').length;
  const summary = text(`…and ${rest} more line${rest === 1 ? '' : 's'} (${errors} error${errors === 1 ? '' : 's'}) not shown.`, `……还有 ${rest} 行没有显示（其中 ${errors} 个错误）。`);
  shown.push(errors > 0 ? error('feedback.more', summary, text('Fix the problems above and check again: often one mistake causes many lines.', '先改正上面的问题再检查：一个错误常常引出很多行。')) : warn('feedback.more', summary));
  return shown;
}

export function hasErrors(feedback: readonly FeedbackLine[]): boolean {
  return feedback.some((f) => f.level === 'error');
}
