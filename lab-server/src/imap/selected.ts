/**
 * The selected mailbox as one session sees it: its own numbering of the messages (sequence
 * number -> UID), the flags it last told the client, and which messages are \Recent for it.
 * Other sessions, SMTP and POP3 change the folder underneath; `updates()` turns the difference
 * into EXISTS, EXPUNGE and FETCH FLAGS responses at the moments RFC 3501 allows.
 */
import type { FolderChange, MaildirFolder, MessageInfo } from '../maildir/folder.js';
import { imapFlags } from './flags.js';
import { SequenceSet } from './sequenceSet.js';

export interface SelectedMessage {
  seq: number;
  uid: number;
}

export class SelectedMailbox {
  private uids: number[] = [];
  /**
   * Maildir letters last reported to the client, aligned with `uids`. An array rather than a
   * map: with 100 sessions on a 5,000-message mailbox, this is most of what a session holds.
   */
  private reported: string[] = [];
  private recent = new Set<number>();
  private highestUid = 0;
  private changed = false;
  /** The folder's version when this view last matched it. */
  private seenVersion = -1;
  /** Expunged messages kept in the view (during FETCH/STORE/SEARCH) until they can be reported. */
  private ghosts = false;
  private waiter: (() => void) | undefined;
  /** False in an IMAP4rev2 session, which has no \Recent flag and no RECENT response (RFC 9051). */
  reportsRecent = true;
  /** UIDs a SEARCH RETURN (SAVE) kept, which "$" names (RFC 5182); empty after SELECT. */
  savedResult = SequenceSet.of([]);
  private readonly onChange = (_change: FolderChange): void => {
    this.changed = true;
    const w = this.waiter;
    this.waiter = undefined;
    w?.();
  };

  private constructor(
    /** The mailbox name as the client selected it (Unicode). */
    readonly name: string,
    readonly folder: MaildirFolder,
    readonly readOnly: boolean,
  ) {}

  /** Opens a folder: a read-write open claims the messages in new/ as this session's \Recent. */
  static async open(name: string, folder: MaildirFolder, readOnly: boolean): Promise<SelectedMailbox> {
    const selected = new SelectedMailbox(name, folder, readOnly);
    folder.changes.on('change', selected.onChange);
    try {
      const messages = await folder.sync();
      await selected.noticeRecent(messages);
      for (const info of folder.list()) selected.add(info);
      selected.changed = false;
      return selected;
    } catch (err) {
      selected.close();
      throw err;
    }
  }

  close(): void {
    this.folder.changes.off('change', this.onChange);
    this.onChange({ type: 'exists' });
  }

  get exists(): number {
    return this.uids.length;
  }

  get recentCount(): number {
    return this.recent.size;
  }

  /** The UID the next delivered message will get. */
  get uidNext(): number {
    return this.folder.nextUid;
  }

  /** UIDs in sequence order (a copy). */
  allUids(): number[] {
    return [...this.uids];
  }

  uidAt(seq: number): number | undefined {
    return this.uids[seq - 1];
  }

