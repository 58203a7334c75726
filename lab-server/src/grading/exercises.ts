/**
 * Exercises: one JSON file each in exercises/, loaded and checked at start-up. A file holds the
 * prompt in both languages, the grader and its parameters, a reference solution, other right
 * answers written differently, and known-wrong answers with the feedback each must get (the test
 * suite grades them all, and runs them through the real tools too). Multi-line text may be
 * written as an array of lines.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Level, Text } from './feedback.js';
import { GRADERS } from './graders.js';
import { publicQuestions, type QuizParams } from './quiz/quiz.js';
import type { ServiceId } from '../services.js';

export type ExerciseKind = 'dns' | 'config' | 'protocol' | 'quiz';

/** How the answer editor colours the text; 'files' is several files, each under a "==> path <==" line. */
export type EditorMode = 'zone' | 'main.cf' | 'master.cf' | 'dovecot.conf' | 'files';
const EDITOR_MODES: EditorMode[] = ['zone', 'main.cf', 'master.cf', 'dovecot.conf', 'files'];

/** A protocol exercise's solution: what to type, session by session. */
export interface ProtocolScript {
  sessions: Array<{ service: ServiceId; lines: string[] }>;
}

export interface KnownWrong {
  answer: unknown;
  /** Every warn and error line the answer must get, and no others. */
  feedback: Array<{ level: Exclude<Level, 'ok'>; code: string }>;
  /** Why this answer is a typical mistake (for authors). */
  note?: string;
}

/** Another right answer, written differently from the reference solution. */
export interface KnownRight {
  answer: unknown;
  /** The warnings it must get, and no others (none when absent). */
  feedback?: Array<{ level: 'warn'; code: string }>;
  note?: string;
}

export interface Exercise {
  id: string;
  chapter: number;
  kind: ExerciseKind;
  title: Text;
  prompt: Text;
  /** Editor mode for text answers. */
  editor?: EditorMode;
  starter?: string;
  /** Material the exercise hands the learner (records, a key, a config excerpt). */
  given?: { label: Text; text: string };
  hints: Text[];
  grader: { name: string; params: Record<string, unknown> };
  solution: unknown;
  right: KnownRight[];
  wrong: KnownWrong[];
}

export const DEFAULT_EXERCISES_DIR = fileURLToPath(new URL('../../../exercises/', import.meta.url));

const joinLines = (v: unknown): unknown => (Array.isArray(v) && v.every((x) => typeof x === 'string') ? v.join('\n') : v);
const joinText = (t: unknown): Text => {
  const o = t as Record<string, unknown>;
  return { en: joinLines(o.en) as string, 'zh-CN': joinLines(o['zh-CN']) as string };
};

function isText(t: unknown): boolean {
  const o = t as Record<string, unknown> | null;
  return !!o && typeof joinLines(o.en) === 'string' && typeof joinLines(o['zh-CN']) === 'string' && (joinLines(o.en) as string).length > 0 && (joinLines(o['zh-CN']) as string).length > 0;
}

