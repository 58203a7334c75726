/**
 * Who is asking in single-learner mode: the learner cookie (httpOnly) holds a random token; the
 * store keeps only its hash. A browser without a valid cookie is a visitor: it reads (every
 * exercise "new", no progress) and becomes a learner, in the 'default' sandbox, only with its
 * first graded attempt or terminal (held in memory from opening an exercise: PendingLearners),
 * so requests that only read never create anything. The HTTP API and the
 * terminal bridge both ask here, so a learner's terminals and grades belong to the same sandbox.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { text } from '../feedbackLine.js';
import { newLearnerToken, type LearnerStore } from '../store/learners.js';
import { ANONYMOUS, type Requester } from '../world/requester.js';
import type { SessionCookies } from './cookies.js';

export type { Requester };

/** What a request without a learner is told in classroom mode (in single-learner mode every request has one). */
export const SIGN_IN_FIRST = text('Log in or join your class first (on the /join/ page).', '请先登录或加入班级（在 /join/ 页面）。');

/** Visitors held in memory at most; past it the oldest is let go (it is a visitor again). */
const MAX_PENDING = 10_000;

/**
 * Visitors who opened an exercise: their browser holds a learner cookie (so the terminals they
 * open next are theirs), but the learner is kept here, not in the database, until something
 * worth recording (an attempt). A client that ignores cookies made a learner row with every
 * POST .../opened; now it makes an entry here, and the entries are bounded. After a restart a
 * pending cookie is a visitor's again, as the opening times in memory are forgotten too.
 */
export class PendingLearners {
  private readonly byToken = new Map<string, { id: string; stored?: Promise<Requester> }>();

  constructor(
    private readonly learners: LearnerStore,
    private readonly sandboxId: string,
    private readonly cookies: SessionCookies,
  ) {}

  /** A new pending learner, with the cookie its browser is to hold. */
  start(): Requester {
    if (this.byToken.size >= MAX_PENDING) this.byToken.delete(this.byToken.keys().next().value!);
    const token = newLearnerToken();
    const id = randomUUID();
    this.byToken.set(token, { id });
    return { learnerId: id, sandboxId: this.sandboxId, setCookie: this.cookies.learner(token), startLearner: () => this.store(token) };
  }

  /** The pending learner a cookie's token names, if any. */
  find(token: string): Requester | undefined {
    const entry = this.byToken.get(token);
    return entry && { learnerId: entry.id, sandboxId: this.sandboxId, startLearner: () => this.store(token) };
  }

  /** Writes the learner to the database under the id and token the browser has; once, however many ask at once. */
  private store(token: string): Promise<Requester> {
    const entry = this.byToken.get(token);
    // Let go meanwhile (MAX_PENDING): a learner of its own, with a new cookie.
    if (!entry) return this.learners.create({ sandboxId: this.sandboxId, anonymous: true }).then((c) => ({ learnerId: c.learner.id, sandboxId: this.sandboxId, setCookie: this.cookies.learner(c.token) }));
    // The entry stays (bounded): a request that found it before the row existed stores nothing twice.
    entry.stored ??= this.learners.create({ sandboxId: this.sandboxId, anonymous: true }, { id: entry.id, token }).then(
      (c) => ({ learnerId: c.learner.id, sandboxId: this.sandboxId }),
      (err: unknown) => {
        entry.stored = undefined;
        throw err;
      },
    );
    return entry.stored;
  }
}

/**
 * Returns the function that identifies a request's learner; without a valid cookie it is a
 * visitor, whose startLearner() makes an anonymous learner in `defaultSandbox`, and whose
 * holdLearner() a pending one (see PendingLearners).
 */
export function learnerResolver(learners: LearnerStore, pending: PendingLearners, cookies: SessionCookies, defaultSandbox: string): (req: IncomingMessage) => Promise<Requester> {
  return async (req) => {
    const token = cookies.learnerToken(req);
    const known = token ? await learners.byToken(token) : undefined;
    if (known) return { learnerId: known.id, sandboxId: known.sandboxId };
    const held = token ? pending.find(token) : undefined;
    if (held) return held;
    return {
      learnerId: ANONYMOUS,
      sandboxId: defaultSandbox,
      startLearner: async () => {
        const created = await learners.create({ sandboxId: defaultSandbox, anonymous: true });
        return { learnerId: created.learner.id, sandboxId: created.learner.sandboxId, setCookie: cookies.learner(created.token) };
      },
      holdLearner: () => pending.start(),
    };
  };
}

/**
 * For the terminal bridge, which cannot set a cookie on a WebSocket upgrade: the cookie's
 * learner (stored or pending) if there is one, otherwise the default sandbox without starting
 * a new learner (a visitor without a cookie has nobody to store).
 */
export function terminalRequester(learners: LearnerStore, pending: PendingLearners, cookies: SessionCookies, defaultSandbox: string): (req: IncomingMessage) => Promise<Requester> {
  return async (req) => {
    const token = cookies.learnerToken(req);
    const known = token ? await learners.byToken(token) : undefined;
    if (known) return { learnerId: known.id, sandboxId: known.sandboxId };
    // A pending learner's startLearner goes with it: the bridge stores them before their first
    // terminal, whose transcripts are theirs and must outlive a restart (the API's own routes
    // that use this never call it).
    return (token ? pending.find(token) : undefined) ?? { learnerId: ANONYMOUS, sandboxId: defaultSandbox };
  };
}
