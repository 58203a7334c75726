/**
 * Security headers. Every response: nosniff, no framing, the referrer only to this site, and
 * a Content-Security-Policy that allows nothing (JSON needs nothing). Pages get a policy of
 * their own: scripts only from this site plus the page's own inline scripts by their SHA-256
 * (Astro inlines its island loader and small page scripts), so no 'unsafe-inline' for
 * scripts; styles may be inline (Svelte, xterm and mermaid set them); WebSockets to this site.
 * The hashes are read from each built page once and kept until the file changes.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';

const COMMON: Record<string, string> = {
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'same-origin',
  'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
};

export function setCommonHeaders(res: ServerResponse): void {
  for (const [name, value] of Object.entries(COMMON)) res.setHeader(name, value);
}

/** The SHA-256 sources of a page's inline scripts, as CSP writes them. */
export function inlineScriptHashes(html: string): string[] {
  const hashes = new Set<string>();
  for (const m of html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script\s*>/gi)) {
    if (/\ssrc\s*=/i.test(m[1]!)) continue;
    // The HTML parser turns CRLF into LF before the browser hashes the script text.
    const body = m[2]!.replace(/\r\n?/g, '\n');
    hashes.add(`'sha256-${createHash('sha256').update(body, 'utf8').digest('base64')}'`);
  }
  return [...hashes].sort();
}

export function pagePolicy(scriptHashes: readonly string[]): string {
  return [
    "default-src 'self'",
    `script-src 'self'${scriptHashes.map((h) => ` ${h}`).join('')}`,
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "font-src 'self' data:",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/** Page policies by file, recomputed when a rebuilt site changes the file. */
export class PagePolicies {
  private readonly cache = new Map<string, { mtimeMs: number; size: number; policy: string }>();

  async forFile(path: string, info: { mtimeMs: number; size: number }): Promise<string> {
    const cached = this.cache.get(path);
    if (cached && cached.mtimeMs === info.mtimeMs && cached.size === info.size) return cached.policy;
    const policy = pagePolicy(inlineScriptHashes(await readFile(path, 'utf8')));
    this.cache.set(path, { mtimeMs: info.mtimeMs, size: info.size, policy });
    return policy;
  }
}
