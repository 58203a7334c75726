/**
 * How people are told apart on the web port, by mode:
 *  - single: one anonymous learner per browser, all in the default sandbox, no login;
 *  - classroom: learners log in (or join a class) and work in their own sandbox; instructors
 *    have their own login and the dashboard API.
 * Returns the routes to add and the requester functions the exercises API and bridge use.
 */
import type { IncomingMessage } from 'node:http';
import type { ExerciseCatalog } from '../grading/exercises.js';
import type { SessionCookies } from '../http/cookies.js';
import { learnerResolver, PendingLearners, terminalRequester } from '../http/learner.js';
import type { Route } from '../http/server.js';
import type { ClassroomStore } from '../store/classroom.js';
import type { LearnerStore } from '../store/learners.js';
import type { LoginFailures } from '../store/loginFailures.js';
import type { RateLimitCounters } from '../store/rateLimits.js';
import type { LabLimits } from '../limits.js';
import type { LabMode } from '../world/access.js';
import type { Requester } from '../world/requester.js';
import type { Sandboxes } from '../world/sandboxes.js';
import type { TerminalsEnd } from '../bridge/bridge.js';
import { dashboardRoutes } from './dashboard.js';
import { learnerOf } from './identity.js';
import { meRoute, type MeDeps } from './me.js';
import { membershipRoutes } from './membership.js';
import { LoginThrottle } from './loginThrottle.js';
import { RateLimit } from './rateLimit.js';
import { WorkQueue } from '../workers/workQueue.js';

export interface PeopleDeps {
  mode: LabMode;
  learners: LearnerStore;
  store: ClassroomStore;
  rateLimits: RateLimitCounters;
  loginFailures: LoginFailures;
  sandboxes: Sandboxes;
  catalog: ExerciseCatalog;
  defaultSandbox: string;
  publicUrl: () => string;
  terminalOwners: () => Set<string>;
  endTerminals: (learnerId: string, why?: TerminalsEnd) => void;
  limits: LabLimits;
  /** The client's address (behind a trusted proxy, the one it names). */
  clientAddress: (req: IncomingMessage) => string;
  mailServer?: MeDeps['mailServer'];
  cookies: SessionCookies;
}

export interface People {
  routes: Record<string, Route>;
  /** For the exercises API: undefined means "not logged in" (401). */
  apiRequester: (req: IncomingMessage) => Promise<Requester | undefined>;
  /** For the terminal bridge and the Maildir view. */
  terminalRequester: (req: IncomingMessage) => Promise<Requester | undefined>;
}

export function people(deps: PeopleDeps): People {
  const me = meRoute({ mode: deps.mode, learners: deps.learners, sandboxes: deps.sandboxes, catalog: deps.catalog, store: deps.store, defaultSandbox: deps.defaultSandbox, cookies: deps.cookies, ...(deps.mailServer ? { mailServer: deps.mailServer } : {}) });
  if (deps.mode === 'single') {
    const pending = new PendingLearners(deps.learners, deps.defaultSandbox, deps.cookies);
    return {
      routes: { 'GET /api/me': me },
      apiRequester: learnerResolver(deps.learners, pending, deps.cookies, deps.defaultSandbox),
      terminalRequester: terminalRequester(deps.learners, pending, deps.cookies, deps.defaultSandbox),
    };
  }
  const logins = new LoginThrottle(deps.limits, deps.loginFailures, deps.rateLimits);
  const loggedIn = async (req: IncomingMessage): Promise<Requester | undefined> => {
    const learner = await learnerOf(req, deps.learners, deps.cookies);
    return learner ? { learnerId: learner.id, sandboxId: learner.sandboxId } : undefined;
  };
  return {
    routes: {
      'GET /api/me': me,
      ...membershipRoutes({
        store: deps.store,
        learners: deps.learners,
        sandboxes: deps.sandboxes,
        joinLimit: new RateLimit(deps.rateLimits, deps.limits.joinsPerAddress, 10 * 60_000),
        joins: new WorkQueue(1, deps.limits.joinsWaiting),
        classLearners: deps.limits.classLearners,
        logins,
        cookies: deps.cookies,
        clientAddress: deps.clientAddress,
        endTerminals: deps.endTerminals,
      }),
      ...dashboardRoutes({
        store: deps.store,
        learners: deps.learners,
        sandboxes: deps.sandboxes,
        catalog: deps.catalog,
        logins,
        cookies: deps.cookies,
        clientAddress: deps.clientAddress,
        publicUrl: deps.publicUrl,
        newPasswords: new RateLimit(deps.rateLimits, deps.limits.newPasswordsPerInstructor, 10 * 60_000),
        terminalOwners: deps.terminalOwners,
        endTerminals: deps.endTerminals,
      }),
    },
    apiRequester: loggedIn,
    terminalRequester: loggedIn,
  };
}
