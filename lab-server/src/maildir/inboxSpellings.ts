/**
 * Folders made as "inbox.Work" before a name's first level "inbox" (in any case) was read as
 * INBOX, as Dovecot reads it: on disk ".inbox.Work", which no name reached any more. When a
 * sandbox is opened from disk, each such family is renamed once to ".INBOX.Work", under INBOX
 * where the learner meant it; a rename keeps the messages, UIDs, flags and UIDVALIDITY, which
 * live inside the directory. If one of the family's INBOX names is taken (the learner made both
 * "inbox.Work" and "INBOX.Work"), the family gets a first level of its own instead,
 * "inbox-1.Work": nothing is merged, lost or hidden. Subscriptions follow the new names, and a
 * subscription to an "inbox.X" not on disk becomes "INBOX.X", the name UNSUBSCRIBE now means.
 * So do the URLAUTH keys, kept by name (imap/urlauth.ts): a key lent as "inbox.Work" before
 * would otherwise be looked up as "INBOX.Work", not found, and replaced, and every URL made with
 * it would stop working though its mailbox, UIDs and UIDVALIDITY were kept.
 */
import { readdir, readFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../files/atomicWrite.js';

/**
 * INBOX in any case, alone or as the first level of a name: "inbox.Work" is INBOX.Work, as
 * Dovecot reads it. (Maildir++ separates levels with ".", the IMAP hierarchy separator.)
 */
export function canonicalInbox(name: string): string {
  return name.length >= 5 && name.slice(0, 5).toUpperCase() === 'INBOX' && (name.length === 5 || name[5] === '.') ? `INBOX${name.slice(5)}` : name;
}

/** The first level of a Maildir++ entry (".inbox.Work" -> "inbox"), undefined for a one-level entry. */
function firstLevel(entry: string): string | undefined {
  const dot = entry.indexOf('.', 1);
  return entry.startsWith('.') && dot !== -1 ? entry.slice(1, dot) : undefined;
}

/**
 * Renames every ".<inbox in another case>.<rest>" folder of a user's Maildir, and the names in
 * its subscriptions and URLAUTH key files; returns old name -> new name.
 */
export async function adoptInboxSpellings(dir: string, subscriptionsFile: string, urlauthKeysFile: string): Promise<Map<string, string>> {
  const renamed = new Map<string, string>();
  let entries: string[];
  try {
    entries = await readdir(dir);
  } catch {
    return renamed; // Not made yet.
  }
  const families = new Map<string, string[]>();
  for (const entry of entries) {
    const first = firstLevel(entry);
    if (first === undefined || first === 'INBOX' || first.toUpperCase() !== 'INBOX') continue;
    families.set(first, [...(families.get(first) ?? []), entry.slice(first.length + 1)]);
  }
  const taken = new Set(entries);
  for (const [spelling, rests] of families) {
    let first = 'INBOX';
    if (rests.some((rest) => taken.has(`.INBOX${rest}`))) {
      let n = 1;
      const used = (level: string): boolean => [...taken].some((e) => e === `.${level}` || e.startsWith(`.${level}.`));
      while (used(`${spelling}-${n}`)) n += 1;
      first = `${spelling}-${n}`;
    }
    for (const rest of rests) {
      try {
        await rename(join(dir, `.${spelling}${rest}`), join(dir, `.${first}${rest}`));
      } catch {
        continue; // Left where it is; listed under its old name as before.
      }
      taken.delete(`.${spelling}${rest}`);
      taken.add(`.${first}${rest}`);
      renamed.set(`${spelling}${rest}`, `${first}${rest}`);
    }
  }
  if (entries.includes(subscriptionsFile)) await renameSubscriptions(join(dir, subscriptionsFile), renamed);
  if (entries.includes(urlauthKeysFile)) await renameKeys(join(dir, urlauthKeysFile), renamed);
  return renamed;
}

/**
 * The key table (mailbox name -> hex key, JSON) under the new names. A key under an "inbox.X"
 * no folder was renamed from moves to "INBOX.X" unless that one has a key of its own: the old
 * name is one no lookup reaches any more. A table that cannot be read is left as it is.
 */
async function renameKeys(file: string, renamed: Map<string, string>): Promise<void> {
  let table: Record<string, unknown>;
  try {
    table = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
  } catch {
    return;
  }
  if (!table || typeof table !== 'object') return;
  const keys = new Map(Object.entries(table));
  let changed = false;
  for (const [name, key] of [...keys]) {
    const next = renamed.get(name) ?? canonicalInbox(name);
    if (next === name) continue;
    keys.delete(name);
    if (!keys.has(next) || renamed.has(name)) keys.set(next, key);
    changed = true;
  }
  // Private keys: the file is the user's alone, as urlauth.ts writes it.
  if (changed) await writeFileAtomic(file, JSON.stringify(Object.fromEntries(keys)), 0o600);
}

async function renameSubscriptions(file: string, renamed: Map<string, string>): Promise<void> {
  const names = (await readFile(file, 'utf8').catch(() => '')).split('\n').filter((name) => name !== '');
  const next = [...new Set(names.map((name) => renamed.get(name) ?? canonicalInbox(name)))];
  if (next.length === names.length && next.every((name, i) => name === names[i])) return;
  await writeFileAtomic(file, next.map((n) => `${n}\n`).join(''));
}
