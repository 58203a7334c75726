/**
 * The selected mailbox as one session sees it: its own numbering of the messages (sequence
 * number -> UID), the flags it last told the client, and which messages are \Recent for it.
 * Other sessions, SMTP and POP3 change the folder underneath; `updates()` turns the difference
 * into EXISTS, EXPUNGE, FLAGS and FETCH FLAGS responses at the moments RFC 3501 allows.
 *
 * \Recent is kept as Dovecot keeps it: the folder remembers the first UID no read-write session
 * has noticed; a read-write session that notices messages takes them as its own \Recent (and
 * the folder moves past them), a read-only one only looks.
 */
import type { FolderChange, MaildirFolder, MessageInfo } from '../maildir/folder.js';
import { imapFlags, SYSTEM_FLAGS } from './flags.js';
import { HighestModseqReport } from './highestModseq.js';
import { compactSet, lowerBound, SequenceSet } from './sequenceSet.js';

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
  /** UID ranges [from, to) that are \Recent for this session. */
  private recent: Array<[number, number]> = [];
  /** The keyword list last sent in FLAGS. */
  private keywordsVersion: number;
  private highestUid = 0;
  /** Where seqOf() last found a UID. */
  private lastIndex = -1;
  private changed = false;
  /** The folder's version when this view last matched it. */
  private seenVersion = -1;
  /** Expunged messages kept in the view (during FETCH/STORE/SEARCH) until they can be reported. */
  private ghosts = false;
  /** What the MODSEQs of FETCH responses may tell a QRESYNC client, and what to tell it (highestModseq.ts). */
  readonly modseqs = new HighestModseqReport();
  private waiter: (() => void) | undefined;
  /** False in an IMAP4rev2 session, which has no \Recent flag and no RECENT response (RFC 9051). */
  reportsRecent = true;
  /** The \Recent count last told (SELECT, then RECENT): told again whenever it differs, as Dovecot's imap-sync.c does. */
  private toldRecent = 0;
  /** CONDSTORE is on (RFC 7162): flag changes are reported with their MODSEQ. */
  reportsModseq = false;
  /** QRESYNC is on (RFC 7162): expunges are reported as VANISHED with UIDs, not EXPUNGE. */
  reportsVanished = false;
  /** UIDs a SEARCH RETURN (SAVE) kept, which "$" names (RFC 5182); empty after SELECT. */
  savedResult = SequenceSet.of([]);
  private readonly onChange = (_change: FolderChange): void => {
    this.changed = true;
    const w = this.waiter;
    this.waiter = undefined;
    w?.();
  };

  /** Keeps the folder's index in memory while selected (maildir/idleFolders.ts). */
  private readonly letGo: () => void;

  private constructor(
    /** The mailbox name as the client selected it (Unicode). */
    readonly name: string,
    readonly folder: MaildirFolder,
    readonly readOnly: boolean,
  ) {
    this.keywordsVersion = folder.keywords.version;
    this.letGo = folder.keepOpen();
  }

  /** Opens a folder: a read-write open claims the messages in new/ as this session's \Recent. */
  static async open(name: string, folder: MaildirFolder, readOnly: boolean): Promise<SelectedMailbox> {
    const selected = new SelectedMailbox(name, folder, readOnly);
    folder.changes.on('change', selected.onChange);
    try {
      await folder.sync();
      await selected.noticeRecent();
      for (const info of folder.list()) selected.add(info);
      selected.keywordsVersion = folder.keywords.version;
      selected.toldRecent = selected.recentCount;
      selected.modseqs.opened(folder.highestModseq);
      // The view is the folder as it is now: the next command need not compare every message.
      selected.seenVersion = folder.version;
      selected.changed = false;
      return selected;
    } catch (err) {
      selected.close();
      throw err;
    }
  }

  close(): void {
    this.letGo();
    this.folder.changes.off('change', this.onChange);
    this.onChange({ type: 'exists' });
  }

  get exists(): number {
    return this.uids.length;
  }

  get recentCount(): number {
    let n = 0;
    for (const [from, to] of this.recent) n += lowerBound(this.uids, to) - lowerBound(this.uids, from);
    return n;
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
    // Most often the one after the last asked for (a FETCH or STORE walks the set in order): no search.
    const next = this.lastIndex + 1;
    if (this.uids[next] === uid) return (this.lastIndex = next) + 1;
    let lo = 0;
    let hi = this.uids.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const v = this.uids[mid]!;
      if (v === uid) return (this.lastIndex = mid) + 1;
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
    // Asked for every message of a FETCH FLAGS: an indexed loop, no iterator or destructuring.
    const recent = this.recent;
    for (let i = 0; i < recent.length; i++) if (uid >= recent[i]![0] && uid < recent[i]![1]) return true;
    return false;
  }

  /** The IMAP flags of a message as they are now, \Recent and keywords included. */
  flagsOf(info: MessageInfo): string[] {
    // Most messages of a big FETCH have no flags at all.
    if (info.flags === '') return this.reportsRecent && this.isRecent(info.uid) ? ['\\Recent'] : [];
    return [...imapFlags(info.flags, this.reportsRecent && this.isRecent(info.uid)), ...this.folder.keywords.namesOf(info.flags)];
  }

  /** The flags a client may see in this mailbox (FLAGS): the system flags and every keyword. */
  flagList(): string[] {
    return [...SYSTEM_FLAGS, ...this.folder.keywords.all()];
  }

  /**
   * FLAGS (and PERMANENTFLAGS) again when a keyword was added since the client was last told,
   * so it knows the new flag before a FETCH shows it.
   */
  flagListChanges(): readonly string[] {
    // Asked before every line of a FETCH: nothing new costs no array.
    if (this.keywordsVersion === this.folder.keywords.version) return NO_LINES;
    this.keywordsVersion = this.folder.keywords.version;
    const flags = this.flagList().join(' ');
    return this.readOnly ? [`FLAGS (${flags})`] : [`FLAGS (${flags})`, `OK [PERMANENTFLAGS (${flags} \\*)] Flags permitted`];
  }

  /** A message expunged by another session that this session has not been told about yet. */
  ghost(uid: number): MessageInfo | undefined {
    return this.folder.expunged(uid);
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
        for (let i = lowerBound(this.uids, low); i < this.uids.length && this.uids[i]! <= high; i++) out.push({ seq: i + 1, uid: this.uids[i]! });
      } else {
        for (let seq = Math.max(low, 1); seq <= Math.min(high, this.uids.length); seq++) out.push({ seq, uid: this.uids[seq - 1]! });
      }
    }
    return out;
  }

  /**
   * Brings the view up to date and returns the untagged responses that say what changed.
   * With allowExpunge false (during FETCH, STORE, SEARCH) expunged messages stay in the
   * view, numbered as before, until a later command may report them.
   */
  async updates(allowExpunge: boolean): Promise<string[]> {
    this.changed = false;
    await this.folder.sync();
    // Nothing moved since the last look: no need to compare every message.
    const lines = this.folder.version === this.seenVersion && !(allowExpunge && this.ghosts) ? [] : await this.compare(allowExpunge);
    // Moved again while this look waited (noticeRecent): what it missed is held back too.
    this.modseqs.afterLook(this.ghosts || this.folder.version !== this.seenVersion, this.folder.highestModseq);
    return lines;
  }

  private async compare(allowExpunge: boolean): Promise<string[]> {
    const lines: string[] = [];
    this.seenVersion = this.folder.version;
    if (allowExpunge) {
      const kept: number[] = [];
      const keptFlags: string[] = [];
      const vanished: number[] = [];
      this.uids.forEach((uid, i) => {
        if (this.folder.get(uid)) {
          kept.push(uid);
          keptFlags.push(this.reported[i]!);
          return;
        }
        // Highest first (reversed below), as Dovecot sends them: no number before one shifts.
        if (!this.reportsVanished) lines.push(`${i + 1} EXPUNGE`);
        vanished.push(uid);
      });
      if (vanished.length > 0) {
        if (this.reportsVanished) lines.push(`VANISHED ${compactSet(vanished)}`);
        else lines.reverse();
        this.uids = kept;
        this.reported = keptFlags;
      }
    }
    lines.push(...this.flagListChanges());
    const all = this.folder.list();
    let first = all.length;
    while (first > 0 && all[first - 1]!.uid > this.highestUid) first--;
    if (first < all.length) {
      const arrivals = all.slice(first);
      await this.noticeRecent();
      for (const info of arrivals) this.add(info);
      lines.push(`${this.uids.length} EXISTS`);
    }
    // After arrivals this session took, and after an EXPUNGE of a \Recent message.
    if (this.reportsRecent && this.recentCount !== this.toldRecent) lines.push(`${(this.toldRecent = this.recentCount)} RECENT`);
    this.ghosts = false;
    this.uids.forEach((uid, i) => {
      const info = this.folder.get(uid);
      if (!info) this.ghosts = true;
      if (!info || this.reported[i] === info.flags) return;
      this.reported[i] = info.flags;
      if (this.reportsModseq) this.modseqs.sent(info.modseq);
      // As Dovecot 2.3 writes them: the UID only under QRESYNC (RFC 7162 §3.2.4 asks it there),
      // the MODSEQ (under CONDSTORE) before the FLAGS.
      const uidItem = this.reportsVanished ? `UID ${uid} ` : '';
      const modseqItem = this.reportsModseq ? `MODSEQ (${info.modseq}) ` : '';
      lines.push(`${i + 1} FETCH (${uidItem}${modseqItem}FLAGS (${this.flagsOf(info).join(' ')}))`);
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
   * Takes the messages no read-write session has noticed as this session's \Recent: a
   * read-write session claims them (and the folder moves their files from new/ to cur/), so no
   * later session sees them as recent; a read-only one only looks, as Dovecot does.
   */
  private async noticeRecent(): Promise<void> {
    const range = this.readOnly ? { from: this.folder.firstRecentUid, to: this.folder.nextUid } : await this.folder.claimRecent();
    const from = Math.max(range.from, this.highestUid + 1);
    if (range.to <= from) return;
    const last = this.recent.at(-1);
    if (last && last[1] === from) last[1] = range.to;
    else this.recent.push([from, range.to]);
  }

  private add(info: MessageInfo): void {
    this.uids.push(info.uid);
    this.reported.push(info.flags);
    if (info.uid > this.highestUid) this.highestUid = info.uid;
  }
}

const NO_LINES: readonly string[] = [];
