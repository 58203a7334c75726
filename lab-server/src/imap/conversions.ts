/**
 * The MIME conversions of BINARY and URLAUTH=BINARY, as plain functions of a message's bytes
 * (they cross threads): the stored form of a literal8 APPEND, and what URLFETCH gives for
 * (url BINARY BODYPARTSTRUCTURE). `convert` runs them here for a small message and on a worker
 * thread for a big one, so the event loop never parses megabytes.
 */
import { asBuffer } from '../workers/bytes.js';
import { mailWorkers, movableBlock } from '../workers/pool.js';
import { decodeBody } from './binary.js';
import { INLINE_BYTES } from './mime/limits.js';
import { parseMessage, type MimePart } from './mime/parse.js';
import { bodyStructureOf } from './mime/structure.js';
import { decodedForm, encodingOf, storableForm } from './mimeConvert.js';
import { serialize } from './response.js';

/** A literal8 message as it can be stored: null when it needs no change. */
export function storableMessage(bytes: Uint8Array): Uint8Array | null {
  const wire = asBuffer(bytes);
  return storableForm(wire, parseMessage(wire)) ?? null;
}

/** The part a path names, on a parsed tree: null for the whole message. */
function partByPath(root: MimePart, path: readonly number[]): MimePart | null | undefined {
  const fromMessage = (m: MimePart, n: number): MimePart | undefined => (m.children.length > 0 ? m.children[n - 1] : n === 1 ? m : undefined);
  let part: MimePart | null | undefined = null;
  for (const [i, n] of path.entries()) {
    if (i === 0) part = fromMessage(root, n);
    else if (part!.children.length > 0) part = part!.children[n - 1];
    else part = part!.message ? fromMessage(part!.message, n) : undefined;
    if (!part) return undefined;
  }
  return part;
}

/** A part's body with every base64 and quoted-printable leaf inside it decoded. */
function decodedBody(wire: Buffer, part: MimePart, relabel: boolean): Buffer | 'unknown-cte' {
  if (part.children.length === 0 && !part.message) {
    const decoded = decodeBody(wire.subarray(part.bodyStart, part.end), encodingOf(part));
    return decoded && 'data' in decoded ? decoded.data : 'unknown-cte';
  }
  // Containers keep their own header; only leaves inside change.
  return decodedForm(wire, part, relabel).subarray(part.bodyStart - part.headerStart);
}

export interface UrlParts {
  /** BODYPARTSTRUCTURE, serialised (null: the URL names no part). */
  structure?: Uint8Array | null;
  /** The content without transfer encoding (null: an encoding the server cannot undo). */
  binary?: Uint8Array | null;
}

/**
 * What URLFETCH's BINARY and BODYPARTSTRUCTURE give for the part at `path`. With BINARY the
 * structure describes the decoded content (sizes and lines of the octets sent), as Dovecot's.
 */
export function urlParts(bytes: Uint8Array, path: number[], want: { structure: boolean; binary: boolean }): UrlParts {
  const wire = asBuffer(bytes);
  const root = parseMessage(wire);
  const part = partByPath(root, path);
  if (part === undefined) return { structure: null, binary: null };
  const target = part ?? root;
  const out: UrlParts = {};
  if (want.binary) {
    const body = part ? decodedBody(wire, part, true) : decodedForm(wire, root, true);
    out.binary = body === 'unknown-cte' ? null : body;
  }
  if (want.structure) {
    let described = wire;
    let describedPart = target;
    if (want.binary) {
      const body = decodedBody(wire, target, false);
      if (body !== 'unknown-cte') {
        described = Buffer.concat([wire.subarray(target.headerStart, target.bodyStart), body]);
        describedPart = parseMessage(described);
        // Read alone, a multipart's part would pass for a message without MIME (parse.ts `plain`).
        if (!target.plain) delete describedPart.plain;
      }
    }
    out.structure = serialize(bodyStructureOf(described, describedPart, true));
  }
  return out;
}

const MODULE = new URL('./conversions.ts', import.meta.url).href;

/** The worker queue of a user's sandbox (the path of its Maildir up to vhosts/), as the MIME cache uses. */
export function laneOf(maildir: string): string {
  const at = maildir.indexOf('/vhosts/');
  return at === -1 ? maildir : maildir.slice(0, at);
}

/** Runs one of the functions above, on a worker thread when the message is big. */
export async function convert<T>(fn: 'storableMessage' | 'urlParts', args: [Uint8Array, ...unknown[]], lane: string): Promise<T> {
  const bytes = args[0];
  if (bytes.length <= INLINE_BYTES) return (fn === 'storableMessage' ? storableMessage(bytes) : urlParts(bytes, args[1] as number[], args[2] as never)) as T;
  const copy = new Uint8Array(bytes);
  return mailWorkers.run<T>({ module: MODULE, fn, args: [copy, ...args.slice(1)], lane, weight: bytes.length, transfer: movableBlock(copy) });
}
