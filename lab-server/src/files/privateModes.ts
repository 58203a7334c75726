/**
 * The lab's data is private to the user it runs as: the database, each sandbox's world.json
 * (the learners' mailbox passwords), DKIM and TLS keys are 0600, their folders 0700. New files
 * are made that way; a data dir from an older version (0644/0755) is mended at start.
 */
import { chmod, readdir } from 'node:fs/promises';
import { join } from 'node:path';

export const PRIVATE_FILE = 0o600;
export const PRIVATE_DIR = 0o700;

async function setMode(path: string, mode: number): Promise<void> {
  await chmod(path, mode).catch((err: NodeJS.ErrnoException) => {
    if (err.code !== 'ENOENT') throw err;
  });
}

/** Sets `mode` on each path that exists. */
export async function makePrivate(paths: { dirs?: string[]; files?: string[] }): Promise<void> {
  await Promise.all([...(paths.dirs ?? []).map((d) => setMode(d, PRIVATE_DIR)), ...(paths.files ?? []).map((f) => setMode(f, PRIVATE_FILE))]);
}

/** Every file directly inside `dir` (none when it does not exist). */
export async function filesIn(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir, { withFileTypes: true })).filter((e) => e.isFile()).map((e) => join(dir, e.name));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
}
