/**
 * Replaces a file so that readers see the old or the new contents, never a mix, even after a
 * crash: write a temporary file beside it, fsync, rename over the target.
 */
import { open, rename, unlink } from 'node:fs/promises';

let counter = 0;

/** `mode` is for a new file (0o600 for a private key). */
export async function writeFileAtomic(target: string, data: string | Buffer, mode = 0o666): Promise<void> {
  const temp = `${target}.${process.pid}.${++counter}.tmp`;
  const handle = await open(temp, 'w', mode);
  try {
    await handle.writeFile(data);
    await handle.sync();
  } catch (err) {
    await handle.close();
    await unlink(temp).catch(() => undefined);
    throw err;
  }
  await handle.close();
  await rename(temp, target);
}
