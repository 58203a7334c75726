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
}
