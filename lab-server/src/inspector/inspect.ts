/**
 * Everything the message inspector shows about one message: where it is and its file name
 * taken apart (here), and what its bytes say (jobs.ts) — worked out on a worker thread for
 * anything but a small message, within the same MIME limits as the IMAP server, so a hostile
 * message never holds up the event loop that serves everyone else.
 */
import { readFile, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { INLINE_BYTES, MIME_LIMITS } from '../imap/mime/limits.js';
import { parseName } from '../maildir/names.js';
import { mailWorkers, movableBlock } from '../workers/pool.js';
import { readAuthReport } from '../world/authReports.js';
import type { Sandbox } from '../world/sandbox.js';
import * as jobs from './jobs.js';
import type { Analysis } from './jobs.js';
import type { LocatedMessage } from './locate.js';

const JOBS = new URL('./jobs.ts', import.meta.url).href;

export interface Inspection extends Analysis {
  location: { user: string; folder: string; uid: number; uidValidity: number; dir: 'new' | 'cur'; fileName: string; path: string };
  disk: {
    size: number;
    wireSize: number;
    name: { time?: string; unique?: { usec: string; pid: string; counter: string; host: string }; sizeS?: number; sizeW?: number; flags: string; keywords: string[] };
    deliveredAt: string;
    /** The last rename: the move to cur/, or the last flag change. */
    changedAt: string;
  };
  /** The mail-world report of the SPF/DKIM/DMARC steps at the last hop, if there is one. */
  authReportId?: string;
}

type JobName = 'analyseMessage' | 'frameHtml' | 'partDownload';

/** Runs one of jobs.ts's functions on the stored message: here when it is small, on a worker otherwise. */
export async function onMessage<K extends JobName>(found: LocatedMessage, fn: K, ...args: string[]): Promise<ReturnType<(typeof jobs)[K]> | undefined> {
  const stored = await found.folder.read(found.info.uid);
  if (!stored) return undefined;
  if (stored.length <= INLINE_BYTES) return (jobs[fn] as (...a: unknown[]) => ReturnType<(typeof jobs)[K]>)(stored, ...args, MIME_LIMITS);
  const lane = found.folder.dir.slice(0, Math.max(0, found.folder.dir.indexOf('/vhosts/'))) || found.folder.dir;
  return mailWorkers.run({ module: JOBS, fn, args: [stored, ...args, MIME_LIMITS], lane, weight: stored.length, transfer: movableBlock(stored) });
}

/** Keyword letters (a-z after ":2,") by the names the folder's dovecot-keywords file gives them. */
async function keywordNames(folderDir: string, letters: string): Promise<string[]> {
  if (!/[a-z]/.test(letters)) return [];
  let names: string[] = [];
  try {
    const file = await readFile(join(folderDir, 'dovecot-keywords'), 'utf8');
    names = file
      .split('\n')
      .map((l) => /^(\d+)\s+(.+)$/.exec(l))
      .filter((m): m is RegExpExecArray => !!m)
      .sort((a, b) => Number(a[1]) - Number(b[1]))
      .map((m) => m[2]!);
  } catch {
    // No keyword file: the letters are shown as they are.
  }
  return [...letters].filter((c) => /[a-z]/.test(c)).map((c) => names[c.charCodeAt(0) - 97] ?? c);
}

export async function inspectMessage(sandbox: Sandbox, found: LocatedMessage): Promise<Inspection | undefined> {
  const { folder, info } = found;
  const analysis = await onMessage(found, 'analyseMessage');
  if (!analysis) return undefined;
  const path = join(folder.dir, info.dir, info.fileName);
  const st = await stat(path).catch(() => undefined);
  const parsed = parseName(info.fileName);
  const unique = /^(\d+)\.M(\d+)P(\d+)Q(\d+)\.([^,]+)/.exec(parsed.base);
  const lastHopId = analysis.hops[0]?.id;
  const authReportId = lastHopId && (await readAuthReport(sandbox, lastHopId)) ? lastHopId : undefined;
  return {
    ...analysis,
    location: { user: found.address, folder: found.folderName, uid: info.uid, uidValidity: folder.uidValidity, dir: info.dir, fileName: info.fileName, path: relative(sandbox.dir, path) },
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
    ...(authReportId ? { authReportId } : {}),
  };
}
