/**
 * GET /api/me: who the page belongs to (learner null when nobody is logged in), the mailbox logins of their sandbox (shown on the lab
 * page so mail clients can connect), and in classroom mode their class and assignments.
 */
import type { ExerciseCatalog } from '../grading/exercises.js';
import { sendJson, type Route } from '../http/server.js';
import type { ClassroomStore } from '../store/classroom.js';
import type { LearnerStore } from '../store/learners.js';
import type { LabMode } from '../world/access.js';
import type { Sandboxes } from '../world/sandboxes.js';
import type { SessionCookies } from '../http/cookies.js';
import { learnerOf } from './identity.js';

export interface MeDeps {
  mode: LabMode;
  learners: LearnerStore;
  sandboxes: Sandboxes;
  catalog: ExerciseCatalog;
  /** Present in classroom mode. */
  store?: ClassroomStore;
  defaultSandbox: string;
  cookies: SessionCookies;
  /** The host name and ports mail clients use for this lab (in a cluster: this node's). */
  mailServer?: () => { host: string; ports: Record<string, number> };
}

export function meRoute(deps: MeDeps): Route {
  return async (req, res) => {
    const learner = await learnerOf(req, deps.learners, deps.cookies);
    // Not logged in (classroom mode): an answer, not an error, so pages can offer the join form.
    if (deps.mode === 'classroom' && !learner) {
      return sendJson(res, 200, { mode: deps.mode, learner: null, mailboxes: [], assignments: [] });
    }
    const sandbox = await deps.sandboxes.get(learner?.sandboxId ?? deps.defaultSandbox);
    const mailboxes = sandbox.definition.users.map((u) => ({ address: u.address, password: u.password }));
    const klass = learner && deps.store ? await deps.store.classOfLearner(learner.id) : undefined;
    let assignments: unknown[] = [];
    if (klass && learner && deps.store) {
      const progress = new Map((await deps.learners.progress(learner.id)).map((p) => [p.exerciseId, p]));
      assignments = (await deps.store.assignments(klass.id)).map((a) => {
        const p = progress.get(a.exerciseId);
        const late = Boolean(a.dueAt && (p?.firstPassedAt ? p.firstPassedAt > a.dueAt : p && p.lastAttemptAt > a.dueAt));
        return { exerciseId: a.exerciseId, title: deps.catalog.get(a.exerciseId)?.title, dueAt: a.dueAt ?? null, passed: p?.passed ?? false, attempts: p?.attempts ?? 0, late };
      });
    }
    sendJson(res, 200, {
      mode: deps.mode,
      learner: learner ? { displayName: learner.displayName ?? null, anonymous: learner.anonymous } : { displayName: null, anonymous: true },
      ...(klass ? { class: { name: klass.name } } : {}),
      mailboxes,
      ...(deps.mailServer ? { mailServer: deps.mailServer() } : {}),
      assignments,
    });
  };
}
