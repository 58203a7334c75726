/**
 * At start, before any server writes: the temporary files a crash left in the Maildirs' tmp/
 * folders are removed.
 */
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';

/** Removes what a crash left in tmp/: never a delivered message, only unfinished writes. */
export async function sweepTmp(dir: string): Promise<void> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return;
  }
  await Promise.all(
    entries.map(async (e) => {
      if (!e.isDirectory()) return;
      const path = join(dir, e.name);
      if (e.name === 'tmp') {
        for (const f of await readdir(path)) await rm(join(path, f), { force: true });
      } else if (!['cur', 'new'].includes(e.name)) {
        await sweepTmp(path);
      }
    }),
  );
}
