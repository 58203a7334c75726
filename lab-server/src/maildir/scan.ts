/**
 * Squares a folder's index with its files, as Dovecot's maildir sync does: one look at new/
 * and cur/ finds the messages that vanished (expunged by someone else), the ones renamed
 * behind our back (flags changed by hand or by another program) and the files no UID belongs
 * to yet (delivered by SMTP, or dropped in by hand). Sizes come from the S= and W= in the
 * names; only a file without them is read, once, and only once it has stopped growing: a
 * learner's `cp` into new/ writes in pieces (fs.writeFile in 512 KiB ones), and a look between
 * two of them read the first piece's size as the message's, for good. Dovecot trusts such a
 * size no more: it checks a cached size against the file when it reads it.
 *
 * A hundred thousand files dropped into new/ are a hundred thousand of everything: the work
 * goes in slices (slices.ts), and such files are read synchronously, as renames are. One
 * after another through the thread pool, 100,000 reads took 30 s of a LOGIN.
 */
import { closeSync, fstatSync, readSync, statSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { FolderIndex } from './folderIndex.js';
import type { MaildirSubdir, StoredMessage } from './message.js';
import { baseOf, flagsOf, inDeliveryOrder, looksLikeMessage, parseName } from './names.js';
import { openToRead, openToReadLater } from '../files/noAtimeOpen.js';
import { takeTurns } from '../workers/turns.js';
import { isMissing, SLICE_MS } from './slices.js';
import { wireSize } from './wire.js';

/** A dropped file up to this size is read synchronously (a millisecond); a bigger one through the thread pool. */
const SYNC_READ_BYTES = 1 << 20;
/** How many names are looked at between two glances at the clock. */
const EVERY = 256;
/** A file without sizes in its name is taken once it has not been written to for this long. */
const QUIET_MS = 1000;
/**
 * How long one look waits, in all, for such files to go quiet: a `cp` just done is in the reply
 * to the next command. Looks hold the folder (deliveries wait), so a file still growing after
 * that (a learner typing into `cat > new/x`) is left for the next look, not waited for.
 */
const LOOK_WAIT_MS = 1500;

export interface FoundFile {
  base: string;
  dir: MaildirSubdir;
  fileName: string;
  size: number;
  wireSize: number;
}

export interface ScanResult {
  /** UIDs whose files are gone. */
  gone: Set<number>;
  /** Messages whose flags changed in their file names. */
  reflagged: StoredMessage[];
  /** Files without a UID, in name order (which is delivery order for Maildir names). */
  arrivals: FoundFile[];
  /** Files without a UID still being written: left for the next look, which must not be skipped. */
  growing: number;
}

/**
 * The modification times of new/ and cur/; throws ENOENT when the folder is gone. Looked at
 * before every IMAP command, so synchronously: two stat calls cost microseconds, where two
 * trips through the thread pool cost more than the rest of a small FETCH (see slices.ts).
 */
export function dirMtimes(folderDir: string): [number, number] {
  // Joined by hand: a folder's directory is a normalised path already, and path.join() cost more than a stat here.
  return [statSync(`${folderDir}/new`).mtimeMs, statSync(`${folderDir}/cur`).mtimeMs];
}

/**
 * Reads the directories named (the ones whose times moved) and brings the index's file names
 * up to date. A message can only have left a directory that changed, so the messages in an
 * unchanged one are not looked at.
 */
export async function scanFiles(folderDir: string, index: FolderIndex, dirs: readonly MaildirSubdir[]): Promise<ScanResult> {
  const result: ScanResult = { gone: new Set(), reflagged: [], arrivals: [], growing: 0 };
  const waitUntil = Date.now() + LOOK_WAIT_MS;
  // Base name -> the file found under it; a file the index already has under that exact name
  // and directory (the common case) is only marked as seen, with no object made for it.
  const onDisk = new Map<string, { dir: MaildirSubdir; fileName: string }>();
  const seen = new Set<StoredMessage>();
  const turn = takeTurns(SLICE_MS);
  // Looked at every EVERY names, not each: most are a map lookup, and a folder is scanned at each delivery.
  let n = 0;
  for (const dir of dirs) {
    for (const fileName of await readdir(join(folderDir, dir))) {
      if (++n % EVERY === 0) await turn();
      if (!looksLikeMessage(fileName)) continue;
      const base = baseOf(fileName);
      const known = index.byBaseName(base);
      if (known && known.dir === dir && known.fileName === fileName) seen.add(known);
      else onDisk.set(base, { dir, fileName });
    }
  }
  for (const message of index.messages) {
    if (++n % EVERY === 0) await turn();
    if (!dirs.includes(message.dir) || seen.has(message)) continue;
    const file = onDisk.get(message.base);
    if (!file) {
      result.gone.add(message.uid);
      continue;
    }
    onDisk.delete(message.base);
    takeRename(message, file, result);
  }
  for (const base of inDeliveryOrder(onDisk.keys())) {
    await turn();
    const file = onDisk.get(base)!;
    const known = index.byBaseName(base);
    // Moved from the directory that was not read: the same message, not a new one.
    if (known) takeRename(known, file, result);
    else await takeArrival(folderDir, base, file, result, waitUntil);
  }
  return result;
}

/** A known message under a new name (its flags changed) or in the other directory. */
function takeRename(message: StoredMessage, file: { dir: MaildirSubdir; fileName: string }, result: ScanResult): void {
  const flags = file.dir === 'cur' ? flagsOf(file.fileName) : '';
  message.dir = file.dir;
  message.fileName = file.fileName;
  if (flags !== message.flags) {
    message.flags = flags;
    result.reflagged.push(message);
  }
}

/**
 * How many more milliseconds a file written at `mtimeMs` may still be growing (0: it is quiet).
 * Whole-second times are a second late at worst. A time ahead of the clock by more than that
 * is no write in progress (`touch -d`, another machine's clock): the file is taken as it is.
 */
export function stillGrowing(mtimeMs: number, now: number): number {
  const quiet = mtimeMs % 1000 === 0 ? QUIET_MS + 1000 : QUIET_MS;
  const left = mtimeMs + quiet - now;
  return left > quiet ? 0 : Math.max(0, left);
}

/**
 * A small file's sizes, read synchronously; 'big' for one to read through the thread pool;
 * a number of milliseconds for one written to so lately it may still grow; undefined if it
 * is gone, or is no file (a FIFO dropped in would hold a blocking open forever).
 */
function sizesNow(path: string): { size: number; wireSize: number } | 'big' | number | undefined {
  let fd: number;
  try {
    fd = openToRead(path);
  } catch (err) {
    if (isMissing(err)) return undefined;
    throw err;
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) return undefined;
    const growing = stillGrowing(stat.mtimeMs, Date.now());
    if (growing > 0) return growing;
    const expected = stat.size;
    if (expected > SYNC_READ_BYTES) return 'big';
    // One byte more than the size said: a file still growing is read again, whole, the slow way.
    const data = Buffer.allocUnsafe(expected + 1);
    let length = 0;
    for (let n; length < data.length && (n = readSync(fd, data, length, data.length - length, null)) > 0; ) length += n;
    if (length > expected) return 'big';
    return { size: length, wireSize: wireSize(data.subarray(0, length)) };
  } finally {
    closeSync(fd);
  }
}

