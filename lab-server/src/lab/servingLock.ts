/**
 * One serving lab per data directory. A lab keeps each folder's index in memory and trusts it
 * is the only writer of it (as Dovecot trusts its locks), so a second `maillab serve` on the
 * same directory, or a `maillab reset` of a sandbox under a running lab, would write over
 * what the running lab holds: UIDs reused, messages it no longer sees. `maillab serve` takes
 * the directory by writing its PID into maillab.pid (created exclusively); the others read it.
 *
 * A lab that was killed leaves the file behind: a PID that no longer runs, or that now belongs
 * to some other program, or to this very process (a container restarted as PID 1 again), does
 * not hold the directory.
 */
import { closeSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';

const LOCK_FILE = 'maillab.pid';

/** Another live lab serves the directory. */
export class DataDirTaken extends Error {
  constructor(
    readonly dataDir: string,
    readonly pid: number,
  ) {
    super(`Another MailLab (PID ${pid}) is serving the data directory ${dataDir}`);
  }
}

export interface ServingLock {
  /** Gives the directory up (at a clean stop); safe to call more than once. */
  release(): void;
}

/** The PID of the live lab serving `dataDir`, if there is one. */
export function servingPid(dataDir: string): number | undefined {
  const pid = recordedPid(join(dataDir, LOCK_FILE));
  return pid !== undefined && pid !== process.pid && isLab(pid) ? pid : undefined;
}

/** Takes `dataDir` for this process (which must exist), or throws DataDirTaken. */
export function takeDataDir(dataDir: string): ServingLock {
  const path = join(dataDir, LOCK_FILE);
  // Twice at most: once more after clearing a stale file.
  for (let attempt = 0; ; attempt++) {
    let fd: number;
    try {
      fd = openSync(path, 'wx', 0o600);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 0) throw err;
      const holder = servingPid(dataDir);
      if (holder !== undefined) throw new DataDirTaken(dataDir, holder);
      rmSync(path, { force: true });
      continue;
    }
    try {
      writeSync(fd, `${process.pid}\n`);
    } finally {
      closeSync(fd);
    }
    let released = false;
    return {
      release() {
        if (released) return;
        released = true;
        // Only our own: never a file some later lab wrote after taking over a stale one.
        if (recordedPid(path) === process.pid) rmSync(path, { force: true });
      },
    };
  }
}

/** The PID a lock file names, if it names one. */
function recordedPid(path: string): number | undefined {
  try {
    const pid = Number(readFileSync(path, 'latin1').trim());
    return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** True when `pid` runs and, where /proc tells, is a Node process (a lab). */
function isLab(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    // EPERM: it runs, as another user.
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  try {
    const command = readFileSync(`/proc/${pid}/cmdline`, 'latin1');
    return /node|maillab/i.test(command);
  } catch {
    // No /proc (macOS): a live PID is taken for a lab.
    return true;
  }
}
