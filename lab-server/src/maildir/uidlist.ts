/**
 * The uid list of one Maildir folder, like Dovecot's dovecot-uidlist: UIDVALIDITY, the next
 * UID, and the UID given to each message base name. It makes UIDs (and so POP3 UIDLs)
 * survive restarts. Written whole to a temporary file, fsynced, then renamed over the old one.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../files/atomicWrite.js';

export const UIDLIST_FILE = 'maillab-uidlist';

export interface UidList {
  uidValidity: number;
  nextUid: number;
  /** base name -> UID */
  uids: Map<string, number>;
}

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
  for (const line of lines.slice(1)) {
    const m = /^(\d+) (.+)$/.exec(line);
    if (!m) continue;
    const uid = Number(m[1]);
    uids.set(m[2]!, uid);
    if (uid >= nextUid) nextUid = uid + 1;
  }
  return { uidValidity: Number(header[1]), nextUid, uids };
}

export async function writeUidList(folderDir: string, list: UidList): Promise<void> {
  const entries = [...list.uids].sort((a, b) => a[1] - b[1]);
  const text =
    `1 V${list.uidValidity} N${list.nextUid}\n` + entries.map(([base, uid]) => `${uid} ${base}\n`).join('');
  await writeFileAtomic(join(folderDir, UIDLIST_FILE), text);
}
