/**
 * GET /api/maildir: the requesting learner's sandbox as a tree of Maildir files, and its disk
 * usage against the quota, for the lesson site's live Maildir view (it polls this while the
 * view is on screen).
 *
 * A poll is answered 304 when no Maildir changed since the ETag it sends back: a few stat
 * calls instead of syncing every folder of every user and sending them all again (with 2,700
 * messages, 230 KB and some 10 ms of the event loop per poll, and thirty learners poll).
 * A request without the tag for a view that has not changed gets the view last built for it.
 *
 * The usage is not in the tag: every line a terminal shows adds to it (its transcript), and the
 * lesson pages put the terminal next to the view, so a tag with it changed at every poll while
 * the learner typed. It goes with every answer, 304 too, in the MailLab-Usage header (a 304
 * brings the fields a stored answer is to be updated with, RFC 9111 §4.3.4), and in a 200's JSON.
 */
import type { IncomingMessage } from 'node:http';
import { sandboxMaildirView } from '../maildir/snapshot.js';
import { sandboxMaildirStamp } from '../maildir/snapshotStamp.js';
import type { Requester } from '../world/requester.js';
import type { Sandboxes } from '../world/sandboxes.js';
import { sendJsonText } from './compressedJson.js';
import { SIGN_IN_FIRST } from './learner.js';
import { RecentViews } from './recentViews.js';
import { sendJson, type Route } from './server.js';

/** The usage as JSON ({ bytes, messages, limits }), on a 304 as on a 200. */
const USAGE_HEADER = 'maillab-usage';

export interface MaildirRouteDeps {
  sandboxes: Sandboxes;
  /** The same decision the terminals use: whose sandbox this request belongs to. */
  requester: (req: IncomingMessage) => Promise<Requester | undefined>;
}

export function maildirRoute({ sandboxes, requester }: MaildirRouteDeps): Route {
  const views = new RecentViews();
  return async (req, res) => {
    const who = await requester(req);
    if (!who) return sendJson(res, 401, { error: SIGN_IN_FIRST });
    const sandbox = await sandboxes.get(who.sandboxId);
    // With the files, how much of the sandbox's disk quota they (and queue, transcripts, logs) use.
    // Stamped before the view is built: a change made meanwhile gives the next poll another tag.
    const [stamp, usage] = await Promise.all([sandboxMaildirStamp(sandbox), sandbox.usage.usage()]);
    const etag = stamp && `W/"${stamp}"`;
    const usageJson = JSON.stringify(usage);
    res.setHeader(USAGE_HEADER, usageJson);
    const tags = ifNoneMatch(req);
    if (etag && (tags.includes(etag) || tags.includes('*'))) {
      res.writeHead(304, { etag, 'cache-control': 'no-store' });
      return void res.end();
    }
    let tree = etag && views.get(sandbox.id, etag);
    if (!tree) {
      tree = JSON.stringify(await sandboxMaildirView(sandbox));
      if (etag) views.remember(sandbox.id, etag, tree);
    }
    if (etag) res.setHeader('etag', etag);
    // The tree's JSON is an object: the usage of now goes in as its last member, without parsing it.
    const json = `${tree.slice(0, -1)},"usage":${usageJson}}`;
    await sendJsonText(req, res, json);
  };
}

/** The tags of If-None-Match (RFC 9110 §13.1.2), compared weakly as a GET's must be. */
function ifNoneMatch(req: IncomingMessage): string[] {
  const header = req.headers['if-none-match'];
  if (!header) return [];
  return header.split(',').map((tag) => {
    const t = tag.trim();
    return t.startsWith('W/') || t === '*' ? t : `W/${t}`;
  });
}
