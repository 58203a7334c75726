/**
 * Making directories inside a tree that may be removed meanwhile (a sandbox). `mkdir -p` would
 * make the tree's top again when it is gone, and a write that was under way as a sandbox was
 * removed brought back a half sandbox nothing ever removed. Here each missing level below `top`
 * is made on its own, never `top` itself: once `top` is gone, making anything in it fails with
 * ENOENT.
 */
import { mkdir } from 'node:fs/promises';
import { dirname, relative } from 'node:path';

/** Makes `dir` and its missing parents below `top`; `top` itself is never made (ENOENT when it is gone). */
export async function makeDirsBelow(top: string, dir: string, mode?: number): Promise<void> {
  const rel = relative(top, dir);
  if (rel === '' || rel.startsWith('..')) throw new Error(`${dir} is not below ${top}`);
  try {
    // Usually there already, or only the last level missing: one system call.
    await mkdir(dir, mode === undefined ? undefined : { mode });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return;
    if (code !== 'ENOENT' || dirname(dir) === top) throw err;
    await makeDirsBelow(top, dirname(dir), mode);
    await makeDirsBelow(top, dir, mode);
  }
}
