/**
 * The changes made to a folder since its index file was written (`maillab-index.log`), like
 * Dovecot's dovecot.index.log: one line per change, appended before any client is told of it,
 * so a crash never loses a modification sequence a client has seen.
 *
 *   m <modseq> <uid> <flags or ->   a message arrived or its flags changed
 *   x <modseq> <uids>               messages were expunged
 *   r <uid>                         messages below this UID are no longer \Recent
 *
 * Writing the index file empties the log. Lines with a modseq the index file already has are
 * skipped when the log is read back, so a crash between the two is harmless.
 */
import { readFile, truncate } from 'node:fs/promises';
import { join } from 'node:path';
import { appendWhole } from '../files/diskSpace.js';
import { compactUids, expandUids } from './uidRanges.js';

export const LOG_FILE = 'maillab-index.log';

export type LogEntry =
  | { kind: 'm'; modseq: number; uid: number; flags: string }
  | { kind: 'x'; modseq: number; uids: number[] }
  | { kind: 'r'; uid: number };

export function logLine(entry: LogEntry): string {
  switch (entry.kind) {
    case 'm':
      return `m ${entry.modseq} ${entry.uid} ${entry.flags || '-'}\n`;
    case 'x':
      return `x ${entry.modseq} ${compactUids(entry.uids)}\n`;
    case 'r':
      return `r ${entry.uid}\n`;
  }
}

/** Appends whole lines, or nothing (a full disk): never a line cut short for the next one to be glued to. */
export async function appendLog(folderDir: string, lines: string): Promise<void> {
  await appendWhole(join(folderDir, LOG_FILE), lines);
}

export async function clearLog(folderDir: string): Promise<void> {
  await truncate(join(folderDir, LOG_FILE)).catch((err: NodeJS.ErrnoException) => {
    if (err.code !== 'ENOENT') throw err;
  });
}

/** The entries in the log; a line cut short by a crash (or damaged) ends the reading. */
export async function readLog(folderDir: string): Promise<LogEntry[]> {
  let text: string;
  try {
    text = await readFile(join(folderDir, LOG_FILE), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const entries: LogEntry[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length - 1; i++) {
    const [kind, a = '', b = '', c = ''] = lines[i]!.split(' ');
    const modseq = Number(a);
    if (kind === 'm' && Number.isSafeInteger(modseq) && /^\d+$/.test(b) && c) entries.push({ kind, modseq, uid: Number(b), flags: c === '-' ? '' : c });
    else if (kind === 'x' && Number.isSafeInteger(modseq) && expandUids(b)) entries.push({ kind, modseq, uids: expandUids(b)! });
    else if (kind === 'r' && /^\d+$/.test(a)) entries.push({ kind, uid: modseq });
    else break;
  }
  return entries;
}
