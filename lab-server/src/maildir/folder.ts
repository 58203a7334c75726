/**
 * One Maildir folder (INBOX or a Maildir++ ".Name" folder): its messages, their UIDs and flags.
 *
 * The files are the single truth. `sync()` reads new/ and cur/, gives UIDs to messages it has
 * not seen (persisting them before anyone is shown them) and notices messages that vanished.
 * Every change made through this object is announced on `changes`, so live IMAP sessions and
 * POP3 locks learn about deliveries, flag changes and expunges made by other sessions.
 */
import { EventEmitter } from 'node:events';
import { mkdir, open, readdir, readFile, rename, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { curName, looksLikeMessage, normaliseFlags, parseName, uniqueBaseName } from './names.js';
import { readUidList, writeUidList, type UidList } from './uidlist.js';
import { toStored, wireSize } from './wire.js';

export interface MessageInfo {
  uid: number;
  /** Permanent base name (the file name before ":2,"). */
  base: string;
  /** Maildir flag letters, sorted (e.g. "RS" = answered and seen). */
  flags: string;
  /** 'new' until a client has seen the message, then 'cur'. */
  dir: 'new' | 'cur';
  fileName: string;
  /** Octets as stored (LF line ends). */
  size: number;
  /** Octets on the wire (CRLF line ends): RFC822.SIZE and POP3 sizes. */
  wireSize: number;
  /** When the message arrived: the file's modification time. */
  internalDate: Date;
}

export type FolderChange =
  | { type: 'exists' }
  | { type: 'flags'; uid: number; flags: string }
  | { type: 'expunge'; uids: number[] };

export interface DeliverOptions {
  /** Initial flags; a message with flags goes straight to cur/ (as IMAP APPEND does). */
  flags?: string;
  internalDate?: Date;
}

export class FolderNotFound extends Error {
  constructor(readonly folderName: string) {
    super(`No such folder: ${folderName}`);
  }
}

export class MaildirFolder {
  /** Announces FolderChange events to every session that has this folder open. */
  readonly changes = new EventEmitter();
  private uidList: UidList | undefined;
  private messages: MessageInfo[] = [];
  private byUid = new Map<number, MessageInfo>();
  private lastSeenMtimes = '';
  private dirty = true;
  private queue: Promise<unknown> = Promise.resolve();
  private changeCount = 0;

  constructor(
    readonly name: string,
    readonly dir: string,
  ) {
    // Many IMAP sessions may listen to one busy folder.
    this.changes.setMaxListeners(0);
  }

  get uidValidity(): number {
    return this.uidList?.uidValidity ?? 0;
  }

  get nextUid(): number {
    return this.uidList?.nextUid ?? 1;
  }

  /**
   * Goes up whenever the index may have changed (files found or gone, a rename, an expunge),
   * so a live session can skip comparing thousands of messages when nothing happened.
   */
  get version(): number {
    return this.changeCount;
  }

  /** Creates cur/, new/ and tmp/ if they are missing. */
  async create(): Promise<void> {
    await Promise.all(['cur', 'new', 'tmp'].map((d) => mkdir(join(this.dir, d), { recursive: true })));
  }

  async exists(): Promise<boolean> {
    try {
      return (await stat(join(this.dir, 'cur'))).isDirectory();
    } catch {
      return false;
    }
  }

  /**
   * Delivers a message atomically: write to tmp/, fsync, rename into new/ (or cur/ with flags).
   * A crash leaves at worst a file in tmp/, never a half-written message in new/.
   */
  async deliver(message: Buffer, options: DeliverOptions = {}): Promise<string> {
    const stored = toStored(message);
    const base = uniqueBaseName(stored.length, wireSize(stored), options.internalDate?.getTime());
    const tempPath = join(this.dir, 'tmp', base);
    const handle = await open(tempPath, 'wx');
    try {
      await handle.writeFile(stored);
      await handle.sync();
      if (options.internalDate) await handle.utimes(options.internalDate, options.internalDate);
    } catch (err) {
      await handle.close();
      await unlink(tempPath).catch(() => undefined);
      throw err;
    }
    await handle.close();
    const target =
      options.flags === undefined ? join(this.dir, 'new', base) : join(this.dir, 'cur', curName(base, options.flags));
    try {
      await rename(tempPath, target);
    } catch (err) {
      await unlink(tempPath).catch(() => undefined);
      throw err;
    }
    this.dirty = true;
    this.changes.emit('change', { type: 'exists' } satisfies FolderChange);
    return base;
  }

  /** Brings the index up to date with the files and returns the messages in UID order. */
  sync(): Promise<readonly MessageInfo[]> {
    return this.exclusive(() => this.syncNow());
  }

  /** The message with this UID as of the last sync. */
  get(uid: number): MessageInfo | undefined {
    return this.byUid.get(uid);
  }

  /** Messages as of the last sync, in UID order. */
  list(): readonly MessageInfo[] {
    return this.messages;
  }

  /** The stored bytes of a message (LF line ends), or undefined if it has been expunged. */
  async read(uid: number): Promise<Buffer | undefined> {
    const info = this.byUid.get(uid);
    if (!info) return undefined;
    try {
      return await readFile(join(this.dir, info.dir, info.fileName));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      // Renamed by a flag change we have not synced yet: look again.
      await this.sync();
      const again = this.byUid.get(uid);
      return again ? readFile(join(this.dir, again.dir, again.fileName)) : undefined;
    }
  }

  /** Replaces a message's flags; the message moves to cur/ with the flags in its name. */
  setFlags(uid: number, flags: string): Promise<MessageInfo | undefined> {
    return this.exclusive(async () => {
      await this.syncNow();
      const info = this.byUid.get(uid);
      if (!info) return undefined;
      const wanted = normaliseFlags(flags);
      const fileName = curName(info.base, wanted);
      if (info.dir === 'cur' && info.fileName === fileName) return info;
      await rename(join(this.dir, info.dir, info.fileName), join(this.dir, 'cur', fileName));
      Object.assign(info, { dir: 'cur', fileName, flags: wanted });
      this.changeCount++;
      this.changes.emit('change', { type: 'flags', uid, flags: wanted } satisfies FolderChange);
      return info;
    });
  }

  /** Deletes messages for good. Returns the UIDs that were removed. */
  expunge(uids: Iterable<number>): Promise<number[]> {
    return this.exclusive(async () => {
      await this.syncNow();
      const removed: number[] = [];
      for (const uid of uids) {
        const info = this.byUid.get(uid);
        if (!info) continue;
        try {
          await unlink(join(this.dir, info.dir, info.fileName));
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
        }
        removed.push(uid);
      }
      if (removed.length > 0) {
        this.changeCount++;
        this.forget(new Set(removed));
        await this.saveUidList();
        this.changes.emit('change', { type: 'expunge', uids: removed } satisfies FolderChange);
      }
      return removed;
    });
  }

  /**
   * Replaces the flags of many messages in one pass (IMAP STORE on a range): one look at the
   * directories instead of one per message. Returns the messages that still exist.
   */
  storeFlags(changes: ReadonlyArray<{ uid: number; flags: string }>): Promise<MessageInfo[]> {
    return this.exclusive(async () => {
      await this.syncNow();
      const done: MessageInfo[] = [];
      for (const { uid, flags } of changes) {
        const info = this.byUid.get(uid);
        if (!info) continue;
        const wanted = normaliseFlags(flags);
        const fileName = curName(info.base, wanted);
        if (info.dir !== 'cur' || info.fileName !== fileName) {
          try {
            await rename(join(this.dir, info.dir, info.fileName), join(this.dir, 'cur', fileName));
          } catch (err) {
            // Expunged by another process between the sync and now: nothing to flag.
            if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue;
            throw err;
          }
          const changed = info.flags !== wanted;
          Object.assign(info, { dir: 'cur', fileName, flags: wanted });
          this.changeCount++;
          if (changed) this.changes.emit('change', { type: 'flags', uid, flags: wanted } satisfies FolderChange);
        }
        done.push(info);
      }
      return done;
    });
  }

  /**
   * Moves messages from new/ to cur/ with their flags unchanged: a client has now noticed them.
   * Returns the UIDs this call moved, so exactly one IMAP session reports each as \Recent.
   */
  claimNew(uids: Iterable<number>): Promise<number[]> {
    return this.exclusive(async () => {
      await this.syncNow();
      const claimed: number[] = [];
      for (const uid of uids) {
        const info = this.byUid.get(uid);
        if (!info || info.dir !== 'new') continue;
        const fileName = curName(info.base, info.flags);
        try {
          await rename(join(this.dir, 'new', info.fileName), join(this.dir, 'cur', fileName));
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue;
          throw err;
        }
        Object.assign(info, { dir: 'cur', fileName });
        this.changeCount++;
        claimed.push(uid);
      }
      return claimed;
    });
  }

  /**
   * Delivers messages (IMAP APPEND and COPY) and gives them UIDs in the order given, so a
   * client can be told which new UID belongs to which message (UIDPLUS). The uid list is on
   * disk before the UIDs are returned.
   */
  deliverAll(items: ReadonlyArray<{ message: Buffer; flags?: string; internalDate?: Date }>): Promise<number[]> {
    return this.exclusive(async () => {
      await this.syncNow();
      const list = this.uidList!;
      const uids: number[] = [];
      try {
        for (const item of items) {
          const base = await this.deliver(item.message, { flags: item.flags, internalDate: item.internalDate });
          const uid = list.nextUid++;
          list.uids.set(base, uid);
          uids.push(uid);
        }
      } finally {
        if (uids.length > 0) await this.saveUidList();
      }
      return uids;
    });
  }

  /** Runs one index-changing operation at a time, in call order. */
  private exclusive<T>(work: () => Promise<T>): Promise<T> {
    const run = this.queue.then(work, work);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async syncNow(): Promise<readonly MessageInfo[]> {
    let mtimes: string;
    try {
      const [n, c] = await Promise.all([stat(join(this.dir, 'new')), stat(join(this.dir, 'cur'))]);
      mtimes = `${n.mtimeMs}/${c.mtimeMs}`;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new FolderNotFound(this.name);
      throw err;
    }
    // Nothing changed on disk or through us since the last look: the index is current.
    if (!this.dirty && mtimes === this.lastSeenMtimes) return this.messages;
    this.dirty = false;
    this.lastSeenMtimes = mtimes;
    this.changeCount++;

    if (!this.uidList) {
      this.uidList = (await readUidList(this.dir)) ?? {
        uidValidity: Math.floor(Date.now() / 1000),
        nextUid: 1,
        uids: new Map(),
      };
    }
    const onDisk = new Map<string, { dir: 'new' | 'cur'; fileName: string }>();
    for (const dir of ['new', 'cur'] as const) {
      for (const fileName of await readdir(join(this.dir, dir))) {
        if (looksLikeMessage(fileName)) onDisk.set(parseName(fileName).base, { dir, fileName });
      }
    }

    const gone = new Set<number>();
    for (const info of this.messages) {
      const file = onDisk.get(info.base);
      if (!file) {
        gone.add(info.uid);
        continue;
      }
      info.dir = file.dir;
      info.fileName = file.fileName;
      info.flags = file.dir === 'cur' ? parseName(file.fileName).flags : '';
      onDisk.delete(info.base);
    }
    if (gone.size > 0) this.forget(gone);

    const list = this.uidList;
    let listChanged = gone.size > 0;
    const arrivals: MessageInfo[] = [];
    for (const [base, file] of onDisk) {
      let uid = list.uids.get(base);
      if (uid === undefined) {
        uid = list.nextUid++;
        list.uids.set(base, uid);
        listChanged = true;
      }
      arrivals.push(await this.describe(uid, base, file.dir, file.fileName));
    }
    // The uid list must be on disk before any client is shown a new UID.
    if (listChanged) await this.saveUidList();
    if (arrivals.length > 0) {
      for (const info of arrivals) this.byUid.set(info.uid, info);
      this.messages = [...this.messages, ...arrivals].sort((a, b) => a.uid - b.uid);
    }
    if (gone.size > 0) this.changes.emit('change', { type: 'expunge', uids: [...gone] } satisfies FolderChange);
    return this.messages;
  }

  private async describe(uid: number, base: string, dir: 'new' | 'cur', fileName: string): Promise<MessageInfo> {
    const parsed = parseName(fileName);
    const path = join(this.dir, dir, fileName);
    const st = await stat(path);
    let wire = parsed.wireSize;
    // A file dropped in by hand has no W= in its name: count its line ends once.
    if (wire === undefined || parsed.size !== st.size) wire = wireSize(await readFile(path));
    return {
      uid,
      base,
      flags: dir === 'cur' ? parsed.flags : '',
      dir,
      fileName,
      size: st.size,
      wireSize: wire,
      internalDate: st.mtime,
    };
  }

  private forget(uids: Set<number>): void {
    this.messages = this.messages.filter((m) => !uids.has(m.uid));
    for (const uid of uids) {
      const info = this.byUid.get(uid);
      if (info) this.uidList?.uids.delete(info.base);
      this.byUid.delete(uid);
    }
  }

  private async saveUidList(): Promise<void> {
    if (this.uidList) await writeUidList(this.dir, this.uidList);
  }
}
