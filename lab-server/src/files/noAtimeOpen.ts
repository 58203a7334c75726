/**
 * Opening a message file to read it without touching its access time. On a filesystem mounted
 * relatime (the usual default) the first read of a just-delivered file writes its inode (the
 * atime moves past the mtime): a first FETCH ENVELOPE of 5,000 new messages dirtied 5,000
 * inodes, about 1.4 µs of system time each, for a time nobody reads (a Maildir's own
 * state is in its names); so did every message a POP3 client downloaded first. O_NOATIME is allowed only on files the process owns (or with
 * CAP_FOWNER): on EPERM the open is made the usual way, and from then on always in this thread.
 */
import { constants, openSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';

/**
 * Never a blocking open: a FIFO put where a message was would hold it, and the event loop, for good.
 * O_NOATIME is 0 where the platform lacks it, and the open is just the usual one.
 */
const PLAIN = constants.O_RDONLY | constants.O_NONBLOCK;
let flags = PLAIN | (constants.O_NOATIME ?? 0);

/** A descriptor for reading `path` (the caller closes it); throws as openSync does when it cannot be opened. */
export function openToRead(path: string): number {
  try {
    return openSync(path, flags);
  } catch (err) {
    if (flags === PLAIN || (err as NodeJS.ErrnoException).code !== 'EPERM') throw err;
    // Someone else's file (a maildir delivered by another user): atime is not ours to spare.
    flags = PLAIN;
    return openSync(path, flags);
  }
}

/** The same through the thread pool, as a FileHandle: a big message read piece by piece. */
export async function openToReadLater(path: string): Promise<FileHandle> {
  try {
    return await open(path, flags);
  } catch (err) {
    if (flags === PLAIN || (err as NodeJS.ErrnoException).code !== 'EPERM') throw err;
    flags = PLAIN;
    return open(path, flags);
  }
}
