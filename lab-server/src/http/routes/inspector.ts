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
import { pipeline } from 'node:stream';
import { text } from '../../grading/feedback.js';
import { SIGN_IN_FIRST } from '../learner.js';
import { inspectMessage, onMessage } from '../../inspector/inspect.js';
import { locateMessage, type LocatedMessage, type MessageAddress } from '../../inspector/locate.js';
import type { LabMetrics } from '../../operations/metrics.js';
import type { Sandboxes } from '../../world/sandboxes.js';
import { asBuffer } from '../../workers/bytes.js';
import { tooLarge } from '../body.js';
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

/** The largest CSP report read (a browser's is a few hundred bytes). */
export const MAX_CSP_REPORT = 16 * 1024;

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

/**
 * Messages one sandbox may have taken apart at once: each is held whole (up to the message size
 * limit) until a worker takes it, and a hundred requests at once for a 9 MB message held 1 GB.
 */
export const INSPECTIONS_AT_ONCE = 4;

const safeName = (name: string): string => name.replace(/[^\w.-]+/g, '_').slice(0, 100) || 'part';

/** A part of a message: its HTML for the sandboxed frame, or with download=1 its decoded bytes as a file. */
async function sendPart(res: ServerResponse, url: URL, found: LocatedMessage): Promise<void> {
  const section = url.searchParams.get('section') ?? '';
  const missing = () => sendJson(res, 404, { error: text(`This message has no part ${section}. Pick one from the MIME tree.`, `这封邮件没有第 ${section} 部分。请从 MIME 树中选择。`) });
  if (!/^\d{1,6}(\.\d{1,6}){0,63}$/.test(section)) return missing();
  if (url.searchParams.get('download') === '1') {
    const part = await onMessage(found, 'partDownload', section);
    if (!part) return missing();
    const body = asBuffer(part.bytes);
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-disposition': `attachment; filename="${safeName(part.name)}"`, 'x-content-type-options': 'nosniff', 'cache-control': 'no-store', 'content-length': body.length });
    return void res.end(body);
  }
  const html = await onMessage(found, 'frameHtml', section);
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
}

export function inspectorRoutes(deps: InspectorRouteDeps): Record<string, Route> {
  /** The message a request names in the requester's sandbox, or undefined after a reply saying why not. */
  const find = async (req: IncomingMessage, res: ServerResponse, url: URL): Promise<{ found: LocatedMessage; sandbox: Awaited<ReturnType<Sandboxes['get']>> } | undefined> => {
    const who = await deps.requester(req).catch(() => undefined);
    if (!who) return void sendJson(res, 401, { error: SIGN_IN_FIRST });
    const wanted = addressFrom(url);
    if (!wanted) return void sendJson(res, 400, { error: text('Name a message: ?user=bob@example.com&folder=INBOX&uid=4, or ?queue=<the id after "queued as">, or ?messageId=<...>.', '请指定一封邮件：?user=bob@example.com&folder=INBOX&uid=4，或 ?queue=<"queued as" 后面的编号>，或 ?messageId=<...>。') });
    const sandbox = await deps.sandboxes.get(who.sandboxId);
    const found = await locateMessage(sandbox, wanted).catch(() => undefined);
    if (!found) return void sendJson(res, 404, { error: text('No such message in your mailboxes (it may have been deleted or moved). Open it again from the Maildir view.', '你的邮箱里没有这封邮件（可能已被删除或移动）。请从 Maildir 视图重新打开。') });
    return { found, sandbox };
  };

  const underWay = new Map<string, number>();
  /** Runs `work` unless the sandbox has INSPECTIONS_AT_ONCE under way; then 503, saying to wait. */
  const inTurn = async (sandboxId: string, res: ServerResponse, work: () => Promise<void>): Promise<void> => {
    const now = underWay.get(sandboxId) ?? 0;
    if (now >= INSPECTIONS_AT_ONCE) {
      res.setHeader('retry-after', '2');
      return sendJson(res, 503, { error: text(`${INSPECTIONS_AT_ONCE} messages of your sandbox are being taken apart already. Wait for them, then try again.`, `你的沙箱已有 ${INSPECTIONS_AT_ONCE} 封邮件正在解析。请等它们完成后再试。`) });
    }
    underWay.set(sandboxId, now + 1);
    try {
      await work();
    } finally {
      const left = (underWay.get(sandboxId) ?? 1) - 1;
      if (left > 0) underWay.set(sandboxId, left);
      else underWay.delete(sandboxId);
    }
  };

  return {
    'GET /api/inspect': async (req, res, url) => {
      const hit = await find(req, res, url);
      if (!hit) return;
      await inTurn(hit.sandbox.id, res, async () => {
        const inspection = await inspectMessage(hit.sandbox, hit.found);
        if (!inspection) return sendJson(res, 404, { error: text('The message was deleted while it was being read.', '这封邮件在读取时被删除了。') });
        sendJson(res, 200, inspection);
      });
    },

    'GET /api/inspect/part': async (req, res, url) => {
      const hit = await find(req, res, url);
      if (!hit) return;
      await inTurn(hit.sandbox.id, res, () => sendPart(res, url, hit.found));
    },

    'GET /api/inspect/raw': async (req, res, url) => {
      const hit = await find(req, res, url);
      if (!hit) return;
      // Streamed from the file: read whole, each download held the message.
      const file = await hit.found.folder.open(hit.found.info.uid);
      if (!file) return sendJson(res, 404, { error: text('The message was deleted meanwhile.', '这封邮件已被删除。') });
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-disposition': `attachment; filename="${safeName(hit.found.info.base)}.eml"`, 'x-content-type-options': 'nosniff', 'cache-control': 'no-store' });
      pipeline(file.createReadStream(), res, () => undefined);
    },

    // Outside /api/ on purpose: the report comes from the frame's opaque origin ("null").
    'POST /csp-report': (req, res) => {
      // A browser's report is a few hundred bytes. Past the limit nothing more is read: the
      // answer closes the connection (drained, a 1 GB upload was read to its end).
      const refuse = (): void => {
        req.pause();
        res.setHeader('connection', 'close');
        sendJson(res, 413, { error: tooLarge(MAX_CSP_REPORT) });
      };
      if (Number(req.headers['content-length']) > MAX_CSP_REPORT) return refuse();
      let size = 0;
      const chunks: Buffer[] = [];
      const onData = (c: Buffer): void => {
        size += c.length;
        if (size <= MAX_CSP_REPORT) return void chunks.push(c);
        req.off('data', onData);
        req.off('end', onEnd);
        refuse();
      };
      const onEnd = (): void => {
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
      };
      req.on('data', onData);
      req.on('end', onEnd);
    },
  };
}
