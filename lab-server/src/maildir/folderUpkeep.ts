/**
 * A folder's upkeep between commands: its queue of operations, the index file written once the
 * folder is quiet, the noticed files moved to cur/, and the index in memory let go when nobody
 * has used the folder for a while (idleFolders.ts). MaildirFolder runs every operation here.
 */
import { isOutOfSpace } from '../files/diskSpace.js';
import type { FieldCache } from './fieldCache.js';
import type { FolderState } from './folderState.js';
import { folderLoaded, folderUnloaded, type IdleCandidate } from './idleFolders.js';
import { NoticedMoves, type FolderUse } from './noticedMoves.js';
import { SerialQueue } from '../workers/serialQueue.js';

/** How long a folder stays unchanged before its index file is brought up to date; after a failed write (a full disk), the next try. */
const FLUSH_DELAY_MS = 1000;
const RETRY_FLUSH_MS = 30_000;

export class FolderUpkeep implements IdleCandidate {
  /** Reads, operations and commands in progress: the noticed files move while the folder is quiet. */
  readonly use: FolderUse = { count: 0, held: 0 };
  readonly noticedMoves: NoticedMoves;
  private readonly queue = new SerialQueue();
  private flushTimer: NodeJS.Timeout | undefined;
  /** Sessions that keep the folder open (an IMAP selection, a POP3 maildrop): its index stays in memory meanwhile. */
  private leases = 0;

  constructor(
    private readonly state: FolderState,
    private readonly fields: FieldCache,
    dir: string,
  ) {
    this.noticedMoves = new NoticedMoves(state, dir, this.use, (work) => this.run(work));
    state.afterCacheChange = () => this.flushWhenIdle();
    state.afterLoad = () => folderLoaded(this);
  }

  get uses(): number {
    return this.use.count;
  }

  /** A session keeps the folder open until the returned function is called: its index is never let go meanwhile. */
  keepOpen(): () => void {
    this.leases++;
    let open = true;
    return () => {
      if (open) this.leases--;
      open = false;
    };
  }

  /** Runs one operation at a time, in call order; it does not count as a use (MaildirFolder.exclusive() counts). */
  run<T>(work: () => Promise<T>): Promise<T> {
    const run = this.queue.run(work);
    void this.queue.idle().then(() => this.flushWhenIdle());
    return run;
  }

  /** Writes the index file now if it is behind (at shutdown, or when a folder goes idle). */
  flush(): Promise<void> {
    return this.run(() => this.writeIndex());
  }

  /**
   * Lets the index and field cache in memory go, once written to disk, if no session keeps the
   * folder open, no command is in progress and (given `seenUses`) nothing used it since then.
   */
  letGoIfUnused(seenUses?: number): Promise<boolean> {
    const unused = (): boolean =>
      this.leases === 0 && this.use.held === 0 && (seenUses === undefined || seenUses === this.use.count) && this.state.isLoaded && !this.state.retired;
    return this.run(async () => {
      if (!unused()) return false;
      await this.writeIndex();
      // Used meanwhile, or the index could not be written (a full disk): it stays.
      if (!unused() || this.state.snapshotDue) return false;
      clearTimeout(this.flushTimer);
      this.flushTimer = undefined;
      this.fields.unload();
      this.state.unload();
      folderUnloaded(this);
      return true;
    });
  }

  /** The folder was deleted or renamed: nothing is written to that path again. */
  retire(): void {
    this.state.retired = true;
    folderUnloaded(this);
    clearTimeout(this.flushTimer);
    this.noticedMoves.cancel();
  }

  /** flush() inside the queue. */
  private async writeIndex(): Promise<void> {
    // Not under a command in progress (a FETCH about to open the files): the moves wait for it.
    if (this.use.held === 0) await this.noticedMoves.finish();
    // The cache first, so the index is written with where each message's records now are.
    await this.fields.compact(new Set(this.state.index.messages.map((m) => m.base)));
    await this.fields.flush();
    this.state.cacheSettled(this.fields.settledSize());
    await this.state.flush();
  }

  /** Writes the index file a moment after the last change, not after every one; after a failure (a full disk), again later. */
  private flushWhenIdle(delay = FLUSH_DELAY_MS): void {
    if (!this.state.snapshotDue || this.flushTimer || this.state.retired) return;
    this.flushTimer = setTimeout(() => {
      this.flushTimer = undefined;
      this.flush().catch((err: unknown) => isOutOfSpace(err) && this.flushWhenIdle(RETRY_FLUSH_MS));
    }, delay);
    this.flushTimer.unref();
  }
}
