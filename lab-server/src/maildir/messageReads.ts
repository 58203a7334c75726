/**
 * Reading a folder's message files by UID. A file can be renamed by another session between
 * our last sync and the read (a flag change not seen yet): the read syncs and looks once more.
 * Small files are read with synchronous calls into one reused buffer — an open, a read and a
 * close cost microseconds, where a trip through the thread pool costs more than the reading.
 */
import { readFile, type FileHandle } from 'node:fs/promises';
import { closeSync, fstatSync, readFileSync, readSync } from 'node:fs';
import type { FolderIndex } from './folderIndex.js';
import type { StoredMessage } from './message.js';
import type { FolderUse } from './noticedMoves.js';
import { openToRead, openToReadLater } from '../files/noAtimeOpen.js';
import { isMissing } from './slices.js';

/** Files up to this size are read in one synchronous call (well under a millisecond). */
const READ_AT_ONCE = 256 * 1024;
/** readStart()'s and readNow()'s buffer, reused: it is read into and used in one synchronous step. */
let scratch = Buffer.alloc(0);

/**
 * Message files are opened without blocking and must be regular files: a FIFO put in place of
 * one (mkfifo) held a blocking open, and the whole lab's event loop with it, until a writer
 * came; a link to /dev/zero read without end. Such a file reads as an expunged message. They
 * are opened leaving their atime alone (files/noAtimeOpen.ts).
 */
const notAFile = (): Error => Object.assign(new Error('not a regular file'), { code: 'ENOENT' });
/**
 * What opening or reading such a file throws where the fstat is saved: a FIFO or a socket
 * ESPIPE (no seek to 0) or ENXIO, a directory EISDIR. The message is as good as expunged;
 * answered as a server bug, "try again" never helped.
 */
const NOT_A_FILE_CODES = new Set(['ESPIPE', 'EISDIR', 'ENXIO', 'EAGAIN']);
const isNotAFile = (err: unknown): boolean => NOT_A_FILE_CODES.has((err as NodeJS.ErrnoException)?.code ?? '');

/**
 * A message file's descriptor, opened at once; the caller closes it. `bounded`: the caller reads
 * no more than it knows to expect, so a device is harmless and the fstat is saved (a RETR's µs).
 */
function openNow(path: string, bounded = false): number {
  const fd = openToRead(path);
  if (bounded || fstatSync(fd).isFile()) return fd;
  closeSync(fd);
  throw notAFile();
}

/** A message file's handle, opened through the thread pool; the caller closes it. */
async function openLater(path: string): Promise<FileHandle> {
  const handle = await openToReadLater(path);
  if ((await handle.stat()).isFile()) return handle;
  await handle.close();
  throw notAFile();
}

/** A whole message file, read at once (small) or through the thread pool. */
async function readWhole(path: string, small: boolean): Promise<Buffer> {
  if (small) {
    const fd = openNow(path);
    try {
      return readFileSync(fd);
    } finally {
      closeSync(fd);
    }
  }
  const handle = await openLater(path);
  try {
    return await readFile(handle);
  } finally {
    await handle.close();
  }
}

/** What the reads need of their folder. */
export interface ReadableFolder {
  /** Its index as of the last sync (FolderState). */
  readonly state: { readonly index: FolderIndex };
  /** Each read counts as a use (the noticed files move while the folder is quiet). */
  readonly use: FolderUse;
  /** Resolves once a full look at the directories that began after `missedAt` is done (forcedLooks.ts). */
  lookAgain(missedAt: number): Promise<void>;
}

/** The stored bytes of a message (LF line ends), or undefined if it has been expunged. */
export function readMessage(folder: ReadableFolder, uid: number): Promise<Buffer | undefined> {
  return withFile(folder, uid, (message) => readWhole(message.path, message.size <= READ_AT_ONCE));
}

/**
 * Hands `use` the first `max` bytes of a message (fewer: all of it), read in one synchronous
 * call: enough for its header when ENVELOPE is all that is asked. The bytes are lent, valid
 * only during the call; `max` is small (a few pages). Undefined if the message has been expunged.
 */
export function readMessageStart<T>(folder: ReadableFolder, uid: number, max: number, use: (start: Buffer) => T): Promise<T | undefined> {
  return withFile(folder, uid, (message) => {
    const fd = openNow(message.path, true);
    try {
      if (scratch.length < max) scratch = Buffer.allocUnsafe(max);
      return use(scratch.subarray(0, readSync(fd, scratch, 0, max, 0)));
    } finally {
      closeSync(fd);
    }
  });
}

/**
 * Hands `use` a small message's stored bytes, read now with one synchronous open, read and
 * close (the size comes from the index: no stat, no promise), for a client downloading message
 * after message. The bytes are lent, valid only during the call. Undefined when that cannot be
 * done at once: expunged, bigger than READ_AT_ONCE, renamed since the last sync, or not the
 * size the index says; then readMessage() or openMessage() it.
 */
export function readMessageNow<T>(folder: ReadableFolder, uid: number, use: (stored: Buffer) => T): T | undefined {
  folder.use.count++;
  const message = folder.state.index.get(uid);
  if (!message || message.size > READ_AT_ONCE) return undefined;
  let fd: number;
  try {
    fd = openNow(message.path, true);
  } catch (err) {
    if (isMissing(err) || isNotAFile(err)) return undefined;
    throw err;
  }
  let length: number;
  try {
    // One byte more than expected: a file longer than the index says is not cut short.
    if (scratch.length <= message.size) scratch = Buffer.allocUnsafe(Math.max(message.size + 1, 64 * 1024));
    length = readSync(fd, scratch, 0, message.size + 1, 0);
  } catch (err) {
    // The slow way (readMessage) looks at what the file is, and finds no message.
    if (isNotAFile(err)) return undefined;
    throw err;
  } finally {
    closeSync(fd);
  }
  return length === message.size ? use(scratch.subarray(0, length)) : undefined;
}

/** A message's file opened to be read piece by piece (a big message); undefined if expunged. The caller closes it. */
export function openMessage(folder: ReadableFolder, uid: number): Promise<FileHandle | undefined> {
  return withFile(folder, uid, (message) => openLater(message.path));
}

/**
 * Reads a message's file; one renamed meanwhile (a flag change not seen yet) is looked for again
 * after a full look at the directories, whatever their times say.
 */
async function withFile<T>(folder: ReadableFolder, uid: number, readIt: (message: StoredMessage) => T | Promise<T>): Promise<T | undefined> {
  folder.use.count++;
  for (let attempt = 0; attempt < 2; attempt++) {
    const message = folder.state.index.get(uid);
    if (!message) return undefined;
    const tried = performance.now();
    try {
      return await readIt(message);
    } catch (err) {
      if (isNotAFile(err)) return undefined;
      if (!isMissing(err)) throw err;
      await folder.lookAgain(tried);
    }
  }
  return undefined;
}
