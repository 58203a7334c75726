/**
 * Looks at a sandbox's Maildir the way a learner would: by listing files on disk.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

export function maildirPath(dataDir: string, sandbox: string, address: string, folder = ''): string {
  const [local, domain] = address.split('@') as [string, string];
  return join(dataDir, 'sandboxes', sandbox, 'vhosts', domain, local, folder ? `.${folder}` : '');
}

export async function listMaildir(dir: string): Promise<{ new: string[]; cur: string[]; tmp: string[] }> {
  const [n, c, t] = await Promise.all(['new', 'cur', 'tmp'].map((d) => readdir(join(dir, d)).then((x) => x.sort())));
  return { new: n!, cur: c!, tmp: t! };
}

/** Contents of every message file in new/ and cur/. */
export async function readAllMessages(dir: string): Promise<string[]> {
  const l = await listMaildir(dir);
  return Promise.all([...l.new.map((f) => join(dir, 'new', f)), ...l.cur.map((f) => join(dir, 'cur', f))].map((p) => readFile(p, 'utf8')));
}
