/**
 * MOVE and COPY between two folders of one mailbox.
 *
 * A move is one rename per message, from the source's new/ or cur/ into the target's cur/ with
 * the same flags (keywords translated to the target's letters). A rename is atomic, so a crash
 * at any instant leaves each message in exactly one folder, with its flags; the target's UIDs
 * are in its uid list before the first rename, and the source learns at its next look (or at
 * once, here) that the files left. A copy is a hard link under a new base name, so no byte of
 * the message is copied and its internal date (the file's time) comes along.
 */
import { copyFileSync, linkSync, renameSync, rmSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import type { MaildirFolder } from './folder.js';
import { isKeywordLetter, KeywordRefused } from './keywords.js';
import type { StoredMessage } from './message.js';
import type { WrittenFile } from './messageFile.js';
import { curName, normaliseFlags, uniqueBaseName } from './names.js';
import { currentFields } from './fieldStamps.js';
import { inSlices, isMissing } from './slices.js';

export interface TransferResult {
  /** Source UIDs that were moved or copied, in order. */
  from: number[];
  /** The UIDs they have in the target, in the same order. */
  to: number[];
}

/** Runs one cross-folder operation at a time in a mailbox, so two folders are never locked in opposite orders. */
export type TransferLock = <T>(work: () => Promise<T>) => Promise<T>;

function holdBoth<T>(lock: TransferLock, source: MaildirFolder, target: MaildirFolder, work: () => Promise<T>): Promise<T> {
  return lock(() => source.exclusive(() => (source === target ? work() : target.exclusive(work))));
}

export function moveMessages(lock: TransferLock, source: MaildirFolder, target: MaildirFolder, uids: readonly number[]): Promise<TransferResult> {
  return holdBoth(lock, source, target, async () => {
    const { messages, flags, targetUids, bases } = await prepare(source, target, uids, source === target);
    const moved: StoredMessage[] = [];
    const added: StoredMessage[] = [];
    await inSlices(messages.keys(), (i) => {
      const m = messages[i]!;
      const fileName = curName(bases[i]!, flags[i]!);
      try {
        renameSync(m.path, join(target.dir, 'cur', fileName));
      } catch (err) {
        if (isMissing(err)) return; // expunged meanwhile by another program
        throw err;
      }
      moved.push(m);
      added.push(target.state.adopt({ base: bases[i]!, dir: 'cur', fileName, size: m.size, wireSize: m.wireSize, mtimeMs: m.mtimeMs }, targetUids[i]!));
    });
    await copyCachedFields(source, target, moved, added);
    await target.state.announceArrivals(added);
    await source.state.forget(moved);
    return { from: moved.map((m) => m.uid), to: added.map((m) => m.uid) };
  });
}

export function copyMessages(lock: TransferLock, source: MaildirFolder, target: MaildirFolder, uids: readonly number[]): Promise<TransferResult> {
  return holdBoth(lock, source, target, async () => {
    const { messages, flags, targetUids, bases } = await prepare(source, target, uids, true);
    const copied: StoredMessage[] = [];
    const made: Array<{ file: WrittenFile; uid: number }> = [];
    try {
      await inSlices(messages.keys(), (i) => {
        const m = messages[i]!;
        const fileName = curName(bases[i]!, flags[i]!);
        const to = join(target.dir, 'cur', fileName);
        try {
          linkSync(m.path, to);
        } catch (err) {
          if (isMissing(err)) return;
          // No hard links here (another file system, or a limit): copy the bytes and the time.
          try {
            copyFileSync(m.path, to);
            utimesSync(to, m.internalDate, m.internalDate);
          } catch (copyErr) {
            rmSync(to, { force: true });
            throw copyErr;
          }
        }
        copied.push(m);
        made.push({ file: { base: bases[i]!, dir: 'cur', fileName, size: m.size, wireSize: m.wireSize, mtimeMs: m.mtimeMs }, uid: targetUids[i]! });
      });
    } catch (err) {
      // RFC 3501: a COPY that fails (a full disk part-way) leaves the target as it was.
      await inSlices(made.keys(), (i) => rmSync(join(target.dir, 'cur', made[i]!.file.fileName), { force: true }));
      throw err;
    }
    const added = made.map(({ file, uid }) => target.state.adopt(file, uid));
    await copyCachedFields(source, target, copied, added);
    await target.state.announceArrivals(added);
    return { from: copied.map((m) => m.uid), to: added.map((m) => m.uid) };
  });
}

/** The fields worked out for the originals (ENVELOPE, …) go with them, as Dovecot copies its cache; not those a raised stamp left behind. */
async function copyCachedFields(source: MaildirFolder, target: MaildirFolder, from: readonly StoredMessage[], to: readonly StoredMessage[]): Promise<void> {
  for (const [i, m] of from.entries()) {
    for (const [field, value] of currentFields(await source.fields.all(m.base))) target.fields.set(to[i]!.base, field, value);
  }
}

/** Inside both folders' locks: the messages, their flags in the target's letters, and their UIDs there. */
async function prepare(source: MaildirFolder, target: MaildirFolder, uids: readonly number[], freshNames: boolean) {
  await source.state.refresh();
  if (target !== source) await target.state.refresh();
  const messages = uids.map((uid) => source.stored(uid)).filter((m): m is StoredMessage => m !== undefined);
  const flags = await targetFlags(source, target, messages);
  // A copy (or a move within one folder) is a new message: it gets a base name of its own.
  const bases = messages.map((m) => (freshNames || target.hasBase(m.base) ? uniqueBaseName(m.size, m.wireSize) : m.base));
  const targetUids = await target.state.reserveUids(bases);
  return { messages, flags, targetUids, bases };
}

/**
 * Keyword letters belong to a folder's own dovecot-keywords list: translate them by name.
 * A keyword the target cannot take is dropped (no letter left: a Maildir name holds 26; or a
 * keyword too long to create, known in the source only because it was put there by hand).
 */
async function targetFlags(source: MaildirFolder, target: MaildirFolder, messages: readonly StoredMessage[]): Promise<string[]> {
  if (source === target) return messages.map((m) => m.flags);
  const names = new Set(messages.flatMap((m) => source.keywords.namesOf(m.flags)));
  for (const name of names) {
    try {
      await target.keywords.lettersFor([name]);
    } catch (err) {
      if (!(err instanceof KeywordRefused)) throw err;
    }
  }
  return messages.map((m) => {
    const system = [...m.flags].filter((l) => !isKeywordLetter(l)).join('');
    const keywords = source.keywords.namesOf(m.flags).map((n) => target.keywords.letterOf(n) ?? '').join('');
    return normaliseFlags(system + keywords);
  });
}
