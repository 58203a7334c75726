/// <reference types="vite/client" />
/**
 * The exercises as the pages see them, read at build time from exercises/*.json (the same
 * files the lab server grades with). What reaches a page is what GET /api/exercises/:id
 * shows: never the reference solution, the known-wrong answers or the grader's parameters.
 */
import type { Text } from '../../lab-server/src/grading/feedback.ts';
import { publicQuestions, type QuizParams } from '../../lab-server/src/grading/quiz/quiz.ts';
import { SERVICES, type ServiceId } from '../../lab-server/src/services.ts';
import { localePath, type Lang } from '../i18n/ui';
import { sessionServices } from './solutionSteps';

export type { Text };

export type ExerciseKind = 'dns' | 'config' | 'protocol' | 'quiz';
export type { EditorMode } from '../../lab-server/src/grading/exercises.ts';
import type { EditorMode } from '../../lab-server/src/grading/exercises.ts';

export type PublicQuestion =
  | { id: string; type: 'choice'; prompt: Text; options: Array<{ id: string; label: Text }>; multiple: boolean }
  | { id: string; type: 'fill'; prompt: Text };

export interface ExerciseView {
  id: string;
  chapter: number;
  kind: ExerciseKind;
  title: Text;
  prompt: Text;
  editor?: EditorMode;
  starter?: string;
  given?: { label: Text; text: string };
  hints: Text[];
  /** Quizzes: the questions without their answers. */
  questions?: PublicQuestion[];
  /** Protocol tasks: the services whose terminals the task needs, in the order used. */
  services?: ServiceId[];
}

interface RawExercise {
  id: string;
  chapter: number;
  kind: ExerciseKind;
  title: unknown;
  prompt: unknown;
  editor?: EditorMode;
  starter?: unknown;
  given?: { label: unknown; text: unknown };
  hints: unknown[];
  grader: { name: string; params: Record<string, unknown> };
  solution: unknown;
}

/**
 * Failed attempts after which the API hands out the solution (the server's
 * SOLUTION_AFTER_ATTEMPTS; a unit test keeps the two equal). The page only words the wait;
 * the API decides.
 */
export const SOLUTION_AFTER_ATTEMPTS = 3;

const lines = (v: unknown): string => (Array.isArray(v) ? v.join('\n') : String(v));
const text = (v: unknown): Text => {
  const o = v as Record<string, unknown>;
  return { en: lines(o.en), 'zh-CN': lines(o['zh-CN']) };
};

/** The services a protocol task is done on: its reference sessions' (and its grader's) services. */
function servicesOf(raw: RawExercise): ServiceId[] {
  const known = new Set<string>(SERVICES.map((s) => s.id));
  const named = [...sessionServices(raw.solution), String(raw.grader.params.service ?? '')];
  return [...new Set(named.filter((s) => known.has(s)))] as ServiceId[];
}

/** One exercise file, reduced to what a learner may see. */
export function exerciseView(raw: RawExercise): ExerciseView {
  const view: ExerciseView = {
    id: raw.id,
    chapter: raw.chapter,
    kind: raw.kind,
    title: text(raw.title),
    prompt: text(raw.prompt),
    hints: raw.hints.map(text),
  };
  if (raw.editor) view.editor = raw.editor;
  if (raw.starter !== undefined) view.starter = lines(raw.starter);
  if (raw.given) view.given = { label: text(raw.given.label), text: lines(raw.given.text) };
  if (raw.kind === 'quiz') view.questions = publicQuestions(raw.grader.params as unknown as QuizParams) as PublicQuestion[];
  if (raw.kind === 'protocol') view.services = servicesOf(raw);
  return view;
}

const files = import.meta.glob<RawExercise>('../../exercises/*.json', { eager: true, import: 'default' });

/** Every exercise, by chapter and then by file name (the order the lab server lists them in). */
export const EXERCISES: readonly ExerciseView[] = Object.keys(files)
  .sort()
  .map((path) => exerciseView(files[path]!))
  .sort((a, b) => a.chapter - b.chapter);

/** The chapters that have exercises, each with its exercises in order. */
export function exercisesByChapter(): Array<{ chapter: number; exercises: ExerciseView[] }> {
  const chapters = [...new Set(EXERCISES.map((e) => e.chapter))];
  return chapters.map((chapter) => ({ chapter, exercises: EXERCISES.filter((e) => e.chapter === chapter) }));
}

/** The path of an exercise page without the language prefix. */
export function exercisePath(id: string): string {
  return `/exercises/${id}/`;
}

export function exerciseUrl(lang: Lang, id: string): string {
  return localePath(lang, exercisePath(id));
}

/** A protocol task's services with their standard ports, for the "Open terminal" buttons. */
export function terminalServices(e: ExerciseView): Array<{ id: ServiceId; standardPort: number }> {
  return (e.services ?? []).map((id) => ({ id, standardPort: SERVICES.find((s) => s.id === id)!.standardPort }));
}

export function exerciseListUrl(lang: Lang): string {
  return localePath(lang, '/exercises/');
}
