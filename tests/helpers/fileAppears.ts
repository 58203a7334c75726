/**
 * "A file appears" as a lesson says it: the machine-readable words on a try block's expect
 * fence, "```expect file carol@otherdomain.com new" (or "cur:2,S", ".Trash/cur:2,"; several
 * "file …" for several files), and the
 * check that typing the block made such a file show up in the live Maildir view the page has
 * beside it (GET /api/maildir, the page's own notion of "new since the last look").
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { diffFiles, fileKeys, type SandboxView } from '../../site/lib/maildirView.js';
import type { TestLab } from './lab.js';

export interface FileAppears {
  address: string;
  /** The folder's directory: '' for INBOX, '.Trash' for Trash. */
  dir: string;
  sub: 'new' | 'cur';
  /** The flag letters after ":2," the file must have exactly; undefined: any. */
  flags?: string;
  /** As the lesson writes it, for messages. */
  written: string;
}

/** The markers on an expect fence's info string (none: []). */
export function fileAppears(meta: string): FileAppears[] {
  const words = meta.trim();
  if (!words) return [];
  return words.split(/\s+(?=file\s)/).map((written) => {
    const m = /^file (\S+@\S+) (?:(\.[^/\s]+)\/)?(new|cur)(?::2,([A-Z]*))?$/.exec(written);
    if (!m) throw new Error(`"expect ${words}": write "expect file <address> [.Folder/]new|cur[:2,FLAGS]"`);
    return { address: m[1]!, dir: m[2] ?? '', sub: m[3] as 'new' | 'cur', flags: m[4], written };
  });
}

/** The sandbox as the page's Maildir view gets it. */
export async function maildirView(lab: TestLab): Promise<SandboxView> {
  const response = await fetch(`http://127.0.0.1:${lab.httpPort}/api/maildir`);
  if (!response.ok) throw new Error(`GET /api/maildir: HTTP ${response.status}`);
  return (await response.json()) as SandboxView;
}

/** The files of the view before a block was typed, to tell what the block made appear. */
export async function maildirKeys(lab: TestLab): Promise<Set<string>> {
  return fileKeys(await maildirView(lab));
}

/**
 * Waits (bounded: the lab renames new/ → cur/ a moment after SELECT's reply) for a file the
 * view did not have in `before` at the marked place, with the marked flags and, when the block
 * wrote a Subject line, that line in it. Returns what went wrong, or undefined.
 */
export async function checkFileAppeared(lab: TestLab, before: Set<string>, want: FileAppears, subject: string | undefined, withinMs = 5_000): Promise<string | undefined> {
  const prefix = `${want.address}/${want.dir}/${want.sub}/`;
  const deadline = Date.now() + withinMs;
  let seen: string[] = [];
  for (;;) {
    const view = await maildirView(lab);
    const added = diffFiles(before, view).added.filter((key) => key.startsWith(prefix));
    const user = view.users.find((u) => u.address === want.address);
    const folder = user?.folders.find((f) => f.dir === want.dir);
    seen = added;
    for (const key of added) {
      const file = folder?.[want.sub].find((f) => f.name === key.slice(prefix.length));
      if (!file || (want.flags !== undefined && file.flags !== want.flags)) continue;
      if (!subject) return undefined;
      const text = await readFile(join(lab.dataDir, 'sandboxes', view.sandbox, user!.path, want.dir, want.sub, file.name), 'utf8').catch(() => '');
      if (text.split(/\r?\n/).includes(subject)) return undefined;
    }
    if (Date.now() > deadline) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return `the lesson says a file appears (${want.written}${subject ? `, with "${subject}"` : ''}); new there: ${seen.length ? seen.join(', ') : 'nothing'}`;
}
