/**
 * The lab's data is private to the user it runs as: the database, each sandbox's world.json
 * (the learners' mailbox passwords), DKIM and TLS keys are 0600, their folders 0700. New files
 * are made that way; a data dir from an older version (0644/0755) is mended at start.
 */
import { chmod, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';

export const PRIVATE_FILE = 0o600;
export const PRIVATE_DIR = 0o700;

/** A path left with its mode: another user owns it (an admin-made mount point), and chmod is the owner's. */
export interface NotOwned {
  path: string;
  /** Its permission bits, as found (undefined if it could not be read). */
  mode: number | undefined;
}

async function setMode(path: string, mode: number): Promise<NotOwned | undefined> {
  try {
    await chmod(path, mode);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    if (code !== 'EPERM') throw err;
    // The lab writes there through its group, say: it can still work, only not make it private.
    return { path, mode: await stat(path).then((s) => s.mode & 0o7777, () => undefined) };
  }
  return undefined;
}

/** Sets `mode` on each path that exists; gives back those another user owns, left as they are. */
export async function makePrivate(paths: { dirs?: string[]; files?: string[] }): Promise<NotOwned[]> {
  const left = await Promise.all([...(paths.dirs ?? []).map((d) => setMode(d, PRIVATE_DIR)), ...(paths.files ?? []).map((f) => setMode(f, PRIVATE_FILE))]);
  return left.filter((n): n is NotOwned => n !== undefined);
}

/** The log line for a path left with its mode: what it means, and what an admin can do. */
export function notOwnedLine(n: NotOwned): string {
  const mode = n.mode === undefined ? 'unknown' : `0${n.mode.toString(8)}`;
  return `${n.path} belongs to another user (mode ${mode}): the lab cannot make it private (0700 for folders, 0600 for files), so it is left as it is and whoever that mode lets in can read what the lab keeps there. Make the lab's user its owner (chown), or give it the mode yourself.`;
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
