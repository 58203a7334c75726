/**
 * The exercise pages' calls to the lab's exercises API (same origin, so the learner cookie
 * goes along). A refused call throws ExerciseApiError with the server's bilingual message;
 * status 401 means classroom mode and nobody logged in.
 */
import type { Lang } from '../i18n/ui';
import type { FeedbackLine, Level, Text } from '../../lab-server/src/grading/feedback.ts';

export type { FeedbackLine, Level };

export interface Progress {
  status: 'passed' | 'attempted' | 'new';
  attempts: number;
  bestScore: number;
  passedAt?: string;
  solutionAvailable: boolean;
}

export interface Graded {
  passed: boolean;
  score: number;
  feedback: FeedbackLine[];
  progress: Progress;
}

export interface ListedExercise extends Progress {
  id: string;
  chapter: number;
}

export class ExerciseApiError extends Error {
  constructor(
    readonly status: number,
    readonly messages: Text | undefined,
  ) {
    super(messages?.en ?? `HTTP ${status}`);
  }

  text(lang: Lang): string {
    return this.messages?.[lang] ?? this.message;
  }

  /** Classroom mode, nobody logged in. */
  get needsLogin(): boolean {
    return this.status === 401;
  }
}

async function call<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
  let response: Response;
  try {
    response = await fetch(path, {
      method,
      headers: body === undefined ? { accept: 'application/json' } : { accept: 'application/json', 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new ExerciseApiError(0, undefined);
  }
  const data = (await response.json().catch(() => ({}))) as { error?: Text };
  if (!response.ok) throw new ExerciseApiError(response.status, data.error);
  return data as T;
}

const base = (id: string): string => `/api/exercises/${encodeURIComponent(id)}`;

export async function fetchProgress(id: string): Promise<Progress> {
  return (await call<{ progress: Progress }>('GET', base(id))).progress;
}

/** Tells the lab the learner opened a protocol task: terminal sessions from now on count for it. */
export async function markOpened(id: string): Promise<void> {
  await call('POST', `${base(id)}/opened`, {});
}

export async function listExercises(): Promise<ListedExercise[]> {
  return (await call<{ exercises: ListedExercise[] }>('GET', '/api/exercises')).exercises;
}

/** Grades an answer: text for dns and config, an object for quizzes, nothing for protocol tasks. */
export function submitAttempt(id: string, answer: unknown): Promise<Graded> {
  return call<Graded>('POST', `${base(id)}/attempts`, answer === undefined ? {} : { answer });
}

export async function fetchSolution(id: string): Promise<unknown> {
  return (await call<{ solution: unknown }>('GET', `${base(id)}/solution`)).solution;
}
