/**
 * Who is asking: the learner cookie (httpOnly, SameSite=Lax) holds a random token; the store
 * keeps only its hash. A request without a valid cookie starts an anonymous learner, who in
 * single-learner mode works in the 'default' sandbox. The HTTP API and the terminal bridge both
 * ask here, so a learner's terminals and grades belong to the same sandbox.
 */
import type { IncomingMessage } from 'node:http';
import type { LearnerStore } from '../store/learners.js';
import type { Requester } from '../world/requester.js';

export const LEARNER_COOKIE = 'maillab_learner';
const ONE_YEAR = 365 * 24 * 3600;

export type { Requester };

export function readCookie(req: IncomingMessage, name: string): string | undefined {
  const header = req.headers.cookie;
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) {
      try {
        return decodeURIComponent(part.slice(eq + 1).trim());
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}

export function learnerCookie(token: string): string {
  return `${LEARNER_COOKIE}=${encodeURIComponent(token)}; Path=/; HttpOnly; SameSite=Lax; Max-Age=${ONE_YEAR}`;
}

/**
 * Returns the function that identifies a request's learner, creating an anonymous one (in
 * `defaultSandbox`) when the request carries no valid cookie.
 */
export function learnerResolver(learners: LearnerStore, defaultSandbox: string): (req: IncomingMessage) => Promise<Requester> {
  return async (req) => {
    const token = readCookie(req, LEARNER_COOKIE);
    const known = token ? await learners.byToken(token) : undefined;
    if (known) return { learnerId: known.id, sandboxId: known.sandboxId };
    const created = await learners.create({ sandboxId: defaultSandbox, anonymous: true });
    return { learnerId: created.learner.id, sandboxId: created.learner.sandboxId, setCookie: learnerCookie(created.token) };
  };
}

/**
 * For the terminal bridge, which cannot set a cookie on a WebSocket upgrade: the cookie's
 * learner if there is one, otherwise the default sandbox without starting a new learner.
 */
export function terminalRequester(learners: LearnerStore, defaultSandbox: string): (req: IncomingMessage) => Promise<Requester> {
  return async (req) => {
    const token = readCookie(req, LEARNER_COOKIE);
    const known = token ? await learners.byToken(token) : undefined;
    return known ? { learnerId: known.id, sandboxId: known.sandboxId } : { learnerId: 'anonymous', sandboxId: defaultSandbox };
  };
}
