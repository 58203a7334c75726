/**
 * The lab's one web server: the built site as static files, and the JSON API. Later issues add
 * routes here and the WebSocket upgrade for the browser terminals.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { extname, join, normalize, sep } from 'node:path';

export type Route = (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<void> | void;

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

/** Serves files under siteDir; "/a/" serves "/a/index.html". Never leaves siteDir. */
async function serveStatic(siteDir: string, url: URL, res: ServerResponse): Promise<boolean> {
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
    res.writeHead(200, { 'content-type': MIME[extname(file)] ?? 'application/octet-stream', 'content-length': info.size });
    createReadStream(file).pipe(res);
    return true;
  } catch {
    return false;
  }
}

export function createWebServer(siteDir: string, routes: Record<string, Route>): Server {
  return createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://lab.invalid');
    const route = routes[`${req.method} ${url.pathname}`];
    void (async () => {
      try {
        if (route) return await route(req, res, url);
        if (url.pathname.startsWith('/api/')) {
          return sendJson(res, 404, { error: { en: 'No such API route.', 'zh-CN': '没有这个 API 路径。' } });
        }
        if ((req.method === 'GET' || req.method === 'HEAD') && (await serveStatic(siteDir, url, res))) return;
        res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
        res.end('Not found. Go back to the start page: /\n页面不存在，请回到首页：/\n');
      } catch (err) {
        if (!res.headersSent) sendJson(res, 500, { error: { en: `Internal error: ${(err as Error).message}`, 'zh-CN': '服务器内部错误，请稍后再试。' } });
        else res.destroy();
      }
    })();
  });
}
