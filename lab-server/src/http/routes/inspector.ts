/**
 * The message inspector's API, always in the requester's own sandbox:
 *
 *   GET  /api/inspect?user=&folder=&uid=     one message taken apart (see inspector/inspect.ts);
 *        /api/inspect?queue=ID[&user=]       ... found by the queue id "250 ... queued as" named
 *        /api/inspect?messageId=ID[&user=]   ... or by its Message-ID
 *   GET  /api/inspect/part?...&section=1.2   a part's HTML for the sandboxed frame, or with
 *                                            download=1 any part's decoded bytes as a file
 *   GET  /api/inspect/raw?...                the message file itself (.eml)
 *   POST /csp-report                         where browsers report what the frame's policy blocked
 *
 * The HTML is served from its own route with a policy of its own: a sandbox without scripts,
 * forms or same-origin rights, nothing loaded but data: images and inline styles. Downloads
 * are always attachments of a neutral type, so no part is ever run by the browser.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { text } from '../../grading/feedback.js';
import { inspectMessage, onMessage } from '../../inspector/inspect.js';
import { locateMessage, type LocatedMessage, type MessageAddress } from '../../inspector/locate.js';
import type { LabMetrics } from '../../operations/metrics.js';
import type { Sandboxes } from '../../world/sandboxes.js';
import { sendJson, type Route } from '../server.js';

export interface InspectorRouteDeps {
  sandboxes: Sandboxes;
  requester: (req: IncomingMessage) => Promise<{ sandboxId: string } | undefined>;
  metrics?: LabMetrics;
}

/**
 * The frame's policy: nothing runs, nothing is fetched from the network, violations are
 * reported; only the lab's own inspector page may frame it (every other answer refuses framing).
 */
export const FRAME_POLICY = "sandbox; default-src 'none'; img-src data:; style-src 'unsafe-inline'; font-src data:; form-action 'none'; base-uri 'none'; frame-ancestors 'self'; report-uri /csp-report";

function addressFrom(url: URL): MessageAddress | undefined {
  const q = (name: string): string | undefined => url.searchParams.get(name) ?? undefined;
  const uid = q('uid');
  const base = { ...(q('user') ? { user: q('user')! } : {}), ...(q('folder') ? { folder: q('folder')! } : {}) };
  if (uid !== undefined) return /^\d{1,10}$/.test(uid) ? { ...base, uid: Number(uid) } : undefined;
  const queue = q('queue');
  if (queue) return /^[0-9A-F]{10}$/i.test(queue) ? { ...base, queueId: queue.toUpperCase() } : undefined;
  const messageId = q('messageId');
  if (messageId && messageId.length <= 250) return { ...base, messageId };
  return undefined;
}

/**
 * The directives a report may name in the metrics (CSP Level 3). Anyone may post a report, so
 * anything else counts as "other": each new label value would be a series kept for good.
 */
const CSP_DIRECTIVES = new Set([
  'default-src', 'script-src', 'script-src-elem', 'script-src-attr', 'style-src', 'style-src-elem', 'style-src-attr', 'img-src', 'font-src',
  'connect-src', 'media-src', 'object-src', 'frame-src', 'child-src', 'worker-src', 'manifest-src', 'form-action', 'frame-ancestors', 'base-uri',
  'sandbox', 'navigate-to', 'trusted-types', 'require-trusted-types-for', 'webrtc', 'fenced-frame-src',
]);

const safeName = (name: string): string => name.replace(/[^\w.-]+/g, '_').slice(0, 100) || 'part';

