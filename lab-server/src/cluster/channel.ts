/**
 * The nodes' internal channel: a request one node sends another (a forwarded page, terminal or
 * grading request; a drain's copy) carries who sent it, to which node, when, a nonce, for which
 * client, and the SHA-256 of its body, with an HMAC-SHA256 under the cluster's shared secret of
 * all that, the request line and the client headers a node acts on (cookie, origin,
 * content-type). A node takes a request as coming from another node only when it is addressed
 * to it, signed within the last minute and not seen before (its nonce is remembered for that
 * minute), and its body is read only if it hashes to what was signed (http/body.ts checks).
 * The channel is authenticated, not encrypted: run it on a private network or behind TLS.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';

export const SIGNED_BY = 'x-maillab-node';
const SIGNED_AT = 'x-maillab-node-time';
const NONCE = 'x-maillab-node-nonce';
const SIGNED_TO = 'x-maillab-node-to';
const CLIENT = 'x-maillab-node-client';
const BODY = 'x-maillab-node-body';
const SIGNATURE = 'x-maillab-node-signature';
const CHANNEL_HEADERS = [SIGNED_BY, SIGNED_AT, NONCE, SIGNED_TO, CLIENT, BODY, SIGNATURE];
/** The client's headers the receiving node acts on: who is logged in, the page (CSRF), the body's type. */
const COVERED_HEADERS = ['cookie', 'origin', 'content-type'];

/** How old a signed request may be (clocks of the nodes are kept close by NTP). */
const FRESH_MS = 60_000;

export function bodyDigest(body: Buffer | string): string {
  return createHash('sha256').update(body).digest('base64url');
}

/** What a node signs: the request as it will arrive at `to`. */
export interface Outgoing {
  from: string;
  to: string;
  method: string;
  path: string;
  client: string;
  body?: Buffer | string;
  /** The headers sent along (a forwarded request's client headers); only COVERED_HEADERS count. */
  headers?: IncomingHttpHeaders;
}

function covered(headers: IncomingHttpHeaders | undefined): string[] {
  return COVERED_HEADERS.map((name) => {
    const value = headers?.[name];
    return `${name}:${Array.isArray(value) ? value.join(', ') : (value ?? '')}`;
  });
}

function mac(secret: string, parts: string[]): string {
  return createHmac('sha256', secret).update(parts.join('\n')).digest('base64url');
}

/** Headers that sign a request from one node to another. */
export function signRequest(secret: string, o: Outgoing, now = Date.now()): Record<string, string> {
  const at = String(now);
  const nonce = randomBytes(16).toString('base64url');
  const body = bodyDigest(o.body ?? '');
  const signature = mac(secret, [o.from, o.to, at, nonce, o.client, o.method.toUpperCase(), o.path, ...covered(o.headers), body]);
  return { [SIGNED_BY]: o.from, [SIGNED_TO]: o.to, [SIGNED_AT]: at, [NONCE]: nonce, [CLIENT]: o.client, [BODY]: body, [SIGNATURE]: signature };
}

/** The request's headers without any channel header a client may have made up. */
export function withoutChannelHeaders(headers: IncomingHttpHeaders): IncomingHttpHeaders {
  const out = { ...headers };
  for (const h of CHANNEL_HEADERS) delete out[h];
  return out;
}

/**
 * The nonces of the signed requests a node took in the last minute, so a request seen once
 * (captured and sent again) is refused. Bounded: past `max` the oldest go first, which only a
 * flood from the nodes themselves could reach.
 */
export class NonceBook {
  private readonly seen = new Map<string, number>();

  constructor(private readonly max = 200_000) {}

  /** True the first time a nonce is offered; false when it was taken before. */
  take(nonce: string, staleAt: number, now: number): boolean {
    for (const [old, stale] of this.seen) {
      if (stale > now) break;
      this.seen.delete(old);
    }
    if (this.seen.has(nonce)) return false;
    if (this.seen.size >= this.max) this.seen.delete(this.seen.keys().next().value!);
    this.seen.set(nonce, staleAt);
    return true;
  }
}

/** A request another node signed: who sent it, the client it acts for, the digest its body must have. */
export type Signed = { from: string; client: string; body: string };

export interface Receiver {
  secret: string | undefined;
  /** This node's id: a request signed for another node is refused here. */
  self: string;
  nonces: NonceBook;
}

/**
 * Checks a request's signature: the sending node and the client it acts for, 'unsigned' when
 * it carries none, 'forged' when it carries a wrong, stale, misaddressed or replayed one.
 */
export function verifyRequest(r: Receiver, req: IncomingMessage, now = Date.now()): Signed | 'unsigned' | 'forged' {
  const h = req.headers;
  if (CHANNEL_HEADERS.every((name) => h[name] === undefined)) return 'unsigned';
  const [from, at, nonce, to, client, body, signature] = CHANNEL_HEADERS.map((name) => h[name]);
  if (!r.secret || [from, at, nonce, to, client, body, signature].some((v) => typeof v !== 'string')) return 'forged';
  if (to !== r.self || !/^\d+$/.test(at as string) || Math.abs(now - Number(at)) > FRESH_MS) return 'forged';
  const parts = [from, to, at, nonce, client, (req.method ?? 'GET').toUpperCase(), req.url ?? '/', ...covered(h), body] as string[];
  const want = Buffer.from(mac(r.secret, parts));
  const got = Buffer.from(signature as string);
  if (want.length !== got.length || !timingSafeEqual(want, got)) return 'forged';
  // Only a genuine signature spends its nonce, so nobody can spend another's in advance.
  if (!r.nonces.take(nonce as string, Number(at) + FRESH_MS, now)) return 'forged';
  return { from: from as string, client: client as string, body: body as string };
}
