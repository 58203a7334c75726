/**
 * Who a web request really comes from. Behind a reverse proxy every request arrives from the
 * proxy's address; only when that peer is trusted (--trust-proxy) does X-Forwarded-For (or,
 * without it, Forwarded) name the client: the right-most address that is not itself a trusted
 * proxy, since everything left of it could have been written by the client.
 */
import type { IncomingMessage } from 'node:http';
import { isIP } from 'node:net';
import { TLSSocket } from 'node:tls';
import { AddressList, plainAddress } from '../net/addressList.js';

/** "for=" values of an RFC 7239 Forwarded header, without quotes, brackets or ports. */
function forwardedFor(header: string): string[] {
  const out: string[] = [];
  for (const element of header.split(',')) {
    for (const pair of element.split(';')) {
      const eq = pair.indexOf('=');
      if (eq < 0 || pair.slice(0, eq).trim().toLowerCase() !== 'for') continue;
      out.push(nodeAddress(pair.slice(eq + 1).trim().replace(/^"|"$/g, '')));
    }
  }
  return out;
}

/** "[2001:db8::1]:4711" -> "2001:db8::1", "192.0.2.1:80" -> "192.0.2.1". */
function nodeAddress(node: string): string {
  const bracketed = /^\[([^\]]+)\]/.exec(node);
  if (bracketed) return bracketed[1]!;
  if (isIP(node)) return node;
  return node.replace(/:\d+$/, '');
}

function headerValue(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v.join(',') : v;
}

export class ProxyTrust {
  constructor(readonly proxies: AddressList = new AddressList([])) {}

  /** True when the request came straight from a trusted proxy. */
  viaProxy(req: IncomingMessage): boolean {
    return this.proxies.has(req.socket.remoteAddress);
  }

  /** The client's address, for limits and the audit log. */
  clientAddress(req: IncomingMessage): string {
    const peer = plainAddress(req.socket.remoteAddress ?? 'unknown');
    if (!this.viaProxy(req)) return peer;
    const xff = headerValue(req, 'x-forwarded-for');
    const forwarded = headerValue(req, 'forwarded');
    const chain = xff !== undefined ? xff.split(',').map((s) => nodeAddress(s.trim())) : forwarded !== undefined ? forwardedFor(forwarded) : [];
    for (let i = chain.length - 1; i >= 0; i--) {
      const hop = chain[i]!;
      if (!this.proxies.has(hop)) return hop ? plainAddress(hop) : peer;
    }
    // Every hop is a trusted proxy: the left-most is as close to the client as we can know.
    return chain[0] ? plainAddress(chain[0]) : peer;
  }

  /** The scheme the browser used: https on a TLS socket, or when a trusted proxy says so. */
  scheme(req: IncomingMessage): 'http' | 'https' {
    if (req.socket instanceof TLSSocket) return 'https';
    if (!this.viaProxy(req)) return 'http';
    const proto = headerValue(req, 'x-forwarded-proto') ?? /(?:^|[;,\s])proto=([a-z]+)/i.exec(headerValue(req, 'forwarded') ?? '')?.[1];
    return proto?.split(',').pop()?.trim().toLowerCase() === 'https' ? 'https' : 'http';
  }
}
