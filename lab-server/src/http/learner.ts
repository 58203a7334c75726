/**
 * Who is asking in single-learner mode: the learner cookie (httpOnly) holds a random token; the
 * store keeps only its hash. A browser without a valid cookie is a visitor: it reads (every
 * exercise "new", no progress) and becomes a learner, in the 'default' sandbox, only with its
 * first graded attempt, so requests that only read never create anything. The HTTP API and the
 * terminal bridge both ask here, so a learner's terminals and grades belong to the same sandbox.
 */
import type { IncomingMessage } from 'node:http';
import { text } from '../feedbackLine.js';
import type { LearnerStore } from '../store/learners.js';
import { ANONYMOUS, type Requester } from '../world/requester.js';
import type { SessionCookies } from './cookies.js';

export type { Requester };

/** What a request without a learner is told in classroom mode (in single-learner mode every request has one). */
export const SIGN_IN_FIRST = text('Log in or join your class first (on the /join/ page).', '请先登录或加入班级（在 /join/ 页面）。');

/**
 * Returns the function that identifies a request's learner; without a valid cookie it is a
 * visitor, whose startLearner() makes an anonymous learner in `defaultSandbox`.
 */
export function learnerResolver(learners: LearnerStore, defaultSandbox: string, cookies: SessionCookies): (req: IncomingMessage) => Promise<Requester> {
  return async (req) => {
    const token = cookies.learnerToken(req);
    const known = token ? await learners.byToken(token) : undefined;
    if (known) return { learnerId: known.id, sandboxId: known.sandboxId };
    return {
      learnerId: ANONYMOUS,
      sandboxId: defaultSandbox,
      startLearner: async () => {
        const created = await learners.create({ sandboxId: defaultSandbox, anonymous: true });
        return { learnerId: created.learner.id, sandboxId: created.learner.sandboxId, setCookie: cookies.learner(created.token) };
      },
    };
  };
}

/**
 * For the terminal bridge, which cannot set a cookie on a WebSocket upgrade: the cookie's
 * learner if there is one, otherwise the default sandbox without starting a new learner.
 */
export function terminalRequester(learners: LearnerStore, defaultSandbox: string, cookies: SessionCookies): (req: IncomingMessage) => Promise<Requester> {
  return async (req) => {
    const token = cookies.learnerToken(req);
    const known = token ? await learners.byToken(token) : undefined;
    return known ? { learnerId: known.id, sandboxId: known.sandboxId } : { learnerId: ANONYMOUS, sandboxId: defaultSandbox };
  };
}
