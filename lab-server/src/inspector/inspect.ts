/**
 * Everything the message inspector shows about one message, from the same store and MIME code
 * the IMAP server uses (so sizes, lines, section numbers and BODYSTRUCTURE are what IMAP says):
 * the file on disk and its name taken apart, the header fields (encoded words decoded), the
 * Received: hops, Authentication-Results and DKIM-Signature taken apart, the raw text, the
 * MIME parts with decoded text side by side, and what the rendered view needs.
 *
 * A hostile message costs bounded work: the raw text and decoded parts are capped, at most
 * MAX_LISTED_PARTS parts are described, and the HTML is never rendered here (see htmlPart.ts).
 */
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { messageView } from '../imap/mime/cache.js';
import { serialize } from '../imap/response.js';
import { bodyStructureOf } from '../imap/mime/structure.js';
import { decodeHeaderValue } from '../imap/mime/text.js';
import { displayPath } from '../maildir/snapshot.js';
import { parseName } from '../maildir/names.js';
import { readAuthReport } from '../smtp/authReports.js';
import type { Sandbox } from '../world/sandbox.js';
import { countRemoteReferences } from './htmlPart.js';
import type { LocatedMessage } from './locate.js';
import { bodyText, decodedBody, listParts, partAt, type PartView } from './parts.js';
import { parseAuthResults, parseDkimTags, parseHops, type AuthResults, type Hop } from './traceHeaders.js';

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

export interface Inspection {
  location: { user: string; folder: string; uid: number; uidValidity: number; dir: 'new' | 'cur'; fileName: string; path: string };
  disk: {
    size: number;
    wireSize: number;
    name: { time?: string; unique?: { usec: string; pid: string; counter: string; host: string }; sizeS?: number; sizeW?: number; flags: string; keywords: string[] };
    deliveredAt: string;
    /** The last rename: the move to cur/, or the last flag change. */
    changedAt: string;
  };
  headers: HeaderView[];
  hops: Hop[];
  authResults: AuthResults[];
  dkim: Array<Array<[string, string]>>;
  /** The mail-world report of the SPF/DKIM/DMARC steps at the last hop, if there is one. */
  authReportId?: string;
  raw: { text: string; bytes: number; truncated: boolean };
  bodyStructure: string;
  parts: Array<PartView & { decoded?: string }>;
  totalParts: number;
  rendered: {
    textSection?: string;
    htmlSection?: string;
    /** Network references in the HTML part that the frame blocks (tracking pixels and the like). */
    remoteReferences: number;
    attachments: Array<{ section: string; type: string; filename?: string; size: number }>;
  };
}

/** Keyword letters (a-z after ":2,") by the names the folder's dovecot-keywords file gives them. */
async function keywordNames(folderDir: string, letters: string): Promise<string[]> {
  if (!/[a-z]/.test(letters)) return [];
  let names: string[] = [];
  try {
    const file = await readFile(join(folderDir, 'dovecot-keywords'), 'utf8');
    names = file.split('\n').map((l) => /^(\d+)\s+(.+)$/.exec(l)).filter((m): m is RegExpExecArray => !!m).sort((a, b) => Number(a[1]) - Number(b[1])).map((m) => m[2]!);
  } catch {
    // No keyword file: the letters are shown as they are.
  }
  return [...letters].filter((c) => /[a-z]/.test(c)).map((c) => names[c.charCodeAt(0) - 97] ?? c);
}

export async function inspectMessage(sandbox: Sandbox, found: LocatedMessage): Promise<Inspection | undefined> {
  const { folder, info } = found;
  const view = await messageView(folder, info);
  const stored = await folder.read(info.uid);
  if (!view || !stored) return undefined;
  const { wire, root } = view;
  const path = join(folder.dir, info.dir, info.fileName);
  const st = await stat(path).catch(() => undefined);
  const parsed = parseName(info.fileName);
  const unique = /^(\d+)\.M(\d+)P(\d+)Q(\d+)\.([^,]+)/.exec(parsed.base);

  const headers = root.fields.map((f): HeaderView => {
    const raw = f.raw.toString('latin1');
    return { name: raw.slice(0, raw.indexOf(':')), raw: bodyText(f.raw, 'utf-8'), decoded: decodeHeaderValue(f.value), encodedWords: /=\?[^?\s]+\?[bBqQ]\?/.test(f.value) };
  });
  const values = (name: string): string[] => root.fields.filter((f) => f.name === name).map((f) => decodeHeaderValue(f.value));
  const hops = parseHops(values('received'));
  const lastHopId = hops[0]?.id;
  const authReportId = lastHopId && (await readAuthReport(sandbox, lastHopId)) ? lastHopId : undefined;

  const { parts, total } = listParts(wire, root);
  let budget = MAX_DECODED_TOTAL;
  const described = parts.map((p) => {
    const part = partAt(root, p.section);
    if (!part || p.type.split('/')[0] !== 'text' || p.section === '' || budget <= 0) return p;
    const text = bodyText(decodedBody(wire, part).subarray(0, MAX_DECODED_PART), p.charset).slice(0, MAX_DECODED_PART);
    budget -= text.length;
    return { ...p, decoded: text };
  });
  const leaves = described.filter((p) => p.section !== '' && !p.type.startsWith('multipart/') && p.type !== 'message/rfc822');
  const inline = (type: string) => leaves.find((p) => p.type === type && p.disposition !== 'attachment')?.section;
  const htmlSection = inline('text/html');
  const html = htmlSection ? partAt(root, htmlSection) : undefined;

  return {
    location: { user: found.address, folder: found.folderName, uid: info.uid, uidValidity: folder.uidValidity, dir: info.dir, fileName: info.fileName, path: displayPath(path) },
    disk: {
      size: info.size,
      wireSize: info.wireSize,
      name: {
        ...(unique ? { time: new Date(Number(unique[1]) * 1000).toISOString(), unique: { usec: unique[2]!, pid: unique[3]!, counter: unique[4]!, host: unique[5]! } } : {}),
        ...(parsed.size !== undefined ? { sizeS: parsed.size } : {}),
        ...(parsed.wireSize !== undefined ? { sizeW: parsed.wireSize } : {}),
        flags: parsed.flags.replace(/[a-z]/g, ''),
        keywords: await keywordNames(folder.dir, parsed.flags),
      },
      deliveredAt: info.internalDate.toISOString(),
      changedAt: (st?.ctime ?? info.internalDate).toISOString(),
    },
    headers,
    hops,
    authResults: values('authentication-results').map(parseAuthResults),
    dkim: values('dkim-signature').map(parseDkimTags),
    ...(authReportId ? { authReportId } : {}),
    raw: { text: bodyText(stored.subarray(0, MAX_RAW), 'utf-8'), bytes: stored.length, truncated: stored.length > MAX_RAW },
    bodyStructure: serialize(bodyStructureOf(wire, root, true)).toString('latin1'),
    parts: described,
    totalParts: total,
    rendered: {
      ...(inline('text/plain') ? { textSection: inline('text/plain') } : {}),
      ...(htmlSection ? { htmlSection } : {}),
      remoteReferences: html ? countRemoteReferences(bodyText(decodedBody(wire, html), html.params.find(([k]) => k === 'charset')?.[1])) : 0,
      attachments: leaves.filter((p) => p.disposition === 'attachment' || p.filename || !p.type.startsWith('text/')).map((p) => ({ section: p.section, type: p.type, ...(p.filename ? { filename: p.filename } : {}), size: p.size })),
    },
  };
}
