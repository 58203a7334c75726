/**
 * Measures a sandbox on disk: the bytes of every file under it and the messages in its
 * Maildirs (files in a cur/ or new/ directory). A message's size is read from its name
 * (",S=1234", as Dovecot's maildir quota does) when it carries one, so a mailbox of thousands
 * of messages costs one directory listing per folder rather than a stat per message.
 */
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';

/** Stats in flight at once: enough to keep the disk busy, few enough to leave room for others. */
const PARALLEL = 32;

const SIZE_IN_NAME = /,S=(\d+)(?:[,:]|$)/;

export async function measureSandbox(dir: string): Promise<{ bytes: number; messages: number }> {
  let bytes = 0;
  let messages = 0;
  const toStat: string[] = [];
  const walk = async (path: string, inMaildir: boolean): Promise<void> => {
    let entries;
    try {
      entries = await readdir(path, { withFileTypes: true });
    } catch {
      return; // gone while we looked (a folder deleted, a sandbox reset)
    }
    await Promise.all(
      entries.map(async (e) => {
        const child = join(path, e.name);
        if (e.isDirectory()) return walk(child, e.name === 'cur' || e.name === 'new');
        if (!e.isFile()) return;
        if (inMaildir && !e.name.startsWith('.')) messages++;
        const named = inMaildir ? SIZE_IN_NAME.exec(e.name) : null;
        if (named) bytes += Number(named[1]);
        else toStat.push(child);
      }),
    );
  };
  await walk(dir, false);
  for (let i = 0; i < toStat.length; i += PARALLEL) {
    const sizes = await Promise.all(toStat.slice(i, i + PARALLEL).map((f) => stat(f).then((s) => s.size, () => 0)));
    for (const size of sizes) bytes += size;
  }
  return { bytes, messages };
}
