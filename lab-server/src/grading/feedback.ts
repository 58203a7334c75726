/**
 * Feedback lines: what a grader tells the learner, one check per line, like a mail-server
 * status checker. Every line exists in zh-CN and en; lines that are not `ok` carry a hint that
 * says what to type instead. `code` is a stable name for the check, so exercise files can state
 * exactly which feedback a known-wrong answer must get.
 */

export interface Text {
  en: string;
  'zh-CN': string;
}

export type Level = 'ok' | 'warn' | 'error';

export interface FeedbackLine {
  level: Level;
  code: string;
  message: Text;
  hint?: Text;
}

export interface GradeResult {
  passed: boolean;
  /** 0-100: the share of checks that did not fail. */
  score: number;
  feedback: FeedbackLine[];
}

export function text(en: string, zh: string): Text {
  return { en, 'zh-CN': zh };
}

/** A count in English words: "1 learner", "2 learners". (Chinese has no plural: "${n} 名学生".) */
export function plural(n: number, one: string, other = `${one}s`): string {
  return `${n} ${n === 1 ? one : other}`;
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

export function hasErrors(feedback: readonly FeedbackLine[]): boolean {
  return feedback.some((f) => f.level === 'error');
}
