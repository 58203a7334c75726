/**
 * The appends to a folder's field cache file (fieldCache.ts), gathered and written together,
 * and every other use of the file (a reading, a rewrite) taken in turn with them: one thing
 * touches the file at a time, so a reading sees a size the offsets (cacheOffsets.ts) are set
 * to, and no append lands in the middle of a rewrite.
 */
import { appendFile } from 'node:fs/promises';
import type { CacheOffsets } from './cacheOffsets.js';

/** Appends are gathered and written together. */
const WRITE_AT = 256 * 1024;
const APPEND_DELAY_MS = 100;

export class CacheAppends {
  /** Records not yet appended to the file, as byte strings. */
  private pending: string[] = [];
  private pendingBytes = 0;
  private flushQueued = false;
  private writing: Promise<void> = Promise.resolve();
  private retired = false;

  constructor(
    private readonly file: string,
    private readonly offsets: CacheOffsets,
  ) {}

  /** No record waits to be appended. */
  get empty(): boolean {
    return this.pending.length === 0;
  }

  /** Queues a record; it is written with the next batch. */
  add(record: string): void {
    if (this.retired) return;
    this.pending.push(record);
    this.pendingBytes += record.length;
    if (this.pendingBytes >= WRITE_AT) void this.flush();
    else if (!this.flushQueued) {
      // A moment later rather than at the next turn: a FETCH of thousands of new messages
      // yields often, and an append per turn would be hundreds of small writes.
      this.flushQueued = true;
      setTimeout(() => void this.flush(), APPEND_DELAY_MS).unref();
    }
  }

  /** Writes the gathered appends; resolves when they (and what went before) are done. */
  flush(): Promise<void> {
    this.flushQueued = false;
    if (this.retired || this.pending.length === 0) return this.writing;
    const data = Buffer.from(this.pending.join(''), 'latin1');
    this.drop();
    return this.after(() =>
      appendFile(this.file, data).then(
        () => this.offsets.appended(data.length),
        () => this.offsets.failed(),
      ),
    );
  }

  /** Forgets the records not yet written (a rewrite holds them already). */
  drop(): void {
    this.pending = [];
    this.pendingBytes = 0;
  }

  /** Runs `work` once the writes under way are done; later writes wait for it (it may fail: they go on). */
  after<T>(work: () => Promise<T>): Promise<T> {
    const turn = this.writing.then(work);
    this.writing = turn.then(
      () => undefined,
      () => undefined,
    );
    return turn;
  }

  /** Nothing more is written; resolves when a write under way is done. */
  retire(): Promise<void> {
    this.retired = true;
    this.drop();
    return this.writing;
  }
}
