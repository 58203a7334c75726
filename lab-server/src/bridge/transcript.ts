/**
 * Session transcripts: every line a learner's terminal sent (C:) and received (S:), with
 * timestamps, stored with the sandbox so protocol exercises are graded from what really
 * happened. One JSON Lines file per terminal session:
 *   <sandbox dir>/transcripts/<session id>.jsonl
 * The first line describes the session, each further line is one protocol line.
 */
import { appendFile, mkdir, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
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
 * Appends to one session's transcript. Lines that arrive while a write is under way are
 * gathered and written together, in order, so a busy terminal costs few writes.
 */
export class TranscriptWriter {
  private pending: string[] = [];
  private writing: Promise<void>;
  private readonly file: string;

  constructor(sandbox: Sandbox, header: TranscriptHeader) {
    const dir = transcriptsDir(sandbox);
    this.file = join(dir, `${header.session}.jsonl`);
    this.writing = mkdir(dir, { recursive: true })
      .then(() => appendFile(this.file, JSON.stringify(header) + '\n'))
      .catch(() => undefined);
  }

  add(dir: TranscriptLine['dir'], text: string, tls: boolean): void {
    const line: TranscriptLine = { t: new Date().toISOString(), dir, text };
    if (tls) line.tls = true;
    this.pending.push(JSON.stringify(line) + '\n');
    if (this.pending.length === 1) this.writing = this.writing.then(() => this.writePending());
  }

  /** Resolves when every line added so far is on disk. */
  async flush(): Promise<void> {
    while (this.pending.length > 0) await this.writing;
    await this.writing;
  }

  private async writePending(): Promise<void> {
    const batch = this.pending.join('');
    this.pending = [];
    await appendFile(this.file, batch).catch(() => undefined);
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
