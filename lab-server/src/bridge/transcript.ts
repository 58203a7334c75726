/**
 * Session transcripts: every line a learner's terminal sent (C:) and received (S:), with
 * timestamps, stored with the sandbox so protocol exercises are graded from what really
 * happened. One JSON Lines file per terminal session:
 *   <sandbox dir>/transcripts/<session id>.jsonl
 * The first line describes the session, each further line is one protocol line.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AppendLog } from '../files/appendLog.js';
import type { ServiceId } from '../services.js';
import type { Sandbox } from '../world/sandbox.js';

export interface TranscriptHeader {
  session: string;
  service: ServiceId;
  startedAt: string;
  /** Who opened the terminal (learner id), when known. */
  owner?: string;
}

export interface TranscriptLine {
  /** ISO timestamp. */
  t: string;
  /** C = client (what the learner sent), S = server, I = information from the bridge (TLS). */
  dir: 'C' | 'S' | 'I';
  text: string;
  /** True once the connection is encrypted (after STARTTLS/STLS or on implicit TLS). */
  tls?: boolean;
}

export interface Transcript {
  header: TranscriptHeader;
  lines: TranscriptLine[];
}

export function transcriptsDir(sandbox: Sandbox): string {
  return join(sandbox.dir, 'transcripts');
}

/**
 * Appends to one session's transcript. Lines typed in the same moment are written together
 * (a busy classroom writes many lines a second) and the file is closed while the learner
 * pauses, so hundreds of idle terminals hold no descriptors.
 */
export class TranscriptWriter {
  private readonly log: AppendLog;
  private closed = false;

  constructor(sandbox: Sandbox, header: TranscriptHeader) {
    this.log = new AppendLog(join(transcriptsDir(sandbox), `${header.session}.jsonl`), Infinity);
    this.write(header);
  }

  add(dir: TranscriptLine['dir'], text: string, tls: boolean): void {
    const line: TranscriptLine = { t: new Date().toISOString(), dir, text };
    if (tls) line.tls = true;
    if (!this.closed) this.write(line);
  }

  /** Writes what is pending and closes the file; resolves when it is on disk. */
  close(): Promise<void> {
    this.closed = true;
    return this.log.close();
  }

  private write(entry: TranscriptHeader | TranscriptLine): void {
    // A transcript that cannot be written must not break the learner's session.
    this.log.append(JSON.stringify(entry)).catch(() => undefined);
  }
}

/** Every transcript of a sandbox, oldest first. Damaged lines are skipped. */
export async function readTranscripts(sandbox: Sandbox): Promise<Transcript[]> {
  let names: string[];
  try {
    names = (await readdir(transcriptsDir(sandbox))).filter((n) => n.endsWith('.jsonl'));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const transcripts: Transcript[] = [];
  for (const name of names) {
    const rows = (await readFile(join(transcriptsDir(sandbox), name), 'utf8')).split('\n').filter(Boolean);
    const parsed = rows.flatMap((row) => {
      try {
        return [JSON.parse(row) as unknown];
      } catch {
        return [];
      }
    });
    const [header, ...lines] = parsed as [TranscriptHeader, ...TranscriptLine[]];
    if (header && typeof header.session === 'string') transcripts.push({ header, lines });
  }
  return transcripts.sort((a, b) => a.header.startedAt.localeCompare(b.header.startedAt));
}
