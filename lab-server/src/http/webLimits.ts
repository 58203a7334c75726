/**
 * The web port's defences against clients that hold connections: caps per address and in all
 * (a trusted proxy and the other nodes of a cluster, whose connections carry many clients'
 * requests, count only in the total; browser terminals have caps of their own once upgraded), and timeouts for headers, whole requests and idle keep-alive connections, checked
 * every second so a slowloris client is cut off on time.
 */
import type { Server } from 'node:http';
import type { Socket } from 'node:net';
import type { LabLimits } from '../limits.js';
import { plainAddress } from '../net/addressList.js';
import { ConnectionCaps, guardConnections, type CapReached } from '../net/connectionCaps.js';
import { connectionWork } from '../net/turnBudget.js';
import type { ProxyTrust } from './clientAddress.js';

export type WebLimits = Pick<LabLimits, 'httpConnectionsPerAddress' | 'httpConnections' | 'httpHeadersTimeoutMs' | 'httpRequestTimeoutMs' | 'httpKeepAliveTimeoutMs'>;

/** How often Node checks the header and request timeouts (its default of 30 s is too coarse). */
export function timeoutCheckInterval(limits: WebLimits): number {
  return Math.max(50, Math.min(1000, Math.floor(limits.httpHeadersTimeoutMs / 2)));
}

function refusal(caps: ConnectionCaps, reached: CapReached): string {
  const body = JSON.stringify({
    error:
      reached === 'address'
        ? {
            en: `Too many connections from your address (at most ${caps.perAddress}). Close some tabs, then reload.`,
            'zh-CN': `来自你的地址的连接太多（最多 ${caps.perAddress} 个）。请关闭一些标签页后再刷新。`,
          }
        : { en: 'The lab has too many connections right now. Reload in a minute.', 'zh-CN': '实验室当前连接过多，请一分钟后再刷新。' },
  });
  return [
    'HTTP/1.1 503 Service Unavailable',
    'Content-Type: application/json; charset=utf-8',
    'Cache-Control: no-store',
    'Retry-After: 30',
    'Connection: close',
    `Content-Length: ${Buffer.byteLength(body)}`,
    '',
    body,
  ].join('\r\n');
}

/** Applies the caps and timeouts to the web server. */
export function limitWebServer(server: Server, limits: WebLimits, proxies: ProxyTrust, isPeerNode: (address: string) => boolean = () => false): void {
  server.headersTimeout = limits.httpHeadersTimeoutMs;
  server.requestTimeout = limits.httpRequestTimeoutMs;
  server.keepAliveTimeout = limits.httpKeepAliveTimeoutMs;
  const caps = new ConnectionCaps(limits.httpConnectionsPerAddress, limits.httpConnections);
  const guard = guardConnections(server, {
    caps,
    group: 'http',
    isInternal: async () => false,
    totalOnly: (address) => proxies.proxies.has(address) || isPeerNode(address),
    refuse: (socket, reached) => {
      socket.end(refusal(caps, reached));
      setTimeout(() => socket.destroy(), 5000).unref();
    },
    startDeadlineMs: 0,
  });
  server.on('upgrade', (_req, socket: Socket) => guard.release(socket));
  server.on('clientError', (err: Error & { code?: string }, socket: Socket) => {
    // Node checks the header timeouts once a second and would answer every connection that
    // expired in that second in one turn: a flood of idle ones at once. Each answer waits its turn.
    socket.on('error', () => undefined);
    connectionWork.run(plainAddress(socket.remoteAddress ?? ''), () => answerClientError(err, socket));
  });
}

/** What Node itself answers a client whose request failed (timed out, malformed), then closes. */
function answerClientError(err: Error & { code?: string }, socket: Socket): void {
  if (socket.destroyed) return;
  if (socket.writable && socket.bytesWritten === 0) {
    const status = CLIENT_ERRORS[err.code ?? ''] ?? '400 Bad Request';
    socket.write(`HTTP/1.1 ${status}\r\nConnection: close\r\n\r\n`);
  }
  socket.destroy(err);
}

const CLIENT_ERRORS: Record<string, string> = {
  ERR_HTTP_REQUEST_TIMEOUT: '408 Request Timeout',
  HPE_HEADER_OVERFLOW: '431 Request Header Fields Too Large',
  HPE_CHUNK_EXTENSIONS_OVERFLOW: '413 Payload Too Large',
};
