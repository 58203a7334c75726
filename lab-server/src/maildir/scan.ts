/**
 * Squares a folder's index with its files, as Dovecot's maildir sync does: one look at new/
 * and cur/ finds the messages that vanished (expunged by someone else), the ones renamed
 * behind our back (flags changed by hand or by another program) and the files no UID belongs
 * to yet (delivered by SMTP, or dropped in by hand). Sizes come from the S= and W= in the
 * names; only a file without them is read, once.
 */
import { statSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { FolderIndex } from './folderIndex.js';
import type { MaildirSubdir, StoredMessage } from './message.js';
import { looksLikeMessage, parseName } from './names.js';
import { wireSize } from './wire.js';

export interface FoundFile {
  base: string;
  dir: MaildirSubdir;
  fileName: string;
  size: number;
  wireSize: number;
}

export interface ScanResult {
  /** UIDs whose files are gone. */
  gone: Set<number>;
  /** Messages whose flags changed in their file names. */
  reflagged: StoredMessage[];
  /** Files without a UID, in name order (which is delivery order for Maildir names). */
  arrivals: FoundFile[];
}

/**
 * The modification times of new/ and cur/; throws ENOENT when the folder is gone. Looked at
 * before every IMAP command, so synchronously: two stat calls cost microseconds, where two
 * trips through the thread pool cost more than the rest of a small FETCH (see slices.ts).
 */
export function dirMtimes(folderDir: string): [number, number] {
  return [statSync(join(folderDir, 'new')).mtimeMs, statSync(join(folderDir, 'cur')).mtimeMs];
}

/**
 * Reads the directories named (the ones whose times moved) and brings the index's file names
 * up to date. A message can only have left a directory that changed, so the messages in an
 * unchanged one are not looked at.
 */
export async function scanFiles(folderDir: string, index: FolderIndex, dirs: readonly MaildirSubdir[]): Promise<ScanResult> {
  const onDisk = new Map<string, { dir: MaildirSubdir; fileName: string }>();
  for (const dir of dirs) {
    for (const fileName of await readdir(join(folderDir, dir))) {
      if (looksLikeMessage(fileName)) onDisk.set(parseName(fileName).base, { dir, fileName });
    }
  }
  const result: ScanResult = { gone: new Set(), reflagged: [], arrivals: [] };
  for (const message of index.messages) {
    if (!dirs.includes(message.dir)) continue;
    const file = onDisk.get(message.base);
    if (!file) {
      result.gone.add(message.uid);
      continue;
    }
    onDisk.delete(message.base);
    if (file.fileName === message.fileName && file.dir === message.dir) continue;
    const flags = file.dir === 'cur' ? parseName(file.fileName).flags : '';
    message.dir = file.dir;
    message.fileName = file.fileName;
    if (flags !== message.flags) {
      message.flags = flags;
      result.reflagged.push(message);
    }
  }
  const names = [...onDisk].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  for (const [base, { dir, fileName }] of names) {
    const known = index.byBaseName(base);
    if (known) {
      // Moved from the directory that was not read: the same message, not a new one.
      const flags = dir === 'cur' ? parseName(fileName).flags : '';
      if (flags !== known.flags) result.reflagged.push(known);
      Object.assign(known, { dir, fileName, flags });
      continue;
    }
    const parsed = parseName(fileName);
    if (parsed.size !== undefined && parsed.wireSize !== undefined) {
      result.arrivals.push({ base, dir, fileName, size: parsed.size, wireSize: parsed.wireSize });
      continue;
    }
    // A file dropped in by hand has no sizes in its name: count its line ends once.
    try {
      const data = await readFile(join(folderDir, dir, fileName));
      result.arrivals.push({ base, dir, fileName, size: data.length, wireSize: wireSize(data) });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }
  return result;
}
