/**
 * The file operations behind flag changes, \Recent claims and expunges: each message is one
 * rename (its flags live in its name), done synchronously in slices (slices.ts), or one unlink.
 * A file renamed or removed by another program meanwhile is skipped, never an error.
 */
import { renameSync } from 'node:fs';
import { unlink } from 'node:fs/promises';
import type { FolderIndex } from './folderIndex.js';
import type { MessageInfo, StoredMessage } from './message.js';
import { curName, normaliseFlags } from './names.js';
import { inSlices, isMissing } from './slices.js';

export interface StoreResult {
  /** Messages whose flags are now as asked (changed or already so). */
  stored: MessageInfo[];
  /** UNCHANGEDSINCE (RFC 7162): messages left alone because they changed after that modseq. */
  modified: number[];
  /** Messages whose files were already gone and whose flags changed: their records, kept for sessions not told yet, took the flags (flagExpunged). */
  expunged: MessageInfo[];
}

/** Renames a message into cur/ under its flags; false if its file is gone. */
function renameInto(folderDir: string, message: StoredMessage, flags: string): boolean {
  const fileName = curName(message.base, flags);
  if (message.dir === 'cur' && message.fileName === fileName) return true;
  try {
    renameSync(message.path, `${folderDir}/cur/${fileName}`);
  } catch (err) {
    if (isMissing(err)) return false;
    throw err;
  }
  message.dir = 'cur';
  message.fileName = fileName;
  return true;
}

/**
 * Gives messages new flags. Those whose flags really changed get one new modseq between them
 * and are returned in `changed`.
 */
export async function renameForFlags(
  index: FolderIndex,
  folderDir: string,
  changes: ReadonlyArray<{ uid: number; flags: string }>,
  unchangedSince: number | undefined,
): Promise<StoreResult & { changed: StoredMessage[] }> {
  const result: StoreResult & { changed: StoredMessage[] } = { stored: [], modified: [], expunged: [], changed: [] };
  let modseq = 0;
  await inSlices(changes, ({ uid, flags }) => {
    const message = index.get(uid);
    if (!message) return;
    if (unchangedSince !== undefined && message.modseq > unchangedSince) {
      result.modified.push(uid);
      return;
    }
    const wanted = normaliseFlags(flags);
    if (!renameInto(folderDir, message, wanted)) return;
    if (message.flags !== wanted) {
      message.flags = wanted;
      message.modseq = modseq ||= index.nextModseq();
      result.changed.push(message);
    }
    result.stored.push(message);
  });
  return result;
}

/**
 * Flags asked for messages already expunged (another program removed their files) go on the
 * records kept for sessions not told yet, as Dovecot keeps them in its index until then: a
 * FETCH that set \Seen on such a message says so, and a later FETCH FLAGS agrees. No file is
 * renamed (there is none) and no modseq taken: nothing in the folder changed.
 */
export function flagExpunged(
  expunged: (uid: number) => StoredMessage | undefined,
  changes: ReadonlyArray<{ uid: number; flags: string }>,
  unchangedSince: number | undefined,
): StoredMessage[] {
  const flagged: StoredMessage[] = [];
  for (const { uid, flags } of changes) {
    const message = expunged(uid);
    if (!message || (unchangedSince !== undefined && message.modseq > unchangedSince)) continue;
    const before = message.flags;
    message.flags = normaliseFlags(flags);
    // Only a change is told (STORE's FETCH), as Dovecot tells it for such a message.
    if (message.flags !== before) flagged.push(message);
  }
  return flagged;
}

/** Where a slice of noticed moves left off: all done, some left, or a file not where the index says. */
export type MovesLeft = 'done' | 'more' | 'stale';

/**
 * Moves the files of noticed messages (UIDs below `below`, which a read-write client has seen)
 * from new/ to cur/ with their flags unchanged, for at most `budgetMs`. The index changes with
 * each rename, in the same synchronous step. 'stale' at the first file gone from where the index
 * says (another program renamed or removed it): the directories must be read again before any
 * more moves, or every slice would try that file again.
 */
export function moveNoticedToCur(folderDir: string, messages: readonly StoredMessage[], below: number, budgetMs: number): MovesLeft {
  const start = performance.now();
  for (const message of messages) {
    if (message.uid >= below) break;
    if (message.dir !== 'new') continue;
    if (performance.now() - start > budgetMs) return 'more';
    if (!renameInto(folderDir, message, message.flags)) return 'stale';
  }
  return 'done';
}

/**
 * Unlinks in flight at once: as many as the thread pool has threads (libuv's default four),
 * so one folder's expunge never has more than that ahead of another session's file read.
 */
const UNLINKS_AT_ONCE = 4;

/**
 * Removes message files; one already gone counts as removed. Through the thread pool, a few at
 * once, not synchronously in slices as renames are: on a file system that discards freed
 * blocks (ext4 mounted with -o discard, as this lab's machine is) an unlink waits for the disk,
 * and 50,000 of them one after the other took 38 s of a 100,000-message EXPUNGE (each a wait
 * in blkdev_issue_discard), with single unlinks holding the event loop up to 394 ms. Four at a
 * time overlap those waits.
 */
export async function unlinkAll(messages: readonly StoredMessage[]): Promise<void> {
  let next = 0;
  // A real failure (EACCES, EIO) stops the others too: the caller hears of it, as before.
  let failed = false;
  const remover = async (): Promise<void> => {
    while (!failed && next < messages.length) {
      const message = messages[next++]!;
      try {
        await unlink(message.path);
      } catch (err) {
        if (isMissing(err)) continue;
        failed = true;
        throw err;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(UNLINKS_AT_ONCE, messages.length) }, remover));
}
