/**
 * Passing a request on to the node that holds the learner's sandbox: an HTTP request is sent
 * on (its body read first, so its digest can be signed) and its answer streamed back; a
 * WebSocket upgrade becomes two sockets piped into each other, so a terminal line crosses one
 * extra hop and nothing more. Only ever to a node's own URL from the cluster's records, never
 * to an address a client names: this is no open proxy.
 */
import { Agent, request, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { withoutChannelHeaders } from './channel.js';

/** The most a forwarded request's body may hold (read whole, to be signed); no route reads more than 64 KB. */
export const MAX_FORWARDED_BODY = 256 * 1024;

/**
 * How long a node may keep a forwarded request without a byte of its answer (and a terminal
 * upgrade without its answer). A node whose heartbeats go on but whose web port hangs (a
 * partition, a stalled proxy) held each request, and the agent's connection to it, for good:
 * the learner waited without end instead of hearing the node is down. No route here thinks
 * that long in silence.
 */
export const FORWARD_SILENCE_MS = 60_000;

/** Kept-alive connections between nodes: a forwarded request does not pay for a new one. */
const agent = new Agent({ keepAlive: true, maxSockets: 256 });

function target(nodeUrl: string, path: string): { hostname: string; port: number; path: string } {
  const u = new URL(nodeUrl);
  return { hostname: u.hostname.replace(/^\[|\]$/g, ''), port: Number(u.port || 80), path };
}

/**
 * Sends `req` (whose body was read as `body`) to the node at `nodeUrl`, signed by `sign`, and
 * streams its answer back to `res`; calls `unreachable` if the node cannot be reached. A GET
 * whose kept-alive connection turns out dead (the node was restarted) is tried once more on a
 * new connection, signed anew (the node would take the same nonce only once).
 */
export function forwardRequest(
  req: IncomingMessage,
  body: Buffer,
  res: ServerResponse,
  nodeUrl: string,
  sign: () => Record<string, string>,
  unreachable: (err: Error) => void,
  fresh = false,
  silenceMs = FORWARD_SILENCE_MS,
): void {
  const headers = { ...withoutChannelHeaders(req.headers), ...sign(), 'content-length': String(body.length) };
  delete headers['transfer-encoding'];
  const out = request({ ...target(nodeUrl, req.url ?? '/'), method: req.method, headers, agent: fresh ? false : agent }, (answer) => {
    res.writeHead(answer.statusCode ?? 502, answer.headers);
    answer.pipe(res);
  });
  out.setTimeout(silenceMs, () => out.destroy(new Error(`no answer in ${silenceMs / 1000} s`)));
  // The client gone, the node's work for it is not waited for (nor tried again).
  let gone = false;
  res.on('close', () => {
    if (res.writableFinished) return;
    gone = true;
    out.destroy();
  });
  out.on('error', (err: NodeJS.ErrnoException) => {
    if (gone) return;
    if (!fresh && !res.headersSent && (req.method === 'GET' || req.method === 'HEAD') && (err.code === 'ECONNRESET' || err.code === 'EPIPE')) {
      return forwardRequest(req, body, res, nodeUrl, sign, unreachable, true, silenceMs);
    }
    if (!res.headersSent) unreachable(err);
    else res.destroy();
  });
  out.end(body);
}

/** The status line and headers of an answer, as the client's raw socket needs them. */
function head(answer: IncomingMessage): string {
  const lines = [`HTTP/1.1 ${answer.statusCode} ${answer.statusMessage}`];
  for (let i = 0; i < answer.rawHeaders.length; i += 2) lines.push(`${answer.rawHeaders[i]}: ${answer.rawHeaders[i + 1]}`);
  return lines.join('\r\n') + '\r\n\r\n';
}

/**
 * Hands a WebSocket upgrade to the node at `nodeUrl`. Resolves once that node answered (the
 * sockets are then piped), or to the error when it cannot be reached (the client's socket is
 * left untouched, so the caller can still explain).
 */
export function forwardUpgrade(req: IncomingMessage, socket: Duplex, clientHead: Buffer, nodeUrl: string, signed: Record<string, string>, silenceMs = FORWARD_SILENCE_MS): Promise<'forwarded' | Error> {
  return new Promise((resolve) => {
    const out = request({ ...target(nodeUrl, req.url ?? '/'), method: req.method, headers: { ...withoutChannelHeaders(req.headers), ...signed } });
    // Only until the answer: a terminal may then be quiet as long as its learner is.
    out.setTimeout(silenceMs, () => out.destroy(new Error(`no answer in ${silenceMs / 1000} s`)));
    out.on('upgrade', (answer, upstream: Socket, upstreamHead) => {
      upstream.setTimeout(0);
      resolve('forwarded');
      socket.write(head(answer));
      if (upstreamHead.length > 0) socket.write(upstreamHead);
      if (clientHead.length > 0) upstream.write(clientHead);
      // A terminal line is small: send it at once rather than wait to fill a packet.
      upstream.setNoDelay(true);
      (socket as Socket).setNoDelay?.(true);
      upstream.pipe(socket);
      socket.pipe(upstream);
      const end = (): void => {
        upstream.destroy();
        socket.destroy();
      };
      upstream.on('error', end).on('close', end);
      socket.on('error', end).on('close', end);
    });
    // The owner refused the upgrade (not logged in, wrong origin): pass its answer on as it is.
    out.on('response', (answer) => {
      resolve('forwarded');
      socket.write(head(answer));
      answer.pipe(socket);
    });
    out.on('error', (err) => resolve(err));
    out.end();
  });
}