/**
 * A file no UID belongs to yet: sizes from its name, or (dropped in by hand) from its bytes
 * once it has stopped growing. The look waits for that until `waitUntil` (a `cp` just done is
 * in the reply to the next command); past it the file is left for a later look.
 */
async function takeArrival(
  folderDir: string,
  base: string,
  { dir, fileName }: { dir: MaildirSubdir; fileName: string },
  result: ScanResult,
  waitUntil: number,
): Promise<void> {
  const parsed = parseName(base);
  if (parsed.size !== undefined && parsed.wireSize !== undefined) {
    result.arrivals.push({ base, dir, fileName, size: parsed.size, wireSize: parsed.wireSize });
    return;
  }
  const path = join(folderDir, dir, fileName);
  let sizes = sizesNow(path);
  while (typeof sizes === 'number') {
    if (Date.now() + sizes > waitUntil) {
      result.growing++;
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, sizes as number));
    sizes = sizesNow(path);
  }
  if (sizes !== 'big') {
    if (sizes) result.arrivals.push({ base, dir, fileName, ...sizes });
    return;
  }
  try {
    const handle = await openToReadLater(path);
    const data = await readFile(handle).finally(() => handle.close());
    result.arrivals.push({ base, dir, fileName, size: data.length, wireSize: wireSize(data) });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
}

/**
 * A directory time this close to the moment it was read could be followed by another change
 * in the same clock tick, which would leave the same time: such a look is not trusted.
 * File systems with whole-second times get a whole second.
 */
export function trustworthy(mtimes: readonly number[], lookedAt: number): boolean {
  return mtimes.every((t) => lookedAt - t >= (t % 1000 === 0 ? 1000 : 50));
}
