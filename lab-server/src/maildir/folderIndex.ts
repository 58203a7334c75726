/**
 * The index of one folder in memory, in the spirit of Dovecot's dovecot.index: every message
 * in UID order with its file, flags, sizes and modification sequence, and the folder's
 * counters (UIDVALIDITY, UIDNEXT, HIGHESTMODSEQ, the first UID still \Recent) and a bounded
 * history of expunges for QRESYNC. indexFile.ts writes it to disk, indexLog.ts records the
 * changes made since, and scan.ts squares it with the files.
 */
import type { StoredMessage } from './message.js';
import { nextTurn } from './slices.js';

/** Messages add() takes in one turn of the event loop when many come at once (about 2 ms' worth). */
const ADD_SLICE = 4096;

export interface ExpungeRecord {
  modseq: number;
  uids: number[];
}

/**
 * The modification times of new/ and cur/ when the index last matched them. While they stay
 * the same, nothing has changed and no directory needs reading. `trusted` is false when the
 * look came so soon after a change that a second change within the same clock tick would
 * leave the same time behind; then the next look reads the directories anyway.
 */
export interface DirStamp {
  newMtime: number;
  curMtime: number;
  trusted: boolean;
}

/** Expunged UIDs remembered for VANISHED (EARLIER); older ones are forgotten. */
const MAX_EXPUNGE_HISTORY = 20_000;

export class FolderIndex {
  uidValidity = 0;
  nextUid = 1;
  highestModseq = 0;
  /** Messages with this UID or above are \Recent: no read-write session has noticed them yet. */
  firstRecentUid = 1;
  /** Expunges with a modseq up to this one are no longer remembered one by one. */
  expungeHorizon = 0;
  expunged: ExpungeRecord[] = [];
  stamp: DirStamp | undefined;
  /** Size of the uid list when the index was last written. */
  uidlistSize = 0;
  /**
   * Size of the field cache file the messages' `cacheAt` offsets describe (-1: none). The
   * cache is trusted by them alone only while the file still has exactly this size.
   */
  cacheSize = -1;
  /** Messages removed from this index in memory so far (expunged, or gone from the directories). */
  removals = 0;
  private list: StoredMessage[] = [];
  private readonly byUid = new Map<number, StoredMessage>();
  private readonly byBase = new Map<string, StoredMessage>();

  /** Messages in UID order. */
  get messages(): readonly StoredMessage[] {
    return this.list;
  }

  get(uid: number): StoredMessage | undefined {
    return this.byUid.get(uid);
  }

  byBaseName(base: string): StoredMessage | undefined {
    return this.byBase.get(base);
  }

  /**
   * A new modification sequence, higher than any given before. The first is 2: a folder in
   * which nothing has happened yet reports HIGHESTMODSEQ 1 (RFC 7162 has no 0 for a mailbox
   * that keeps modseqs), and a client that saw that must find every later change above it.
   */
  nextModseq(): number {
    this.highestModseq = Math.max(this.highestModseq, 1) + 1;
    return this.highestModseq;
  }

  add(messages: readonly StoredMessage[]): void {
    if (messages.length === 0) return;
    const last = this.list.at(-1)?.uid ?? 0;
    for (const m of messages) {
      this.byUid.set(m.uid, m);
      this.byBase.set(m.base, m);
      if (m.uid >= this.nextUid) this.nextUid = m.uid + 1;
    }
    // One push per message: push(...messages) passes each as an argument, and past about
    // 120,000 (files dropped into new/ by the hundred thousand) that overflows the stack.
    for (const m of messages) this.list.push(m);
    if (messages.some((m, i) => m.uid <= (i === 0 ? last : messages[i - 1]!.uid))) this.list.sort((a, b) => a.uid - b.uid);
  }

  /** add(), a slice at a time: 100,000 files dropped into new/ held the event loop 40 ms in one add(). */
  async addInSlices(messages: readonly StoredMessage[]): Promise<void> {
    for (let at = 0; at < messages.length; at += ADD_SLICE) {
      if (at > 0) await nextTurn();
      this.add(messages.slice(at, at + ADD_SLICE));
    }
  }

  /** Forgets expunged messages and remembers their UIDs with the expunge's modseq. */
  remove(uids: ReadonlySet<number>, modseq: number): void {
    if (uids.size === 0) return;
    this.removals += uids.size;
    this.list = this.list.filter((m) => !uids.has(m.uid));
    for (const uid of uids) {
      const m = this.byUid.get(uid);
      if (m && this.byBase.get(m.base) === m) this.byBase.delete(m.base);
      this.byUid.delete(uid);
    }
    this.rememberExpunge({ modseq, uids: [...uids].sort((a, b) => a - b) });
  }

  rememberExpunge(record: ExpungeRecord): void {
    this.expunged.push(record);
    let total = this.expunged.reduce((n, r) => n + r.uids.length, 0);
    while (total > MAX_EXPUNGE_HISTORY && this.expunged.length > 1) {
      const dropped = this.expunged.shift()!;
      total -= dropped.uids.length;
      this.expungeHorizon = Math.max(this.expungeHorizon, dropped.modseq);
    }
  }

  /**
   * UIDs expunged after `modseq`, or undefined when the history no longer reaches back that
   * far (the caller then treats every UID it cannot find as possibly expunged).
   */
  expungedSince(modseq: number): number[] | undefined {
    if (modseq < this.expungeHorizon) return undefined;
    return this.expunged.filter((r) => r.modseq > modseq).flatMap((r) => r.uids);
  }

  /** How many messages are \Recent now. */
  get recentCount(): number {
    let n = 0;
    for (let i = this.list.length - 1; i >= 0 && this.list[i]!.uid >= this.firstRecentUid; i--) n++;
    return n;
  }
}
