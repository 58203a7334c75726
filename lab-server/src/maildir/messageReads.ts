/**
 * Reading a folder's message files by UID. A file can be renamed by another session between
 * our last sync and the read (a flag change not seen yet): the read syncs and looks once more.
 * Small files are read with synchronous calls into one reused buffer — an open, a read and a
 * close cost microseconds, where a trip through the thread pool costs more than the reading.
 */
import { open, readFile, type FileHandle } from 'node:fs/promises';
import { closeSync, openSync, readFileSync, readSync } from 'node:fs';
import type { FolderIndex } from './folderIndex.js';
import type { StoredMessage } from './message.js';
import type { FolderUse } from './noticedMoves.js';
import { isMissing } from './slices.js';

/** Files up to this size are read in one synchronous call (well under a millisecond). */
const READ_AT_ONCE = 256 * 1024;
/** readStart()'s and readNow()'s buffer, reused: it is read into and used in one synchronous step. */
let scratch = Buffer.alloc(0);

/** What the reads need of their folder. */
export interface ReadableFolder {
  /** Its index as of the last sync (FolderState). */
  readonly state: { readonly index: FolderIndex };
  /** Each read counts as a use (the noticed files move while the folder is quiet). */
  readonly use: FolderUse;
  sync(): Promise<unknown>;
}

/** The stored bytes of a message (LF line ends), or undefined if it has been expunged. */
export function readMessage(folder: ReadableFolder, uid: number): Promise<Buffer | undefined> {
  return withFile(folder, uid, (message) => (message.size <= READ_AT_ONCE ? readFileSync(message.path) : readFile(message.path)));
}

/**
 * Hands `use` the first `max` bytes of a message (fewer: all of it), read in one synchronous
 * call: enough for its header when ENVELOPE is all that is asked. The bytes are lent, valid
 * only during the call; `max` is small (a few pages). Undefined if the message has been expunged.
 */
export function readMessageStart<T>(folder: ReadableFolder, uid: number, max: number, use: (start: Buffer) => T): Promise<T | undefined> {
  return withFile(folder, uid, (message) => {
    const fd = openSync(message.path, 'r');
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
    fd = openSync(message.path, 'r');
  } catch (err) {
    if (isMissing(err)) return undefined;
    throw err;
  }
  try {
    // One byte more than expected: a file longer than the index says is not cut short.
    if (scratch.length <= message.size) scratch = Buffer.allocUnsafe(Math.max(message.size + 1, 64 * 1024));
    const length = readSync(fd, scratch, 0, message.size + 1, 0);
    return length === message.size ? use(scratch.subarray(0, length)) : undefined;
  } finally {
    closeSync(fd);
  }
}

/** A message's file opened to be read piece by piece (a big message); undefined if expunged. The caller closes it. */
export function openMessage(folder: ReadableFolder, uid: number): Promise<FileHandle | undefined> {
  return withFile(folder, uid, (message) => open(message.path, 'r'));
}

/** Reads a message's file; one renamed meanwhile (a flag change not seen yet) is looked for again. */
async function withFile<T>(folder: ReadableFolder, uid: number, readIt: (message: StoredMessage) => T | Promise<T>): Promise<T | undefined> {
  folder.use.count++;
  for (let attempt = 0; attempt < 2; attempt++) {
    const message = folder.state.index.get(uid);
    if (!message) return undefined;
    try {
      return await readIt(message);
    } catch (err) {
      if (!isMissing(err)) throw err;
      await folder.sync();
    }
  }
  return undefined;
}
