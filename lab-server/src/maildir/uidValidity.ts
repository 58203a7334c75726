/**
 * UIDVALIDITY values for one user's folders, as Dovecot's dovecot-uidvalidity file gives
 * them: the current time in seconds, or one more than the last value given if that is not
 * later. A folder deleted and created again within the same second still gets a new value,
 * so no client can trust UIDs it cached for the old folder.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../files/atomicWrite.js';
import { SerialQueue } from '../workers/serialQueue.js';

export const UIDVALIDITY_FILE = 'maillab-uidvalidity';

export class UidValidityCounter {
  private readonly queue = new SerialQueue();

  /** `dir` is the user's Maildir (the INBOX). */
  constructor(private readonly dir: string) {}

  /** A value never given before in this Maildir, on disk before it is returned. */
  next(): Promise<number> {
    const work = async (): Promise<number> => {
      const path = join(this.dir, UIDVALIDITY_FILE);
      let last = 0;
      try {
        last = Number.parseInt(await readFile(path, 'utf8'), 10) || 0;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      }
      const value = Math.max(Math.floor(Date.now() / 1000), last + 1);
      await writeFileAtomic(path, `${value}\n`);
      return value;
    };
    return this.queue.run(work);
  }
}
