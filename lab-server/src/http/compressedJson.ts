/**
 * A large JSON answer (an instructor's progress matrix is 1 MB for 200 learners × 49
 * exercises), gzipped for a client that accepts it, as the site's files are. Its cells repeat,
 * so it shrinks some twentyfold, which a phone on a classroom's Wi-Fi notices. zlib works on
 * its thread pool, not the event loop.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';

const gzipped = promisify(gzip);

/** Sends `json` (already JSON text) with status 200, gzipped when the client accepts gzip. */
export async function sendJsonText(req: IncomingMessage, res: ServerResponse, json: string): Promise<void> {
  const headers = { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', vary: 'accept-encoding' };
  if (json.length > 1024 && /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''))) {
    const body = await gzipped(json);
    res.writeHead(200, { ...headers, 'content-encoding': 'gzip' });
    return void res.end(body);
  }
  res.writeHead(200, headers);
  res.end(json);
}
