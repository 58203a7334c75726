/**
 * A large answer (an instructor's progress matrix is 1 MB of JSON for 200 learners × 49
 * exercises, its CSV some 600 KB), gzipped for a client that accepts it, as the site's files
 * are. Its cells repeat, so it shrinks some twentyfold, which a phone on a classroom's Wi-Fi
 * notices. zlib works on its thread pool, not the event loop.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';

const gzipped = promisify(gzip);

/** True when Accept-Encoding allows gzip: named, or "*", with a weight above 0 (RFC 9110 §12.5.3). */
export function acceptsGzip(req: IncomingMessage): boolean {
  const weights = new Map(
    String(req.headers['accept-encoding'] ?? '')
      .split(',')
      .map((part) => {
        const [coding = '', ...params] = part.split(';').map((p) => p.trim().toLowerCase());
        const q = params.find((p) => p.startsWith('q='));
        return [coding, q ? Number(q.slice(2)) : 1] as const;
      }),
  );
  const q = weights.get('gzip') ?? weights.get('x-gzip') ?? weights.get('*') ?? 0;
  return q > 0;
}

/** Sends `body` with status 200 and `headers`, gzipped when the client accepts gzip. */
export async function sendCompressible(req: IncomingMessage, res: ServerResponse, body: string, headers: Record<string, string>): Promise<void> {
  const all = { ...headers, 'cache-control': 'no-store', vary: 'accept-encoding' };
  if (body.length > 1024 && acceptsGzip(req)) {
    const zipped = await gzipped(body);
    res.writeHead(200, { ...all, 'content-encoding': 'gzip' });
    return void res.end(zipped);
  }
  res.writeHead(200, all);
  res.end(body);
}

/** Sends `json` (already JSON text) with status 200, gzipped when the client accepts gzip. */
export const sendJsonText = (req: IncomingMessage, res: ServerResponse, json: string): Promise<void> => sendCompressible(req, res, json, { 'content-type': 'application/json; charset=utf-8' });
