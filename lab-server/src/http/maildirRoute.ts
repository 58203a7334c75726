/**
 * GET /api/maildir: the requesting learner's sandbox as a tree of Maildir files, and its disk
 * usage against the quota, for the lesson site's live Maildir view (it polls this while the
 * view is on screen).
 */
import type { IncomingMessage } from 'node:http';
import type { Requester } from '../world/requester.js';
import { sandboxMaildirView } from '../maildir/snapshot.js';
import type { Sandboxes } from '../world/sandboxes.js';
import { SIGN_IN_FIRST } from './learner.js';
import { sendJson, type Route } from './server.js';

export interface MaildirRouteDeps {
  sandboxes: Sandboxes;
  /** The same decision the terminals use: whose sandbox this request belongs to. */
  requester: (req: IncomingMessage) => Promise<Requester | undefined>;
}

export function maildirRoute({ sandboxes, requester }: MaildirRouteDeps): Route {
  return async (req, res) => {
    const who = await requester(req);
    if (!who) return sendJson(res, 401, { error: SIGN_IN_FIRST });
    const sandbox = await sandboxes.get(who.sandboxId);
    // With the files, how much of the sandbox's disk quota they (and queue, transcripts, logs) use.
    const [view, usage] = await Promise.all([sandboxMaildirView(sandbox), sandbox.usage.usage()]);
    sendJson(res, 200, { ...view, usage });
  };
}
