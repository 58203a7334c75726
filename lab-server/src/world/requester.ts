/**
 * Who a web request or a browser terminal belongs to: a learner, and the sandbox they work in.
 * A leaf the bridge, the HTTP routes, classroom mode and the cluster all share.
 */
export interface Requester {
  /** A stable id of the learner, for per-learner limits and transcripts. */
  learnerId: string;
  sandboxId: string;
  /** Set when a new learner was started: send it as the Set-Cookie header. */
  setCookie?: string;
  /**
   * Present for a visitor (single mode, no valid cookie), whose learnerId is ANONYMOUS (or, with
   * a cookie from holdLearner, the id they will have): nothing of theirs is stored yet. Makes
   * them a learner, for the first thing worth recording: an attempt, or (for a held one) a
   * terminal, which the bridge opens only after calling it.
   */
  startLearner?: () => Promise<Requester>;
  /**
   * For a visitor: a learner cookie now, the learner kept in memory until startLearner (so a
   * client that ignores cookies adds no database row with each request).
   */
  holdLearner?: () => Requester;
}

/** The learner id of a browser that has no learner yet; no learner row ever has it. */
export const ANONYMOUS = 'anonymous';
