/**
 * The lab's one web server: the built site as static files, and the JSON API. Later issues add
 * routes here and the WebSocket upgrade for the browser terminals.
 */
import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { extname, join, normalize, sep } from 'node:path';
import { pipeline } from 'node:stream';
import { createGzip } from 'node:zlib';
import { isOutOfSpace } from '../files/diskSpace.js';
import type { Logger } from '../log.js';
import { TextWithNul } from '../store/sql.js';
import { UnknownSandbox } from '../world/sandboxes.js';
import { MAX_BODY_BYTES, tooLarge } from './body.js';
import { acceptsGzip } from './compressedJson.js';
import type { ProxyTrust } from './clientAddress.js';
import type { SiteOrigin } from './origin.js';
import { BAD_TARGET, requestUrl } from './requestUrl.js';
import { PagePolicies, setCommonHeaders } from './securityHeaders.js';
import { limitWebServer, timeoutCheckInterval, type WebLimits } from './webLimits.js';

/** A route handler; `params` holds the values of ":name" segments of its pattern. */
export type Route = (req: IncomingMessage, res: ServerResponse, url: URL, params: Record<string, string>) => Promise<void> | void;

/** Finds the route for "METHOD /path": an exact key first, then patterns like "GET /api/exercises/:id". */
export function matchRoute(routes: Record<string, Route>, method: string, pathname: string): { route: Route; params: Record<string, string> } | undefined {
  const exact = routes[`${method} ${pathname}`];
  if (exact) return { route: exact, params: {} };
  const parts = pathname.split('/');
  for (const [key, route] of Object.entries(routes)) {
    const [m, pattern] = key.split(' ');
    if (m !== method || !pattern?.includes('/:')) continue;
    const want = pattern.split('/');
    if (want.length !== parts.length) continue;
    const params: Record<string, string> = {};
    const fits = want.every((seg, i) => {
      if (!seg.startsWith(':')) return seg === parts[i];
      try {
        params[seg.slice(1)] = decodeURIComponent(parts[i]!);
      } catch {
        return false;
      }
      return parts[i] !== '';
    });
    if (fits) return { route, params };
  }
  return undefined;
}

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
  '.woff2': 'font/woff2',
};

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const data = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  res.end(data);
}

/** HTTP 507 (RFC 4918): the server's disk (or database) has no room; nothing was saved. */
const DISK_FULL = {
  error: {
    en: "The lab server's disk is full, so nothing was saved. Try again later, and tell whoever runs the lab; deleting mail you no longer need also makes room.",
    'zh-CN': '实验室服务器的磁盘已满，所以什么都没有保存。请稍后再试，并告诉实验室的管理者；删除不再需要的邮件也能腾出空间。',
  },
};

/** HTTP 410: the sandbox the request belongs to was removed (`maillab sandbox delete`) while its learner stayed. */
const SANDBOX_GONE = {
  error: {
    en: 'Your sandbox is no longer on this lab (it was removed). In a class, ask your instructor to press "Reset sandbox" for you (your answers are kept); on your own machine, restart the lab with npm start.',
    'zh-CN': '你的沙箱已不在本实验室（已被删除）。在班级里，请让老师为你点“重置沙箱”（你的答题记录仍然保留）；在自己的电脑上，请用 npm start 重新启动实验室。',
  },
};

/** HTTP 400: a name, code or id sent with a NUL character, which no record of the lab holds. */
const NUL_SENT = {
  error: {
    en: 'Something you sent (a name, a code or an id) holds a NUL character (\\0), which nothing in the lab has, so nothing matches it. Type it again by hand.',
    'zh-CN': '你发送的内容（名字、代码或编号）里有一个 NUL 字符（\\0），实验室里没有任何记录包含它，所以什么也匹配不上。请手动重新输入。',
  },
};

/**
 * HTTP 500: the lab itself failed. The cause (a file path, a stack) goes to the lab's log, not
 * to the page; the page gets a code that finds its line there.
 */
function internalError(code: string): { error: Record<'en' | 'zh-CN', string> } {
  return {
    error: {
      en: `The lab server failed on this request (error ${code}; the cause is in the lab's log). Try again; if it fails again, tell whoever runs the lab and give them the code ${code}.`,
      'zh-CN': `实验室服务器处理这个请求时出错（错误码 ${code}，原因已写入实验室日志）。请再试一次；如果仍然出错，请告诉实验室的管理者，并把错误码 ${code} 给他们。`,
    },
  };
}

const COMPRESSIBLE = new Set(['.html', '.css', '.js', '.mjs', '.json', '.svg', '.txt']);

/**
 * Serves files under siteDir; "/a/" serves "/a/index.html". Never leaves siteDir. Text is
 * gzipped for browsers that accept it; Astro's hashed assets under /_astro/ are cached for
 * good, pages are revalidated so a rebuilt site shows at once.
 */
