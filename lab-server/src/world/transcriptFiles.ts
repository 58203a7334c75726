/**
 * A sandbox's transcript files as a shelf: listed by age, pruned oldest first when they take
 * more than the budget, and read a page at a time for the instructor's view, so no response
 * and no read grows with what a learner has typed.
 */
import { createReadStream } from 'node:fs';
import { open, readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Sandbox } from './sandbox.js';
import { SESSION_BYTES, type Transcript, type TranscriptHeader, type TranscriptLine } from './transcriptRecord.js';

/** Sessions a sandbox keeps at most, however small. */
export const MAX_SESSIONS = 500;
/** Most lines, and bytes of lines, one page of a transcript holds. */
export const PAGE_LINES = 200;
const PAGE_BYTES = 256 * 1024;
/** A line longer than this is cut in a page (the file keeps it whole). */
const PAGE_LINE_CHARS = 4000;

const SESSION_FILE = /^([0-9a-f-]{36})\.jsonl$/;

export interface TranscriptFile {
  session: string;
  path: string;
  bytes: number;
  modifiedMs: number;
}

export function transcriptsDir(sandbox: Sandbox): string {
  return join(sandbox.dir, 'transcripts');
}

/** Every transcript file of a sandbox, oldest first. */
export async function listTranscriptFiles(sandbox: Sandbox): Promise<TranscriptFile[]> {
  let names: string[];
  try {
    names = await readdir(transcriptsDir(sandbox));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const files = await Promise.all(
    names.map(async (name) => {
      const session = SESSION_FILE.exec(name)?.[1];
      if (!session) return undefined;
      const path = join(transcriptsDir(sandbox), name);
      const st = await stat(path).catch(() => undefined);
      return st ? { session, path, bytes: st.size, modifiedMs: st.mtimeMs } : undefined;
    }),
  );
  return files.filter((f): f is TranscriptFile => f !== undefined).sort((a, b) => a.modifiedMs - b.modifiedMs);
}

/** Removes the oldest transcripts until the rest take at most `keepBytes` (the session `keep` stays). */
export async function pruneTranscripts(sandbox: Sandbox, keepBytes: number, keep: string): Promise<void> {
  const files = await listTranscriptFiles(sandbox);
  let total = files.reduce((n, f) => n + f.bytes, 0);
  let count = files.length;
  for (const file of files) {
    if (total <= keepBytes && count < MAX_SESSIONS) break;
    if (file.session === keep) continue;
    await rm(file.path, { force: true });
    sandbox.usage.add(-file.bytes);
    total -= file.bytes;
    count--;
  }
}

export interface TranscriptSummary extends TranscriptHeader {
  bytes: number;
  /** When the last line was written. */
  lastAt: string;
}

/** One page of a sandbox's sessions, newest first: what each was, not what it said. */
export async function transcriptSummaries(sandbox: Sandbox, offset: number, limit: number): Promise<{ sessions: TranscriptSummary[]; total: number }> {
  const files = (await listTranscriptFiles(sandbox)).reverse();
  const page = files.slice(offset, offset + limit);
  const sessions = await Promise.all(
    page.map(async (f): Promise<TranscriptSummary> => {
      const header = (await firstLine(f.path)) ?? { session: f.session, service: 'smtp', startedAt: new Date(f.modifiedMs).toISOString() };
      return { ...header, session: f.session, bytes: f.bytes, lastAt: new Date(f.modifiedMs).toISOString() };
    }),
  );
  return { sessions, total: files.length };
}

async function firstLine(path: string): Promise<TranscriptHeader | undefined> {
  const handle = await open(path, 'r').catch(() => undefined);
  if (!handle) return undefined;
  try {
    const { buffer, bytesRead } = await handle.read({ buffer: Buffer.alloc(4096) });
    const line = buffer.toString('utf8', 0, bytesRead).split('\n')[0]!;
    const header = JSON.parse(line) as TranscriptHeader;
    return typeof header.session === 'string' ? header : undefined;
  } catch {
    return undefined;
  } finally {
    await handle.close();
  }
}

export interface TranscriptPage {
  header: TranscriptHeader;
  lines: Array<TranscriptLine & { cut?: true }>;
  /** The line to ask for next, when there are more. */
  next?: number;
}

/**
 * Lines [from, from + limit) of one session, read as a stream: a page is at most PAGE_LINES
 * lines and PAGE_BYTES, whatever the file holds. Undefined when there is no such session.
 */
export async function transcriptPage(sandbox: Sandbox, session: string, from: number, limit: number): Promise<TranscriptPage | undefined> {
  if (!/^[0-9a-f-]{36}$/.test(session)) return undefined;
  const path = join(transcriptsDir(sandbox), `${session}.jsonl`);
  const input = createReadStream(path, { encoding: 'utf8' });
  const opened = await new Promise<boolean>((resolve) => {
    input.once('open', () => resolve(true));
    input.once('error', () => resolve(false));
  });
  if (!opened) return undefined;
  const rows = createInterface({ input, crlfDelay: Infinity });
  let header: TranscriptHeader | undefined;
  const lines: TranscriptPage['lines'] = [];
  let index = -1;
  let bytes = 0;
  let next: number | undefined;
  try {
    for await (const row of rows) {
      if (!header) {
        header = JSON.parse(row) as TranscriptHeader;
        continue;
      }
      index++;
      if (index < from) continue;
      if (lines.length >= Math.min(limit, PAGE_LINES) || bytes >= PAGE_BYTES) {
        next = index;
        break;
      }
      const line = JSON.parse(row) as TranscriptLine;
      const shown = line.text.length > PAGE_LINE_CHARS ? { ...line, text: line.text.slice(0, PAGE_LINE_CHARS), cut: true as const } : line;
      lines.push(shown);
      bytes += shown.text.length;
    }
  } catch {
    // A damaged line ends the page; what was read is shown.
  } finally {
    rows.close();
    input.destroy();
  }
  if (!header) return undefined;
  return { header, lines, ...(next !== undefined ? { next } : {}) };
}

/** Every transcript of a sandbox, oldest first, each read up to its recording limit. Damaged lines are skipped. */
export async function readTranscripts(sandbox: Sandbox): Promise<Transcript[]> {
  const transcripts: Transcript[] = [];
  for (const file of await listTranscriptFiles(sandbox)) {
    // A file written before there was a limit may be huge: only its start is read.
    const handle = await open(file.path, 'r').catch(() => undefined);
    if (!handle) continue;
    let text: string;
    try {
      const { buffer, bytesRead } = await handle.read({ buffer: Buffer.alloc(Math.min(file.bytes, SESSION_BYTES + 64 * 1024)) });
      text = buffer.toString('utf8', 0, bytesRead);
    } finally {
      await handle.close();
    }
    const parsed = text.split('\n').flatMap((row) => {
      try {
        return row ? [JSON.parse(row) as unknown] : [];
      } catch {
        return [];
      }
    });
    const [header, ...lines] = parsed as [TranscriptHeader, ...TranscriptLine[]];
    if (header && typeof header.session === 'string') transcripts.push({ header, lines });
  }
  return transcripts.sort((a, b) => a.header.startedAt.localeCompare(b.header.startedAt));
}
