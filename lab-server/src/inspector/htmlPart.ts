/**
 * The HTML part of a message, made ready for the inspector's sandboxed frame: images the
 * message carries itself (cid: references to its own parts) become data: URLs, and references
 * to anything on the network are counted — the frame's Content-Security-Policy blocks them,
 * which is exactly what a careful mail client does, because loading a remote image tells the
 * sender when and where the message was opened (a tracking pixel).
 */
import type { MimePart } from '../imap/mime/parse.js';
import { bodyText, decodedBody, listParts, partAt } from './parts.js';

/** Embedded images turned into data: URLs at most, each and in all. */
const MAX_INLINE_IMAGE = 512 * 1024;
const MAX_INLINE_TOTAL = 4 * 1024 * 1024;

/** Remote references a browser would load: src/href/background attributes and CSS url(). */
const REMOTE = /\b(?:src|background|href|poster|srcset|action)\s*=\s*["']?\s*(?:https?:)?\/\/|url\(\s*["']?\s*(?:https?:)?\/\//gi;

export function countRemoteReferences(html: string): number {
  return html.match(REMOTE)?.length ?? 0;
}

/** The HTML of `section`, its cid: images inlined. */
export function htmlForFrame(wire: Buffer, root: MimePart, section: string): string | undefined {
  const part = partAt(root, section);
  if (!part || part.type !== 'text' || part.subtype !== 'html') return undefined;
  const charset = part.params.find(([k]) => k === 'charset')?.[1];
  let html = bodyText(decodedBody(wire, part), charset);
  const images = new Map<string, MimePart>();
  for (const p of listParts(wire, root).parts) {
    if (p.contentId && p.type.startsWith('image/')) images.set(p.contentId.toLowerCase(), partAt(root, p.section)!);
  }
  let budget = MAX_INLINE_TOTAL;
  html = html.replace(/cid:([^"'\s)>]+)/gi, (whole, id: string) => {
    const image = images.get(decodeURIComponent(id).toLowerCase());
    if (!image) return whole;
    const bytes = decodedBody(wire, image);
    if (bytes.length > MAX_INLINE_IMAGE || bytes.length > budget) return whole;
    budget -= bytes.length;
    const type = `${image.type}/${image.subtype}`.replace(/[^a-z0-9/.+-]/g, '');
    return `data:${type};base64,${bytes.toString('base64')}`;
  });
  return html;
}