/** Reads and checks one exercise file. Throws with the file name and what is wrong. */
export function readExercise(raw: unknown, file: string): Exercise {
  const fail = (why: string): never => {
    throw new Error(`exercises/${file}: ${why}`);
  };
  const o = raw as Record<string, unknown>;
  if (!o || typeof o !== 'object') fail('not a JSON object');
  if (typeof o.id !== 'string' || !/^[a-z0-9-]+$/.test(o.id)) fail('id must be lower-case letters, digits and "-"');
  if (`${o.id as string}.json` !== file) fail(`the file must be named ${o.id as string}.json`);
  if (typeof o.chapter !== 'number' || !Number.isInteger(o.chapter) || o.chapter < 1 || o.chapter > 7) fail('chapter must be 1-7');
  if (!['dns', 'config', 'protocol', 'quiz'].includes(o.kind as string)) fail('kind must be dns, config, protocol or quiz');
  for (const k of ['title', 'prompt']) if (!isText(o[k])) fail(`${k} needs en and zh-CN`);
  if (!Array.isArray(o.hints) || !o.hints.every(isText)) fail('hints must be a list of {en, zh-CN}');
  const grader = o.grader as Exercise['grader'];
  if (!grader || typeof grader.name !== 'string' || !GRADERS[grader.name]) fail(`unknown grader ${grader?.name}`);
  if (GRADERS[grader.name]!.kind !== o.kind) fail(`grader ${grader.name} is for ${GRADERS[grader.name]!.kind} exercises`);
  if (o.solution === undefined) fail('a reference solution is required');
  if (!Array.isArray(o.wrong) || o.wrong.length === 0) fail('at least one known-wrong answer is required');
  if (o.right !== undefined && !Array.isArray(o.right)) fail('right must be a list of {answer, feedback?, note?}');
  const textAnswers = o.kind === 'dns' || o.kind === 'config';
  const exercise: Exercise = {
    id: o.id as string,
    chapter: o.chapter as number,
    kind: o.kind as ExerciseKind,
    title: joinText(o.title),
    prompt: joinText(o.prompt),
    hints: (o.hints as unknown[]).map(joinText),
    grader: { name: grader.name, params: deepJoin(grader.params ?? {}) as Record<string, unknown> },
    solution: textAnswers ? joinLines(o.solution) : o.solution,
    right: ((o.right ?? []) as KnownRight[]).map((r, i) => {
      if (!r || typeof r !== 'object' || r.answer === undefined) fail(`right[${i}] needs an answer`);
      if (r.feedback !== undefined && !(Array.isArray(r.feedback) && r.feedback.every((f) => f.level === 'warn' && typeof f.code === 'string'))) {
        fail(`right[${i}] feedback may only list warnings: {level: warn, code}`);
      }
      return { ...r, answer: textAnswers ? joinLines(r.answer) : r.answer };
    }),
    wrong: (o.wrong as KnownWrong[]).map((w, i) => {
      if (!Array.isArray(w.feedback) || w.feedback.length === 0 || !w.feedback.every((f) => (f.level === 'warn' || f.level === 'error') && typeof f.code === 'string')) {
        fail(`wrong[${i}] needs feedback: a list of {level: warn|error, code}`);
      }
      if (!w.feedback.some((f) => f.level === 'error')) fail(`wrong[${i}] must fail: list at least one error`);
      return { ...w, answer: textAnswers ? joinLines(w.answer) : w.answer };
    }),
  };
  if (o.editor !== undefined) {
    if (!EDITOR_MODES.includes(o.editor as EditorMode)) fail(`editor must be one of ${EDITOR_MODES.join(', ')}`);
    exercise.editor = o.editor as EditorMode;
  }
  if (o.starter !== undefined) exercise.starter = joinLines(o.starter) as string;
  if (o.given !== undefined) {
    const g = o.given as { label: unknown; text: unknown };
    if (!isText(g.label) || typeof joinLines(g.text) !== 'string') fail('given needs label {en, zh-CN} and text');
    exercise.given = { label: joinText(g.label), text: joinLines(g.text) as string };
  }
  return exercise;
}

/** Grader parameters that hold multi-line text (zone excerpts, keys, config) may be arrays of lines. */
const MULTILINE_KEYS = new Set(['given', 'givenDovecot', 'masterCf', 'privateKey', 'zone']);

function deepJoin(v: unknown, key = ''): unknown {
  if (Array.isArray(v)) return MULTILINE_KEYS.has(key) ? joinLines(v) : v.map((x) => deepJoin(x));
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, deepJoin(x, k)]));
  return v;
}

export class ExerciseCatalog {
  private constructor(readonly list: Exercise[]) {}

  static async load(dir = DEFAULT_EXERCISES_DIR): Promise<ExerciseCatalog> {
    const files = (await readdir(dir)).filter((f) => f.endsWith('.json')).sort();
    const list: Exercise[] = [];
    for (const file of files) {
      let raw: unknown;
      try {
        raw = JSON.parse(await readFile(join(dir, file), 'utf8'));
      } catch (err) {
        throw new Error(`exercises/${file}: invalid JSON (${(err as Error).message})`);
      }
      list.push(readExercise(raw, file));
    }
    list.sort((a, b) => a.chapter - b.chapter || files.indexOf(`${a.id}.json`) - files.indexOf(`${b.id}.json`));
    return new ExerciseCatalog(list);
  }

  get(id: string): Exercise | undefined {
    return this.list.find((e) => e.id === id);
  }
}

/** What a learner may see: never the solution, the known-wrong answers or the grader's parameters. */
export function publicExercise(e: Exercise): Record<string, unknown> {
  const view: Record<string, unknown> = {
    id: e.id,
    chapter: e.chapter,
    kind: e.kind,
    title: e.title,
    prompt: e.prompt,
    hints: e.hints,
  };
  if (e.editor) view.editor = e.editor;
  if (e.starter !== undefined) view.starter = e.starter;
  if (e.given) view.given = e.given;
  if (e.kind === 'quiz') view.questions = publicQuestions(e.grader.params as unknown as QuizParams);
  return view;
}