async function serveStatic(siteDir: string, url: URL, req: IncomingMessage, res: ServerResponse, policies: PagePolicies): Promise<boolean> {
  let path: string;
  try {
    path = decodeURIComponent(url.pathname);
  } catch {
    return false;
  }
  if (path.includes('\0')) return false;
  let file = normalize(join(siteDir, path));
  if (file !== siteDir && !file.startsWith(siteDir.endsWith(sep) ? siteDir : siteDir + sep)) return false;
  try {
    let info = await stat(file);
    if (info.isDirectory()) {
      file = join(file, 'index.html');
      info = await stat(file);
    }
    if (!info.isFile()) return false;
    const ext = extname(file);
    const headers: Record<string, string | number> = {
      'content-type': MIME[ext] ?? 'application/octet-stream',
      'cache-control': path.startsWith('/_astro/') ? 'public, max-age=31536000, immutable' : 'no-cache',
    };
    const gzip = COMPRESSIBLE.has(ext) && info.size > 1024 && acceptsGzip(req);
    if (gzip) Object.assign(headers, { 'content-encoding': 'gzip', vary: 'accept-encoding' });
    else headers['content-length'] = info.size;
    if (ext === '.html') headers['content-security-policy'] = await policies.forFile(file, info);
    res.writeHead(200, headers);
    if (req.method === 'HEAD') {
      res.end();
      return true;
    }
    // A file that fails to read once the answer has begun (replaced by a rebuild meanwhile)
    // cuts that answer off; unheard, the error stopped the lab.
    const cutOff = (err: Error | null): void => void (err && res.destroy());
    if (gzip) pipeline(createReadStream(file), createGzip(), res, cutOff);
    else pipeline(createReadStream(file), res, cutOff);
    return true;
  } catch {
    return false;
  }
}

/**
 * CSRF protection: a state-changing request sent by a browser carries Origin, and it must be
 * this site, scheme, host and port alike. A browser that leaves Origin out still says where the
 * request came from in Sec-Fetch-Site: "cross-site" or "same-site" (a neighbour under the same
 * domain, to which Lax cookies are sent) is another site. Together with SameSite cookies this
 * stops other sites acting in a user's name. (Clients that are not browsers, like curl, send
 * neither header and are not at risk.)
 */
export function crossSite(req: IncomingMessage, site: SiteOrigin): boolean {
  if (['GET', 'HEAD', 'OPTIONS'].includes(req.method ?? 'GET')) return false;
  if (req.headers.origin !== undefined) return !site.matches(req);
  const from = req.headers['sec-fetch-site'];
  return from === 'cross-site' || from === 'same-site';
}

export interface WebOptions {
  limits: WebLimits;
  proxies: ProxyTrust;
  site: SiteOrigin;
  /** Where a 500's cause is written. */
  log: Logger;
  /** In a cluster: whether an address is another node's (it forwards many clients' requests). */
  isPeerNode?: (address: string) => boolean;
}

export function createWebServer(siteDir: string, routes: Record<string, Route>, options: WebOptions): Server {
  const policies = new PagePolicies();
  const server = createServer({ connectionsCheckingInterval: timeoutCheckInterval(options.limits) }, (req, res) => {
    setCommonHeaders(res);
    const url = requestUrl(req);
    if (!url) {
      req.resume();
      res.writeHead(400, { 'content-type': 'text/plain; charset=utf-8', connection: 'close' });
      return void res.end(BAD_TARGET);
    }
    const found = matchRoute(routes, req.method ?? 'GET', url.pathname);
    void (async () => {
      try {
        if (url.pathname.startsWith('/api/') && crossSite(req, options.site)) {
          req.resume();
          return sendJson(res, 403, { error: { en: 'Refused: this request came from another site. Use the lab\'s own pages.', 'zh-CN': '已拒绝：该请求来自其他网站。请使用实验室自己的页面。' } });
        }
        if (found) return await found.route(req, res, url, found.params);
        if (url.pathname.startsWith('/api/')) {
          return sendJson(res, 404, { error: { en: 'No such API route.', 'zh-CN': '没有这个 API 路径。' } });
        }
        if ((req.method === 'GET' || req.method === 'HEAD') && (await serveStatic(siteDir, url, req, res, policies))) return;
        res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
        res.end('Not found. Go back to the start page: /\n页面不存在，请回到首页：/\n');
      } catch (err) {
        if (!res.headersSent && isOutOfSpace(err)) return sendJson(res, 507, DISK_FULL);
        if (!res.headersSent && err instanceof UnknownSandbox) return sendJson(res, 410, SANDBOX_GONE);
        if (!res.headersSent && err instanceof TextWithNul) return sendJson(res, 400, NUL_SENT);
        const code = randomBytes(4).toString('hex');
        options.log('http', `${req.method} ${url.pathname} failed (error ${code}): ${(err as Error)?.stack ?? String(err)}`, 'error');
        // An answer already begun can only be cut off.
        if (res.headersSent) res.destroy();
        else sendJson(res, 500, internalError(code));
      }
    })();
  });
  server.on('checkContinue', (req: IncomingMessage, res: ServerResponse) => {
    // A client that asks before it uploads is told now, not after a 100 Continue: past the
    // most any route reads, the answer would only come once the upload had begun, and a
    // client still sending when the connection closed never saw it (curl printed 100).
    if (Number(req.headers['content-length']) > MAX_BODY_BYTES) {
      setCommonHeaders(res);
      res.setHeader('connection', 'close');
      return sendJson(res, 413, { error: tooLarge(MAX_BODY_BYTES) });
    }
    res.writeContinue();
    server.emit('request', req, res);
  });
  limitWebServer(server, options.limits, options.proxies, options.isPeerNode);
  return server;
}
