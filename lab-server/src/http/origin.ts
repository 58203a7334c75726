/**
 * The site's own origin, for the CSRF check on API writes and the same-origin check on
 * terminal WebSockets: scheme, host and port of the public URL when one is set, else of the
 * Host header with the scheme the browser used (https behind a trusted TLS proxy).
 */
import type { IncomingMessage } from 'node:http';
import type { ProxyTrust } from './clientAddress.js';

export class SiteOrigin {
  private readonly fixed: string | undefined;

  constructor(
    publicUrl: string | undefined,
    private readonly proxies: ProxyTrust,
  ) {
    this.fixed = publicUrl ? new URL(publicUrl).origin : undefined;
  }

  /** "https://mail-lab.school.example", or undefined without a usable Host header. */
  of(req: IncomingMessage): string | undefined {
    if (this.fixed) return this.fixed;
    const host = req.headers.host;
    if (!host) return undefined;
    try {
      return new URL(`${this.proxies.scheme(req)}://${host}`).origin;
    } catch {
      return undefined;
    }
  }

  /** True when the request's Origin header names exactly this site. */
  matches(req: IncomingMessage): boolean {
    const origin = req.headers.origin;
    const own = this.of(req);
    if (!origin || !own) return false;
    try {
      return new URL(origin).origin === own;
    } catch {
      return false;
    }
  }
}
