/**
 * Folders whose index is in memory, so the idle ones can let it go. A 4,000-message INBOX
 * opened once keeps about 1 MB of message objects: a class of 300 learners who each came once
 * kept 300 MB of heap for good (`npm run bench -- sandboxes`). A folder nobody has used for
 * IDLE_MS — no IMAP session has it selected, no POP3 session holds it, no command or read used
 * it (a delivery needs no index) — writes its index file and drops the objects; the next use
 * loads them again from the files, as after a restart (UIDs, flags, keywords, modseqs, \Recent
 * and the expunge history are all on disk).
 */

/** A loaded folder, as this sweep sees it (MaildirFolder). */
export interface IdleCandidate {
  /** Goes up with every use (reads, operations, commands). */
  readonly uses: number;
  /** Lets the in-memory index go if nothing uses the folder and nothing used it since `seenUses`; true if it went. */
  letGoIfUnused(seenUses: number | undefined): Promise<boolean>;
}

/** How long a folder goes unused before its in-memory index is let go. */
const IDLE_MS = 5 * 60_000;

let idleMs = IDLE_MS;
/** Each loaded folder, with its use count when it was last seen to change and when that was. */
const loaded = new Map<IdleCandidate, { uses: number; at: number }>();
let timer: NodeJS.Timeout | undefined;
let sweeping = false;

/** Sets how long a folder may go unused before it is let go (tests; `serve` keeps the default). */
export function setFolderIdleTime(ms: number): void {
  idleMs = ms;
  clearInterval(timer);
  timer = undefined;
  if (loaded.size > 0) startSweeps();
}

/** A folder loaded its index. */
export function folderLoaded(folder: IdleCandidate): void {
  loaded.set(folder, { uses: folder.uses, at: performance.now() });
  if (!timer) startSweeps();
}

/** A folder let its index go, or was removed. */
export function folderUnloaded(folder: IdleCandidate): void {
  loaded.delete(folder);
  if (loaded.size === 0) {
    clearInterval(timer);
    timer = undefined;
  }
}

/**
 * Lets go of every folder unused for `idleFor` ms (0: every folder unused right now, for
 * measurements); returns how many went.
 */
export async function letGoOfIdleFolders(idleFor = idleMs): Promise<number> {
  const now = performance.now();
  const due: Array<[IdleCandidate, number | undefined]> = [];
  for (const [folder, seen] of loaded) {
    if (idleFor === 0) {
      due.push([folder, undefined]);
    } else if (folder.uses !== seen.uses) {
      seen.uses = folder.uses;
      seen.at = now;
    } else if (now - seen.at >= idleFor) {
      due.push([folder, seen.uses]);
    }
  }
  let gone = 0;
  // One at a time: each writes its index file first.
  for (const [folder, uses] of due) {
    const went = await folder.letGoIfUnused(uses).catch((err: NodeJS.ErrnoException) => {
      // Its directory is gone (removed by hand): nothing left to write, nor to sweep again.
      if (err.code === 'ENOENT') folderUnloaded(folder);
      return false;
    });
    if (went) gone++;
  }
  return gone;
}

function startSweeps(): void {
  timer = setInterval(() => {
    if (sweeping) return;
    sweeping = true;
    void letGoOfIdleFolders().finally(() => (sweeping = false));
  }, Math.max(10, Math.min(idleMs / 2, 60_000)));
  timer.unref();
}
