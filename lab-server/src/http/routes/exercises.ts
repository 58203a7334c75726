/**
 * The exercises API:
 *   GET  /api/exercises                   every exercise with this learner's status
 *   GET  /api/exercises/:id               one exercise (never its solution or known-wrong answers)
 *   POST /api/exercises/:id/opened        the learner opened the exercise (its page does this)
 *   POST /api/exercises/:id/attempts      {"answer": ...} -> {passed, score, feedback}
 *   GET  /api/exercises/:id/solution      the reference solution, once earned
 *   GET  /api/progress                    this learner's progress, by chapter
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { plural, text, type Text } from '../../grading/feedback.js';
import { publicExercise, type Exercise, type ExerciseCatalog } from '../../grading/exercises.js';
import { answerShapeProblem, grade } from '../../grading/graders.js';
import type { ExerciseProgress, LearnerStore } from '../../store/learners.js';
import { withoutDemoPassword } from '../../world/definition.js';
import { DEFAULT_SANDBOX, type Sandboxes } from '../../world/sandboxes.js';
import { BodyError, jsonShape, readJson } from '../body.js';
import { SIGN_IN_FIRST, type Requester } from '../learner.js';
import { sendJson, type Route } from '../server.js';

/** Learner × exercise opening times kept at most (about a megabyte). */
const MAX_OPENED = 10_000;

/** Failed attempts after which the reference solution may be shown. */
export const SOLUTION_AFTER_ATTEMPTS = 3;

export interface ExerciseRouteDeps {
  catalog: ExerciseCatalog;
  learners: LearnerStore;
  sandboxes: Sandboxes;
  /** Undefined when nobody is logged in (classroom mode): the request gets 401. */
  requester: (req: IncomingMessage) => Promise<Requester | undefined>;
  /** Seconds this learner (or visitor) must wait before another attempt is graded; 0 to go on now. */
  attemptWait?: (req: IncomingMessage, who: Requester) => Promise<number>;
  /** Told of every graded attempt (metrics). */
  onGraded?: (exerciseId: string, passed: boolean) => void;
}

function reply(res: ServerResponse, who: Requester, status: number, body: unknown): void {
  if (who.setCookie) res.setHeader('set-cookie', who.setCookie);
  sendJson(res, status, body);
}

const problem = (res: ServerResponse, who: Requester, status: number, message: Text): void => reply(res, who, status, { error: message });

function status(p: ExerciseProgress | undefined): 'passed' | 'attempted' | 'new' {
  return !p ? 'new' : p.passed ? 'passed' : 'attempted';
}

function progressView(p: ExerciseProgress | undefined): Record<string, unknown> {
  return {
    status: status(p),
    attempts: p?.attempts ?? 0,
    bestScore: p?.bestScore ?? 0,
    ...(p?.firstPassedAt ? { passedAt: p.firstPassedAt } : {}),
    solutionAvailable: !!p && (p.passed || p.attempts >= SOLUTION_AFTER_ATTEMPTS),
  };
}

/**
 * Every string inside a value, as shown in a sandbox: only the default (demo) world has the
 * password "secret"; a learner's sandbox has generated ones (see withoutDemoPassword). Decided
 * by id, so it needs no access to a sandbox another lab node may hold.
 */
function asShownIn<T>(sandboxId: string, value: T): T {
  if (sandboxId === DEFAULT_SANDBOX) return value;
  const walk = (v: unknown): unknown =>
    typeof v === 'string' ? withoutDemoPassword(v) : Array.isArray(v) ? v.map(walk) : v && typeof v === 'object' ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)])) : v;
  return walk(value) as T;
}

const tooFast = (seconds: number): Text =>
  text(
    `Answers are being checked faster than anyone works them out. Wait ${plural(seconds, 'second')}, read the feedback you have, then check again; your earlier attempts are kept.`,
    `检查答案太频繁了。请等待 ${seconds} 秒，先读一读已有的反馈，再检查一次；之前的尝试都已保存。`,
  );

