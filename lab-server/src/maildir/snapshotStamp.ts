/**
 * A cheap stamp of everything the live Maildir view shows, so its poll (every 1.5 s while the
 * view is on screen) can be answered "nothing changed" without syncing a single folder: the
 * folder names, the times of each folder's new/ and cur/ (every delivery, flag change, expunge
 * and hand-made change renames or removes a file there, which moves them) and the files in
 * tmp/ with their sizes (a file being written grows without touching its directory). Building
 * the view itself syncs every folder of every user: 230 KB of JSON for 2,700 messages.
 */
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import type { Sandbox } from '../world/sandbox.js';
import { dirMtimes, trustworthy } from './scan.js';
import { listTmp } from './snapshot.js';
import { mailboxOf } from './sandboxMaildirs.js';

/**
 * The stamp of the sandbox's Maildirs as they are now, or undefined when a directory changed
 * so lately that a second change could still leave its time as it is (the view must then be
 * built again at the next look, as folderState.ts reads such a directory again).
 */
export async function sandboxMaildirStamp(sandbox: Sandbox): Promise<string | undefined> {
  const lookedAt = Date.now();
  const parts: unknown[] = [sandbox.id];
  const times: number[] = [];
  for (const user of sandbox.definition.users) {
    const mailbox = mailboxOf(sandbox, user);
    const names = await mailbox.folderNames();
    parts.push(user.address, names);
    for (const name of names) {
      const folder = mailbox.folder(name);
      const mtimes = folderTimes(folder.dir);
      times.push(...mtimes);
      parts.push(mtimes, (await listTmp(join(folder.dir, 'tmp'))).map((f) => [f.name, f.size]));
    }
  }
  if (!trustworthy(times, lookedAt)) return undefined;
  return createHash('sha256').update(JSON.stringify(parts)).digest('base64url').slice(0, 27);
}

/** new/ and cur/'s times, or none when the folder went away since it was listed (the next look says so). */
function folderTimes(dir: string): number[] {
  try {
    return dirMtimes(dir);
  } catch {
    return [];
  }
}
