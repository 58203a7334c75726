/**
 * A file that lines are appended to, as a log is. Lines written in the same moment go out in
 * one write. The file stays open while lines keep coming and is closed after a quiet moment,
 * so an idle log holds no descriptor. A file grown past its limit is rotated to <file>.1
 * first, as logrotate would: rotating the old file away, rather than trimming it, keeps every
 * append a plain append.
 *
 * The write itself is synchronous: appending a few hundred bytes to an open file takes about
 * 20 microseconds, while handing it to the thread pool cost the event loop more than that in
 * thread wake-ups, per line, when a server was taking hundreds of messages a second.
 */
import { ftruncateSync, writeSync } from 'node:fs';
import { open, rename, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { makeDirsBelow } from './dirsBelow.js';

/** How long an open log waits for the next line before it closes its file. */
const CLOSE_WHEN_IDLE_MS = 2000;

export class AppendLog {
  private chain: Promise<void> = Promise.resolve();
  private pending: string[] = [];
  /** The append that will carry the pending lines. */
  private nextAppend: Promise<void> | undefined;
  private handle: FileHandle | undefined;
  /** Bytes in the file: read when it is opened, then counted (this object is its only writer). */
  private size = 0;
  private idleTimer: NodeJS.Timeout | undefined;

  constructor(
    readonly file: string,
    private readonly maxBytes: number,
  ) {}

  /** Appends one line (without its newline); resolves once the line is in the file. */
  append(line: string): Promise<void> {
    this.pending.push(`${line}\n`);
    if (!this.nextAppend) {
      const append = this.chain.then(() => this.appendPending());
      this.nextAppend = append;
      this.chain = append.catch(() => undefined);
    }
    return this.nextAppend;
  }

  /** Resolves when every line appended so far has been written (or failed to be). */
  flushed(): Promise<void> {
    return this.chain;
  }

  /** Writes what is pending and closes the file (it opens again for the next line). */
  close(): Promise<void> {
    this.chain = this.chain.then(() => this.closeFile()).catch(() => undefined);
    return this.chain;
  }

  private async appendPending(): Promise<void> {
    clearTimeout(this.idleTimer);
    const text = this.pending.join('');
    this.pending = [];
    this.nextAppend = undefined;
    try {
      let handle = this.handle ?? (await this.openFile());
      if (this.size > this.maxBytes) {
        await this.closeFile();
        await rename(this.file, `${this.file}.1`).catch(() => undefined);
        handle = await this.openFile();
      }
      const bytes = Buffer.from(text);
      let at = 0;
      try {
        while (at < bytes.length) at += writeSync(handle.fd, bytes, at);
      } catch (err) {
        // A full disk may have taken part of the lines: cut it off, or the next line would be glued to it.
        if (at > 0) ftruncateSync(handle.fd, this.size);
        throw err;
      }
      this.size += bytes.length;
    } finally {
      this.idleTimer = setTimeout(() => void this.close(), CLOSE_WHEN_IDLE_MS).unref();
    }
  }

  private async openFile(): Promise<FileHandle> {
    const handle = await open(this.file, 'a').catch(async (err: NodeJS.ErrnoException) => {
      // No directory yet: make it, but not the one it is in (a removed sandbox's log must not bring the sandbox back).
      if (err.code !== 'ENOENT') throw err;
      await makeDirsBelow(dirname(dirname(this.file)), dirname(this.file));
      return open(this.file, 'a');
    });
    this.size = (await handle.stat()).size;
    this.handle = handle;
    return handle;
  }

  private async closeFile(): Promise<void> {
    clearTimeout(this.idleTimer);
    const handle = this.handle;
    this.handle = undefined;
    await handle?.close();
  }
}
