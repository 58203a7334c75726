/**
 * A consistent backup of a running lab: SQLite's online backup API copies the database
 * without stopping writers, then the sandboxes (Maildirs, zones, queues, keys) and the TLS
 * certificate are copied file by file. A message whose flags change during the copy may be
 * missed or appear twice in the copy, never half-written (Maildir files are written once).
 */
import Database from 'better-sqlite3';
import { cp, mkdir, readdir, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { DATABASE_FILE } from './database.js';

export interface BackupResult {
  target: string;
  databaseBytes: number;
  sandboxes: number;
}

export async function backupLab(dataDir: string, target: string): Promise<BackupResult> {
  const from = resolve(dataDir);
  const to = resolve(target);
  if (to === from || to.startsWith(from + '/')) throw new Error('The backup must go outside the data directory.');
  try {
    if ((await readdir(to)).length > 0) throw new Error(`${to} is not empty: choose a new directory for the backup.`);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  await mkdir(to, { recursive: true });
  const db = new Database(join(from, DATABASE_FILE), { readonly: true, fileMustExist: true });
  try {
    await db.backup(join(to, DATABASE_FILE));
  } finally {
    db.close();
  }
  for (const dir of ['sandboxes', 'tls']) {
    await cp(join(from, dir), join(to, dir), { recursive: true, errorOnExist: false, force: true }).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT') throw err;
    });
  }
  const sandboxes = await readdir(join(to, 'sandboxes')).catch(() => []);
  return { target: to, databaseBytes: (await stat(join(to, DATABASE_FILE))).size, sandboxes: sandboxes.length };
}
