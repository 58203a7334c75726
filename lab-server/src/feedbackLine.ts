/**
 * Words for the learner in both languages, and one line of feedback made of them. A leaf
 * module: the world's replies and the store use these types, and both sit below the graders
 * (grading/feedback.ts builds and judges feedback with them).
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

export function text(en: string, zh: string): Text {
  return { en, 'zh-CN': zh };
}

/** A count in English words: "1 learner", "2 learners". (Chinese has no plural: "${n} 名学生".) */
export function plural(n: number, one: string, other = `${one}s`): string {
  return `${n} ${n === 1 ? one : other}`;
}
