/**
 * A consistent backup of a running lab. The database first: SQLite through its online backup
 * API (writers go on), PostgreSQL through pg_dump (one consistent snapshot, custom format for
 * pg_restore). Then this node's sandboxes (Maildirs, zones, queues, keys) and TLS certificate
 * are copied file by file. A message whose flags change during the copy may be missed or appear
 * twice in the copy, never half-written (Maildir files are written once).
 */
import { spawn } from 'node:child_process';
import { cp, mkdir, readdir, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { DATABASE_FILE, isPostgresUrl } from './database.js';
import { findPgTool } from './pgTools.js';
import { SqliteDatabase } from './sqlite.js';

/** The file a PostgreSQL backup's dump is written to (restore with pg_restore). */
export const POSTGRES_DUMP_FILE = 'maillab.pgdump';

export interface BackupResult {
  target: string;
  databaseBytes: number;
  sandboxes: number;
}

/** libpq's environment for a postgres:// URL, so no password shows in `ps`. */
function libpqEnv(url: string): NodeJS.ProcessEnv {
  const u = new URL(url);
  const env: NodeJS.ProcessEnv = { PGHOST: u.hostname.replace(/^\[|\]$/g, ''), PGPORT: u.port || '5432', PGDATABASE: decodeURIComponent(u.pathname.slice(1)) };
  if (u.username) env.PGUSER = decodeURIComponent(u.username);
  if (u.password) env.PGPASSWORD = decodeURIComponent(u.password);
  const sslmode = u.searchParams.get('sslmode');
  if (sslmode) env.PGSSLMODE = sslmode;
  return env;
}

function pgDump(url: string, file: string): Promise<void> {
  const tool = findPgTool('pg_dump');
  if (!tool) return Promise.reject(new Error('pg_dump was not found. Install PostgreSQL\'s client programs (Debian: apt-get install postgresql-client).'));
  return new Promise((resolvePromise, reject) => {
    const child = spawn(tool, ['--format=custom', '--no-owner', `--file=${file}`], { env: { ...process.env, ...libpqEnv(url) }, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolvePromise() : reject(new Error(`pg_dump failed: ${err.trim() || `exit code ${code}`}`))));
  });
}

export async function backupLab(dataDir: string, target: string, databaseUrl?: string): Promise<BackupResult> {
  const from = resolve(dataDir);
  const to = resolve(target);
  if (to === from || to.startsWith(from + '/')) throw new Error('The backup must go outside the data directory.');
  try {
    if ((await readdir(to)).length > 0) throw new Error(`${to} is not empty: choose a new directory for the backup.`);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  await mkdir(to, { recursive: true });
  let dump: string;
  if (isPostgresUrl(databaseUrl)) {
    dump = join(to, POSTGRES_DUMP_FILE);
    await pgDump(databaseUrl, dump);
  } else {
    dump = join(to, DATABASE_FILE);
    const db = SqliteDatabase.open(join(from, DATABASE_FILE), { readonly: true });
    try {
      await db.handle.backup(dump);
    } finally {
      await db.close();
    }
  }
  for (const dir of ['sandboxes', 'tls']) {
    await cp(join(from, dir), join(to, dir), { recursive: true, errorOnExist: false, force: true }).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT') throw err;
    });
  }
  const sandboxes = await readdir(join(to, 'sandboxes')).catch(() => []);
  return { target: to, databaseBytes: (await stat(dump)).size, sandboxes: sandboxes.length };
}