export function inspectorRoutes(deps: InspectorRouteDeps): Record<string, Route> {
  /** The message a request names in the requester's sandbox, or undefined after a reply saying why not. */
  const find = async (req: IncomingMessage, res: ServerResponse, url: URL): Promise<{ found: LocatedMessage; sandbox: Awaited<ReturnType<Sandboxes['get']>> } | undefined> => {
    const who = await deps.requester(req).catch(() => undefined);
    if (!who) return void sendJson(res, 401, { error: text('Open the lab page first: this browser has no sandbox yet.', '请先打开实验页面：这个浏览器还没有自己的沙箱。') });
    const wanted = addressFrom(url);
    if (!wanted) return void sendJson(res, 400, { error: text('Name a message: ?user=bob@example.com&folder=INBOX&uid=4, or ?queue=<the id after "queued as">, or ?messageId=<...>.', '请指定一封邮件：?user=bob@example.com&folder=INBOX&uid=4，或 ?queue=<"queued as" 后面的编号>，或 ?messageId=<...>。') });
    const sandbox = await deps.sandboxes.get(who.sandboxId);
    const found = await locateMessage(sandbox, wanted).catch(() => undefined);
    if (!found) return void sendJson(res, 404, { error: text('No such message in your mailboxes (it may have been deleted or moved). Open it again from the Maildir view.', '你的邮箱里没有这封邮件（可能已被删除或移动）。请从 Maildir 视图重新打开。') });
    return { found, sandbox };
  };

  return {
    'GET /api/inspect': async (req, res, url) => {
      const hit = await find(req, res, url);
      if (!hit) return;
      const inspection = await inspectMessage(hit.sandbox, hit.found);
      if (!inspection) return sendJson(res, 404, { error: text('The message was deleted while it was being read.', '这封邮件在读取时被删除了。') });
      sendJson(res, 200, inspection);
    },

    'GET /api/inspect/part': async (req, res, url) => {
      const hit = await find(req, res, url);
      if (!hit) return;
      const section = url.searchParams.get('section') ?? '';
      const missing = () => sendJson(res, 404, { error: text(`This message has no part ${section}. Pick one from the MIME tree.`, `这封邮件没有第 ${section} 部分。请从 MIME 树中选择。`) });
      if (!/^\d{1,6}(\.\d{1,6}){0,63}$/.test(section)) return missing();
      if (url.searchParams.get('download') === '1') {
        const part = await onMessage(hit.found, 'partDownload', section);
        if (!part) return missing();
        const body = Buffer.from(part.bytes.buffer, part.bytes.byteOffset, part.bytes.byteLength);
        res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-disposition': `attachment; filename="${safeName(part.name)}"`, 'x-content-type-options': 'nosniff', 'cache-control': 'no-store', 'content-length': body.length });
        return void res.end(body);
      }
      const html = await onMessage(hit.found, 'frameHtml', section);
      if (html === undefined) return missing();
      if (html === null) return sendJson(res, 415, { error: text('Only an HTML part is shown in the frame; download the others.', '框架中只显示 HTML 部分；其他部分请下载。') });
      res.writeHead(200, {
        'content-type': 'text/html; charset=utf-8',
        'content-security-policy': FRAME_POLICY,
        'x-frame-options': 'SAMEORIGIN',
        'x-content-type-options': 'nosniff',
        'referrer-policy': 'no-referrer',
        'cache-control': 'no-store',
      });
      res.end(html);
    },

    'GET /api/inspect/raw': async (req, res, url) => {
      const hit = await find(req, res, url);
      if (!hit) return;
      const stored = await hit.found.folder.read(hit.found.info.uid);
      if (!stored) return sendJson(res, 404, { error: text('The message was deleted meanwhile.', '这封邮件已被删除。') });
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-disposition': `attachment; filename="${safeName(hit.found.info.base)}.eml"`, 'x-content-type-options': 'nosniff', 'cache-control': 'no-store' });
      res.end(stored);
    },

    // Outside /api/ on purpose: the report comes from the frame's opaque origin ("null").
    'POST /csp-report': (req, res) => {
      let size = 0;
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => {
        size += c.length;
        if (size <= 16 * 1024) chunks.push(c);
      });
      req.on('end', () => {
        let directive = 'other';
        try {
          const report = (JSON.parse(Buffer.concat(chunks).toString('utf8')) as { 'csp-report'?: Record<string, unknown> })['csp-report'] ?? {};
          const d = String(report['effective-directive'] ?? report['violated-directive'] ?? '').split(' ')[0]!;
          if (CSP_DIRECTIVES.has(d)) directive = d;
        } catch {
          // Not a report we can read: counted as "other".
        }
        deps.metrics?.cspReports.inc({ directive });
        res.writeHead(204);
        res.end();
      });
    },
  };
}
