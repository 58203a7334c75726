/**
 * A disk that fills up. A write may then stop part-way: write(2) stores what fits and says so,
 * and the next write fails with ENOSPC. An append that stopped part-way leaves a line cut short,
 * and the next append would be glued onto it; appendWhole() writes all of its bytes or takes
 * the file back to where it was.
 */
import { open } from 'node:fs/promises';

/** The file system is full, or the user's disk quota is reached (as the system, SQLite or PostgreSQL says it). */
export function isOutOfSpace(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ENOSPC' || code === 'EDQUOT' || code === 'SQLITE_FULL' || code === '53100';
}

/** Appends all of `data` to the file at `path` (made if missing), fsynced with `sync`, or nothing. */
export async function appendWhole(path: string, data: string | Buffer, sync = false): Promise<void> {
  const bytes = typeof data === 'string' ? Buffer.from(data) : data;
  if (bytes.length === 0) return;
  const handle = await open(path, 'a');
  let before = -1;
  let written = 0;
  try {
    before = (await handle.stat()).size;
    // A short write is not an error: go on with the rest until it all lands or one fails.
    while (written < bytes.length) written += (await handle.write(bytes, written)).bytesWritten;
    if (sync) await handle.datasync();
  } catch (err) {
    // Only our own bytes are cut: appends to these files come one at a time (the folder's queue).
    if (written > 0 && before >= 0) await handle.truncate(before).catch(() => undefined);
    throw err;
  } finally {
    await handle.close();
  }
}