  /** The sequence number of a UID, or 0 when it is not in this session's view. */
  seqOf(uid: number): number {
    let lo = 0;
    let hi = this.uids.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const v = this.uids[mid]!;
      if (v === uid) return mid + 1;
      if (v < uid) lo = mid + 1;
      else hi = mid - 1;
    }
    return 0;
  }

  /** The message as stored now, or undefined if another session expunged it. */
  info(uid: number): MessageInfo | undefined {
    return this.folder.get(uid);
  }

  isRecent(uid: number): boolean {
    return this.recent.has(uid);
  }

  /** The IMAP flags of a message as they are now, \Recent included. */
  flagsOf(info: MessageInfo): string[] {
    return imapFlags(info.flags, this.reportsRecent && this.recent.has(info.uid));
  }

  /** Records that the client has been told these flags (by FETCH or STORE). */
  noteReported(uid: number, letters: string): void {
    const seq = this.seqOf(uid);
    if (seq > 0) this.reported[seq - 1] = letters;
  }

  /**
   * The messages a set names. By sequence number a number past the end is an error (the
   * client's numbering is out of step); by UID, UIDs that do not exist are simply skipped.
   */
  resolve(set: SequenceSet, byUid: boolean): SelectedMessage[] | { tooHigh: number } {
    if (set.isSaved) return this.resolve(this.savedResult, true);
    if (!byUid && set.highestNumber > this.uids.length) return { tooHigh: set.highestNumber };
    const star = byUid ? (this.uids[this.uids.length - 1] ?? 0) : this.uids.length;
    // Walk each (sorted, merged) range from its first member, never the whole mailbox.
    const out: SelectedMessage[] = [];
    for (const [low, high] of set.resolve(star)) {
      if (byUid) {
        for (let i = this.firstIndexAtLeast(low); i < this.uids.length && this.uids[i]! <= high; i++) out.push({ seq: i + 1, uid: this.uids[i]! });
      } else {
        for (let seq = Math.max(low, 1); seq <= Math.min(high, this.uids.length); seq++) out.push({ seq, uid: this.uids[seq - 1]! });
      }
    }
    return out;
  }

  private firstIndexAtLeast(uid: number): number {
    let lo = 0;
    let hi = this.uids.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.uids[mid]! < uid) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /**
   * Brings the view up to date and returns the untagged responses that say what changed.
   * With allowExpunge false (during FETCH, STORE, SEARCH) expunged messages stay in the
   * view, numbered as before, until a later command may report them.
   */
  async updates(allowExpunge: boolean): Promise<string[]> {
    this.changed = false;
    await this.folder.sync();
    const lines: string[] = [];
    // Nothing moved since the last look: no need to compare every message.
    if (this.folder.version === this.seenVersion && !(allowExpunge && this.ghosts)) return lines;
    this.seenVersion = this.folder.version;
    this.ghosts = !allowExpunge;
    if (allowExpunge) {
      const kept: number[] = [];
      const keptFlags: string[] = [];
      let removed = 0;
      this.uids.forEach((uid, i) => {
        if (this.folder.get(uid)) {
          kept.push(uid);
          keptFlags.push(this.reported[i]!);
          return;
        }
        // Each EXPUNGE renumbers the messages after it, so later numbers shift down.
        lines.push(`${i + 1 - removed} EXPUNGE`);
        removed++;
        this.recent.delete(uid);
      });
      if (removed > 0) {
        this.uids = kept;
        this.reported = keptFlags;
      }
    }
    const all = this.folder.list();
    let first = all.length;
    while (first > 0 && all[first - 1]!.uid > this.highestUid) first--;
    if (first < all.length) {
      const arrivals = all.slice(first);
      await this.noticeRecent(arrivals);
      for (const info of arrivals) this.add(info);
      lines.push(`${this.uids.length} EXISTS`);
      if (this.reportsRecent) lines.push(`${this.recent.size} RECENT`);
    }
    this.uids.forEach((uid, i) => {
      const info = this.folder.get(uid);
      if (!info || this.reported[i] === info.flags) return;
      this.reported[i] = info.flags;
      lines.push(`${i + 1} FETCH (UID ${uid} FLAGS (${this.flagsOf(info).join(' ')}))`);
    });
    return lines;
  }

  /** Resolves when the folder changes (or at once if it already has): IDLE waits on this. */
  waitForChange(): Promise<void> {
    if (this.changed) return Promise.resolve();
    return new Promise((resolve) => {
      this.waiter = resolve;
    });
  }

  /**
   * Messages still in new/ are \Recent. A read-write session claims them (moves them to cur/),
   * so no later session sees them as recent; a read-only one only looks, as Dovecot does.
   */
  private async noticeRecent(messages: readonly MessageInfo[]): Promise<void> {
    const fresh = messages.filter((m) => m.dir === 'new').map((m) => m.uid);
    if (fresh.length === 0) return;
    const recent = this.readOnly ? fresh : await this.folder.claimNew(fresh);
    for (const uid of recent) this.recent.add(uid);
  }

  private add(info: MessageInfo): void {
    this.uids.push(info.uid);
    this.reported.push(info.flags);
    if (info.uid > this.highestUid) this.highestUid = info.uid;
  }
}
