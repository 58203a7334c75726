/**
 * Session transcripts: every line a learner's terminal sent (C:) and received (S:), with
 * timestamps, stored with the sandbox so protocol exercises are graded from what really
 * happened. One JSON Lines file per terminal session:
 *   <sandbox dir>/transcripts/<session id>.jsonl
 * The first line describes the session, each further line is one protocol line.
 */
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
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
 * Appends to one session's transcript through one open file (a busy classroom writes many
 * lines a second; opening the file per line would cost three system calls each).
 */
export class TranscriptWriter {
  private readonly stream: WriteStream;

  constructor(sandbox: Sandbox, header: TranscriptHeader) {
    const dir = transcriptsDir(sandbox);
    mkdirSync(dir, { recursive: true });
    this.stream = createWriteStream(join(dir, `${header.session}.jsonl`), { flags: 'a' });
    this.stream.on('error', () => undefined);
    this.stream.write(JSON.stringify(header) + '\n');
  }

  add(dir: TranscriptLine['dir'], text: string, tls: boolean): void {
    const line: TranscriptLine = { t: new Date().toISOString(), dir, text };
    if (tls) line.tls = true;
    if (!this.stream.writableEnded) this.stream.write(JSON.stringify(line) + '\n');
  }

  /** Writes what is buffered and closes the file; resolves when it is on disk. */
  close(): Promise<void> {
    return new Promise((resolve) => {
      if (this.stream.writableFinished || this.stream.destroyed) return resolve();
      this.stream.end(() => resolve());
      this.stream.once('error', () => resolve());
    });
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
