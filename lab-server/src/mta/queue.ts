/**
 * One MTA's mail queue on disk, like Postfix's deferred/ directory: each queued message is
 * <queue>/<id>.eml (the message, as it will be sent) and <id>.json (envelope and delivery
 * state). The message is written first and the state file last, each with write, fsync,
 * rename: after a crash a message is either fully queued or not queued at all. The queue is
 * read back when the lab starts, so deferred mail survives a restart.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../files/atomicWrite.js';

export type RecipientStatus = 'pending' | 'sent' | 'bounced';

export interface QueuedRecipient {
  address: string;
  status: RecipientStatus;
  /** The last thing that happened to it, as the log says it: "connect to ...: Connection refused". */
  reason?: string;
  /** RFC 3463 status code of the last attempt: 2.0.0, 4.4.1, 5.1.1 ... */
  dsn?: string;
  /** "mail.otherdomain.com[192.0.2.200]:25", when a server answered. */
  remoteMta?: string;
  /** The server's reply, for the bounce's Diagnostic-Code. */
  diagnostic?: string;
}

export interface QueueEntry {
  id: string;
  /** Envelope sender; "" for a bounce (MAIL FROM:<>). */
  sender: string;
  recipients: QueuedRecipient[];
  /** When the message entered the queue (ms). */
  arrival: number;
  attempts: number;
  /** When the next attempt is due (ms). */
  nextAttempt: number;
  size: number;
  messageId?: string;
  subject?: string;
}

const QUEUE_ID = /^[0-9A-F]{10}$/;

/** A Postfix-like short queue id: ten upper-case hex digits. */
export function newQueueId(): string {
  return randomBytes(5).toString('hex').toUpperCase();
}

/** Runs one write of the queue, or drops it (the sandbox's world was reset since the queue was loaded). */
export type QueueWriteGuard = (write: () => Promise<void>) => Promise<boolean>;

export class MailQueue {
  constructor(
    readonly dir: string,
    private readonly guard: QueueWriteGuard = async (write) => (await write(), true),
  ) {}

  /** Puts a message in the queue, under `wantedId` if that is free. */
  async add(entry: Omit<QueueEntry, 'id' | 'size'>, message: Buffer, wantedId?: string): Promise<QueueEntry> {
    let id = wantedId && QUEUE_ID.test(wantedId) ? wantedId : newQueueId();
    while (await this.exists(id)) id = newQueueId();
    const full: QueueEntry = { ...entry, id, size: message.length };
    await this.guard(async () => {
      await mkdir(this.dir, { recursive: true });
      await writeFileAtomic(join(this.dir, `${id}.eml`), message);
      await this.writeEntry(full);
    });
    return full;
  }

  /** Writes an entry's state. */
  async save(entry: QueueEntry): Promise<void> {
    await this.guard(() => this.writeEntry(entry));
  }

  private writeEntry(entry: QueueEntry): Promise<void> {
    return writeFileAtomic(join(this.dir, `${entry.id}.json`), JSON.stringify(entry, null, 1) + '\n');
  }

  async message(id: string): Promise<Buffer> {
    return readFile(join(this.dir, `${id}.eml`));
  }

  /** Takes a message out of the queue (delivered, or bounced). */
  async remove(id: string): Promise<void> {
    if (!QUEUE_ID.test(id)) return;
    await rm(join(this.dir, `${id}.json`), { force: true });
    await rm(join(this.dir, `${id}.eml`), { force: true });
  }

  /** Every queued entry; leftovers of an interrupted add (a message without state) are removed. */
  async load(): Promise<QueueEntry[]> {
    let files: string[];
    try {
      files = await readdir(this.dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
    const entries: QueueEntry[] = [];
    for (const file of files) {
      // <id>.json, <id>.eml, or a temporary file of an interrupted write: <id>.json.<pid>.<n>.tmp
      const id = file.slice(0, file.indexOf('.'));
      if (!QUEUE_ID.test(id)) continue;
      if (file.endsWith('.tmp') || (file.endsWith('.eml') && !files.includes(`${id}.json`))) {
        await rm(join(this.dir, file), { force: true });
        continue;
      }
      if (!file.endsWith('.json')) continue;
      try {
        const entry = JSON.parse(await readFile(join(this.dir, file), 'utf8')) as QueueEntry;
        if (entry.id === id && Array.isArray(entry.recipients) && files.includes(`${id}.eml`)) entries.push(entry);
      } catch {
        // An unreadable state file: leave it for a person to look at, do not crash the queue.
      }
    }
    return entries.sort((a, b) => a.arrival - b.arrival);
  }

  private async exists(id: string): Promise<boolean> {
    try {
      await readFile(join(this.dir, `${id}.json`));
      return true;
    } catch {
      return false;
    }
  }
}
