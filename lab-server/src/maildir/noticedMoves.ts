/**
 * When a read-write client notices new mail, Maildir says its files move from new/ to cur/.
 * Dovecot does the renames inside SELECT; here they come a moment after the reply, because on a
 * first SELECT of 5,000 fresh messages one rename each is most of the work, and the client
 * waits for none of it: \Recent is kept in the index, not in where the files are.
 *
 * The moves wait until the folder has had no reader, operation or IMAP command in progress for
 * QUIET_MS (so a client's first FETCH right after SELECT is not slowed, nor its files renamed
 * under it), or after MAX_WAIT_MS between two commands however busy it stays, and then go one
 * bounded slice at a time, each slice one exclusive folder operation that updates the index in
 * the same synchronous step as its renames: no open ever races a rename. A crash before they are
 * done leaves the files in new/ under their UIDs, and the next read-write open moves them; a
 * flush (idle or shutdown) with no command in progress finishes them.
 */
import { moveNoticedToCur } from './fileMoves.js';
import { FolderNotFound, type FolderState } from './folderState.js';
import type { StoredMessage } from './message.js';
import { nextTurn, SLICE_MS } from './slices.js';

/** How long the folder must go unused before the moves start. */
const QUIET_MS = 50;
/** However busy the folder, the moves start this long after they were asked for. */
const MAX_WAIT_MS = 1000;
/** Full looks at the directories one call makes when files keep moving under it; then it waits for the next. */
const STALE_LOOKS = 3;

/** How busy a folder is, as its MaildirFolder counts it. */
export interface FolderUse {
  /** Goes up with every read and operation. */
  count: number;
  /** Commands in progress on the folder (IMAP holds it for each command but IDLE). */
  held: number;
}

export class NoticedMoves {
  private timer: NodeJS.Timeout | undefined;
  private askedAt = 0;
  private usesSeen = 0;
  private running = false;
  /** Asked again while a slice ran (a later claim): look once more afterwards. */
  private askedAgain = false;

  constructor(
    private readonly state: FolderState,
    private readonly dir: string,
    private readonly use: Readonly<FolderUse>,
    /** Runs work as one exclusive operation on the folder (not counted as a use). */
    private readonly exclusive: (work: () => Promise<boolean>) => Promise<boolean>,
  ) {}

  /** Moves the noticed files soon (once the folder is quiet). */
  schedule(): void {
    if (this.running) this.askedAgain = true;
    if (this.timer || this.running) return;
    this.askedAt = performance.now();
    this.wait(QUIET_MS);
  }

  cancel(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Moves every noticed file now, slice after slice (flush, shutdown); the caller holds the folder. */
  async finish(): Promise<void> {
    this.cancel();
    await this.move(true).catch((err: unknown) => {
      if (!(err instanceof FolderNotFound)) throw err;
    });
  }

  private wait(ms: number): void {
    this.usesSeen = this.use.count;
    this.timer = setTimeout(() => void this.tick(), ms);
    // A pending move never keeps the process alive: shutdown's flush finishes it.
    this.timer.unref();
  }

  private async tick(): Promise<void> {
    this.timer = undefined;
    // Never under a command in progress; between commands once quiet, or once waited long enough.
    const quiet = this.use.count === this.usesSeen || performance.now() - this.askedAt >= MAX_WAIT_MS;
    if (this.use.held > 0 || !quiet) return this.wait(QUIET_MS);
    this.running = true;
    this.askedAgain = false;
    let more = false;
    try {
      more = await this.exclusive(() => this.move(false));
    } catch {
      // The folder went away or the disk refused: the next read-write open tries again.
    } finally {
      this.running = false;
    }
    if (more) this.wait(0);
    else if (this.askedAgain) this.schedule();
  }

  /**
   * One slice of renames (true when some are left), or with `all`, every one of them. A file
   * another program moved or removed sends the folder back to its directories (a full look, its
   * times no longer trusted) before the next rename, at most STALE_LOOKS times a call: without
   * that, each slice tried the same missing files again and never finished (a lab spinning a
   * core, and deaf to SIGTERM, whose shutdown waits for these moves).
   */
  private async move(all: boolean): Promise<boolean> {
    const state = this.state;
    const waiting = (m: StoredMessage): boolean => m.dir === 'new' && m.uid < state.index.firstRecentUid;
    if (state.retired || !state.index.messages.some(waiting)) return false;
    await state.refresh();
    let looks = 0;
    for (;;) {
      const left = moveNoticedToCur(this.dir, state.index.messages, state.index.firstRecentUid, SLICE_MS);
      if (left === 'stale') {
        state.distrust();
        if (++looks > STALE_LOOKS) return true;
        await state.refresh();
        continue;
      }
      if (left === 'done' || !all) {
        // After renames of our own only: a folder sent back to its directories stays so.
        if (looks === 0) state.restamp();
        return left === 'more';
      }
      await nextTurn();
    }
  }
}
