/**
 * The uid list of one Maildir folder, like Dovecot's dovecot-uidlist: UIDVALIDITY, the next
 * UID, and the UID given to each message base name. It is the authority on UIDs (the index is
 * a cache that can be rebuilt from it and the files), so UIDs and POP3 UIDLs survive restarts.
 *
 * New UIDs are appended, and fsynced before any client is shown them or a file is renamed in
 * under them; a base name listed twice takes its last UID (a message moved out and back
 * again). The list is rewritten whole (atomically) only to drop the lines of messages long gone.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../files/atomicWrite.js';
import { appendWhole } from '../files/diskSpace.js';
import { joinInSlices } from './slices.js';

export const UIDLIST_FILE = 'maillab-uidlist';

export interface UidList {
  uidValidity: number;
  nextUid: number;
  /** base name -> UID */
  uids: Map<string, number>;
}

/** The list, or undefined when it is missing or its header is damaged. */
export async function readUidList(folderDir: string): Promise<UidList | undefined> {
  let text: string;
  try {
    text = await readFile(join(folderDir, UIDLIST_FILE), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  const lines = text.split('\n');
  const header = /^1 V(\d+) N(\d+)$/.exec(lines[0] ?? '');
  // A damaged list is treated as missing: the folder gets a new UIDVALIDITY, which is
  // exactly how IMAP tells clients to forget what they cached.
  if (!header) return undefined;
  const uids = new Map<string, number>();
  let nextUid = Number(header[2]);
  // The last element is what follows the final newline: empty, or a line cut short by a crash.
  for (let i = 1; i < lines.length - 1; i++) {
    const line = lines[i]!;
    const space = line.indexOf(' ');
    const uid = Number(line.slice(0, space));
    if (space < 1 || !Number.isSafeInteger(uid) || uid < 1) continue;
    uids.set(line.slice(space + 1), uid);
    if (uid >= nextUid) nextUid = uid + 1;
  }
  return { uidValidity: Number(header[1]), nextUid, uids };
}

function lineOf(base: string, uid: number): string {
  return `${uid} ${base}\n`;
}

/** Writes the whole list (a new folder, or dropping the lines of expunged messages). */
export async function writeUidList(folderDir: string, list: UidList): Promise<void> {
  const entries = [...list.uids].sort((a, b) => a[1] - b[1]);
  const text = `1 V${list.uidValidity} N${list.nextUid}\n` + entries.map(([base, uid]) => lineOf(base, uid)).join('');
  await writeFileAtomic(join(folderDir, UIDLIST_FILE), text);
}

/** Appends UIDs given to base names and waits until they are on disk (all of them, or none: a full disk). */
export async function appendUids(folderDir: string, entries: ReadonlyArray<readonly [string, number]>): Promise<void> {
  if (entries.length === 0) return;
  await appendWhole(join(folderDir, UIDLIST_FILE), await joinInSlices(entries, ([base, uid]) => lineOf(base, uid)), true);
}
