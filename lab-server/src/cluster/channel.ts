/**
 * The nodes' internal channel: a request one node sends another (a forwarded page, terminal or
 * grading request; a drain's copy) carries who sent it, when, for which client, and an
 * HMAC-SHA256 of all that and the request line under the cluster's shared secret. Only a
 * request signed within the last minute is taken as coming from a node; nothing else can use
 * the internal routes or make a node act on another's behalf.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';

export const SIGNED_BY = 'x-maillab-node';
const SIGNED_AT = 'x-maillab-node-time';
const CLIENT = 'x-maillab-node-client';
const SIGNATURE = 'x-maillab-node-signature';
const CHANNEL_HEADERS = [SIGNED_BY, SIGNED_AT, CLIENT, SIGNATURE];

/** How old a signed request may be (clocks of the nodes are kept close by NTP). */
const FRESH_MS = 60_000;

function mac(secret: string, parts: string[]): string {
  return createHmac('sha256', secret).update(parts.join('\n')).digest('base64url');
}

/** Headers that sign a request from node `from` to another node. */
export function signRequest(secret: string, from: string, method: string, path: string, client: string, now = Date.now()): Record<string, string> {
  const at = String(now);
  return { [SIGNED_BY]: from, [SIGNED_AT]: at, [CLIENT]: client, [SIGNATURE]: mac(secret, [from, at, client, method.toUpperCase(), path]) };
}

/** The request's headers without any channel header a client may have made up. */
export function withoutChannelHeaders(headers: IncomingHttpHeaders): IncomingHttpHeaders {
  const out = { ...headers };
  for (const h of CHANNEL_HEADERS) delete out[h];
  return out;
}

export type Signed = { from: string; client: string };

/**
 * Checks a request's signature: the sending node and the client it acts for, 'unsigned' when
 * it carries none, 'forged' when it carries a wrong or stale one.
 */
export function verifyRequest(secret: string | undefined, req: IncomingMessage, now = Date.now()): Signed | 'unsigned' | 'forged' {
  const h = req.headers;
  if (CHANNEL_HEADERS.every((name) => h[name] === undefined)) return 'unsigned';
  const [from, at, client, signature] = CHANNEL_HEADERS.map((name) => h[name]);
  if (!secret || typeof from !== 'string' || typeof at !== 'string' || typeof client !== 'string' || typeof signature !== 'string') return 'forged';
  if (!/^\d+$/.test(at) || Math.abs(now - Number(at)) > FRESH_MS) return 'forged';
  const want = Buffer.from(mac(secret, [from, at, client, (req.method ?? 'GET').toUpperCase(), req.url ?? '/']));
  const got = Buffer.from(signature);
  return want.length === got.length && timingSafeEqual(want, got) ? { from, client } : 'forged';
}