const unknownExercise = (id: string): Text => text(`There is no exercise "${id}". GET /api/exercises lists them.`, `没有编号为 "${id}" 的练习。GET /api/exercises 会列出所有练习。`);

export function exerciseRoutes(deps: ExerciseRouteDeps): Record<string, Route> {
  /** Every exercise route needs a learner: without one (classroom mode, not logged in) it is 401. */
  const signedIn =
    (handler: (req: IncomingMessage, res: ServerResponse, who: Requester, params: Record<string, string>) => Promise<void> | void): Route =>
    async (req, res, _url, params) => {
      const who = await deps.requester(req);
      if (!who) {
        req.resume();
        return sendJson(res, 401, { error: SIGN_IN_FIRST });
      }
      return handler(req, res, who, params);
    };
  const lookup = (id: string | undefined): Exercise | undefined => (id ? deps.catalog.get(id) : undefined);
  // A visitor has recorded nothing yet.
  const progressOf = async (who: Requester): Promise<Map<string, ExerciseProgress>> => new Map(who.startLearner ? [] : (await deps.learners.progress(who.learnerId)).map((p) => [p.exerciseId, p]));
  // When each learner first opened each exercise: a protocol task counts terminal sessions from
  // then on (and those on its own page). Kept in this node's memory, bounded; after a restart
  // (or on another node of a cluster) only the exercise page's own terminals count until the
  // page is opened again.
  const opened = new Map<string, string>();
  const openedKey = (learnerId: string, exerciseId: string): string => `${learnerId}\0${exerciseId}`;

  return {
    'GET /api/exercises': signedIn(async (_req, res, who) => {
      const progress = await progressOf(who);
      reply(res, who, 200, {
        exercises: deps.catalog.list.map((e) => ({ id: e.id, chapter: e.chapter, kind: e.kind, title: e.title, ...progressView(progress.get(e.id)) })),
      });
    }),

    'GET /api/exercises/:id': signedIn(async (_req, res, who, params) => {
      const exercise = lookup(params.id);
      if (!exercise) return problem(res, who, 404, unknownExercise(params.id ?? ''));
      const shown = asShownIn(who.sandboxId, publicExercise(exercise));
      reply(res, who, 200, { exercise: shown, progress: progressView((await progressOf(who)).get(exercise.id)) });
    }),

    'GET /api/exercises/:id/solution': signedIn(async (_req, res, who, params) => {
      const exercise = lookup(params.id);
      if (!exercise) return problem(res, who, 404, unknownExercise(params.id ?? ''));
      const p = (await progressOf(who)).get(exercise.id);
      if (!p || (!p.passed && p.attempts < SOLUTION_AFTER_ATTEMPTS)) {
        const left = SOLUTION_AFTER_ATTEMPTS - (p?.attempts ?? 0);
        return problem(res, who, 403, text(`The solution opens after ${SOLUTION_AFTER_ATTEMPTS} attempts (${left} to go), or once you pass. Try the hints first.`, `尝试 ${SOLUTION_AFTER_ATTEMPTS} 次后（还差 ${left} 次）或通过后才能查看答案。先看看提示吧。`));
      }
      reply(res, who, 200, { solution: asShownIn(who.sandboxId, exercise.solution) });
    }),

    'POST /api/exercises/:id/opened': signedIn(async (req, res, visitor, params) => {
      req.resume();
      const exercise = lookup(params.id);
      if (!exercise) return problem(res, visitor, 404, unknownExercise(params.id ?? ''));
      // A visitor gets a learner cookie here, so the terminals they open next are theirs and
      // count; the learner is written to the database with their first attempt.
      const who = visitor.holdLearner ? visitor.holdLearner() : visitor;
      const key = openedKey(who.learnerId, exercise.id);
      if (!opened.has(key)) {
        if (opened.size >= MAX_OPENED) opened.delete(opened.keys().next().value!);
        opened.set(key, new Date().toISOString());
      }
      reply(res, who, 200, { openedAt: opened.get(key) });
    }),

    'POST /api/exercises/:id/attempts': signedIn(async (req, res, who, params) => {
      const exercise = lookup(params.id);
      if (!exercise) {
        req.resume();
        return problem(res, who, 404, unknownExercise(params.id ?? ''));
      }
      // Counted before the body is read, so a request that turns out broken (no JSON, no answer)
      // counts too: deciding otherwise needs the body read and parsed first, which a loop of
      // broken requests would then get without bound. The site never sends one (a learner using
      // it loses nothing), and no one typing requests by hand breaks 60 in a minute.
      const wait = (await deps.attemptWait?.(req, who)) ?? 0;
      if (wait > 0) {
        req.resume();
        res.setHeader('retry-after', String(wait));
        return problem(res, who, 429, tooFast(wait));
      }
      let body: unknown;
      try {
        body = await readJson(req, jsonShape('{"answer": ...}'));
      } catch (err) {
        if (err instanceof BodyError) return problem(res, who, err.status, err.body);
        throw err;
      }
      if (typeof body !== 'object' || body === null || Array.isArray(body) || (exercise.kind !== 'protocol' && !('answer' in body))) {
        return problem(res, who, 400, text('Send a JSON object with your answer: {"answer": ...}.', '请发送包含答案的 JSON 对象：{"answer": ...}。'));
      }
      const answer = (body as { answer?: unknown }).answer;
      const shape = answerShapeProblem(exercise.grader.name, answer);
      if (shape) return problem(res, who, 400, shape);
      const sandbox = exercise.kind === 'protocol' ? await deps.sandboxes.get(who.sandboxId) : undefined;
      const openedAt = opened.get(openedKey(who.learnerId, exercise.id));
      const scope = { exerciseId: exercise.id, learnerId: who.learnerId, ...(openedAt ? { openedAt } : {}) };
      const graded = await grade(exercise.grader.name, exercise.grader.params, answer, sandbox ? { sandbox, scope } : {});
      graded.feedback = asShownIn(who.sandboxId, graded.feedback);
      deps.onGraded?.(exercise.id, graded.passed);
      // A visitor becomes a learner with the first attempt worth recording.
      const learner = who.startLearner ? await who.startLearner() : who;
      const attempt = await deps.learners.recordAttempt({ learnerId: learner.learnerId, exerciseId: exercise.id, answer: answer ?? null, passed: graded.passed, score: graded.score, feedback: graded.feedback });
      reply(res, learner, 200, { ...graded, attempt: { id: attempt.id, at: attempt.createdAt }, progress: progressView((await progressOf(learner)).get(exercise.id)) });
    }),

    'GET /api/progress': signedIn(async (_req, res, who) => {
      const learner = who.startLearner ? undefined : await deps.learners.get(who.learnerId);
      const progress = await progressOf(who);
      const chapters = [...new Set(deps.catalog.list.map((e) => e.chapter))].map((chapter) => {
        const ids = deps.catalog.list.filter((e) => e.chapter === chapter).map((e) => e.id);
        return { chapter, total: ids.length, passed: ids.filter((id) => progress.get(id)?.passed).length };
      });
      reply(res, who, 200, {
        // A visitor (nothing recorded yet) has no id.
        learner: { id: learner?.id ?? null, sandboxId: who.sandboxId, anonymous: learner?.anonymous ?? true },
        summary: { total: deps.catalog.list.length, passed: deps.catalog.list.filter((e) => progress.get(e.id)?.passed).length },
        chapters,
        exercises: deps.catalog.list.map((e) => ({ id: e.id, chapter: e.chapter, ...progressView(progress.get(e.id)) })),
      });
    }),
  };
}
