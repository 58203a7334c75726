/**
 * The inspector's work on a whole message, as plain functions of its stored bytes, so it can
 * run on a worker thread (as the IMAP server's parsing does, see imap/mime/jobs.ts): the MIME
 * tree within the lab's limits, the header fields decoded, the Received: hops, Authentication-
 * Results and DKIM-Signature taken apart, the parts with decoded text, the raw text, and the
 * HTML for the frame or a part's bytes. Inputs and results are bytes, strings and numbers.
 *
 * A hostile message costs bounded work: the raw text and decoded parts are capped, at most
 * MAX_LISTED_PARTS parts are described, and no HTML is rendered here (see htmlPart.ts).
 */
import { parseWithin, type MimePart } from '../imap/mime/parse.js';
import type { MimeLimits } from '../imap/mime/limits.js';
import { serialize } from '../imap/response.js';
import { messageStructuresOf } from '../imap/mime/structure.js';
import { decodeHeaderValue } from '../imap/mime/text.js';
import { toWire } from '../maildir/wire.js';
import { countRemoteReferences, htmlForFrame } from './htmlPart.js';
import { bodyText, decodedBody, listParts, partAt, type PartView } from './parts.js';
import { parseAuthResults, parseDkimTags, parseHops, type AuthResults, type Hop } from './traceHeaders.js';
import { asBuffer } from '../workers/bytes.js';

/** Raw text sent to the browser at most; the whole message is a download. */
const MAX_RAW = 512 * 1024;
/** Decoded text per part, and over all parts. */
const MAX_DECODED_PART = 64 * 1024;
const MAX_DECODED_TOTAL = 1024 * 1024;

export interface HeaderView {
  name: string;
  /** As it stands in the message, folding included. */
  raw: string;
  /** Unfolded, encoded words decoded. */
  decoded: string;
  encodedWords: boolean;
}

export interface Analysis {
  headers: HeaderView[];
  hops: Hop[];
  authResults: AuthResults[];
  dkim: Array<Array<[string, string]>>;
  raw: { text: string; bytes: number; truncated: boolean };
  bodyStructure: string;
  /** Text parts also come as sent (encoded) and decoded, for the side-by-side view. */
  parts: Array<PartView & { encoded?: string; decoded?: string }>;
  totalParts: number;
  /** A MIME limit left part of the message unparsed (shown as one opaque part). */
  limited: boolean;
  rendered: {
    textSection?: string;
    htmlSection?: string;
    /** Network references in the HTML part that the frame blocks (tracking pixels and the like). */
    remoteReferences: number;
    attachments: Array<{ section: string; type: string; filename?: string; size: number }>;
  };
}

function parsed(stored: Uint8Array, limits: MimeLimits): { wire: Buffer; root: MimePart; limited: boolean } {
  const wire = toWire(asBuffer(stored));
  return { wire, ...parseWithin(wire, limits) };
}

/** Everything the inspector shows that comes from the message's bytes. */
export function analyseMessage(stored: Uint8Array, limits: MimeLimits): Analysis {
  const { wire, root, limited } = parsed(stored, limits);
  const bytes = asBuffer(stored);
  const headers = root.fields.map((f): HeaderView => {
    const raw = f.raw.toString('latin1');
    return { name: raw.slice(0, raw.indexOf(':')), raw: bodyText(f.raw, 'utf-8'), decoded: decodeHeaderValue(f.value), encodedWords: /=\?[^?\s]+\?[bBqQ]\?/.test(f.value) };
  });
  const values = (name: string): string[] => root.fields.filter((f) => f.name === name).map((f) => decodeHeaderValue(f.value));

  const { parts, total } = listParts(wire, root);
  let budget = MAX_DECODED_TOTAL;
  const described = parts.map((p) => {
    const part = partAt(root, p.section);
    if (!part || p.type.split('/')[0] !== 'text' || p.section === '' || budget <= 0) return p;
    const text = bodyText(decodedBody(wire, part).subarray(0, MAX_DECODED_PART), p.charset).slice(0, MAX_DECODED_PART);
    budget -= text.length;
    return { ...p, encoded: bodyText(wire.subarray(part.bodyStart, Math.min(part.end, part.bodyStart + MAX_DECODED_PART)), p.charset), decoded: text };
  });
  const leaves = described.filter((p) => p.section !== '' && !p.type.startsWith('multipart/') && p.type !== 'message/rfc822');
  const inline = (type: string) => leaves.find((p) => p.type === type && p.disposition !== 'attachment')?.section;
  const textSection = inline('text/plain');
  const htmlSection = inline('text/html');
  const html = htmlSection ? partAt(root, htmlSection) : undefined;

  return {
    headers,
    hops: parseHops(values('received')),
    authResults: values('authentication-results').map(parseAuthResults),
    dkim: values('dkim-signature').map(parseDkimTags),
    raw: { text: bodyText(bytes.subarray(0, MAX_RAW), 'utf-8'), bytes: bytes.length, truncated: bytes.length > MAX_RAW },
    bodyStructure: serialize(messageStructuresOf(wire, root).bodyStructure).toString('latin1'),
    parts: described,
    totalParts: total,
    limited,
    rendered: {
      ...(textSection ? { textSection } : {}),
      ...(htmlSection ? { htmlSection } : {}),
      remoteReferences: html ? countRemoteReferences(bodyText(decodedBody(wire, html), html.params.find(([k]) => k === 'charset')?.[1])) : 0,
      attachments: leaves.filter((p) => p.disposition === 'attachment' || p.filename || !p.type.startsWith('text/')).map((p) => ({ section: p.section, type: p.type, ...(p.filename ? { filename: p.filename } : {}), size: p.size })),
    },
  };
}

/** The HTML of one part for the sandboxed frame, or null when that part is not HTML. */
export function frameHtml(stored: Uint8Array, section: string, limits: MimeLimits): string | null {
  const { wire, root } = parsed(stored, limits);
  return htmlForFrame(wire, root, section) ?? null;
}

/** One part's decoded bytes and its name, or null when there is no such part. */
export function partDownload(stored: Uint8Array, section: string, limits: MimeLimits): { bytes: Uint8Array; name: string } | null {
  const { wire, root } = parsed(stored, limits);
  const part = partAt(root, section);
  if (!part) return null;
  return { bytes: new Uint8Array(decodedBody(wire, part)), name: part.params.find(([k]) => k === 'name')?.[1] ?? `part-${section}` };
}
