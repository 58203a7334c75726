/**
 * Folders made as "inbox.Work" before a name's first level "inbox" (in any case) was read as
 * INBOX, as Dovecot reads it: on disk ".inbox.Work", which no name reached any more. When a
 * user's Maildir is opened, each such family is renamed once to ".INBOX.Work", under INBOX
 * where the learner meant it; a rename keeps the messages, UIDs, flags and UIDVALIDITY, which
 * live inside the directory. If one of the family's INBOX names is taken (the learner made both
 * "inbox.Work" and "INBOX.Work"), the family gets a first level of its own instead,
 * "inbox-1.Work": nothing is merged, lost or hidden. Subscriptions follow the new names.
 *
 * Synchronous, as the Mailbox constructor is: one readdir of the user's directory, once per
 * Mailbox object, and renames only the first time.
 */
import { readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** The first level of a Maildir++ entry (".inbox.Work" -> "inbox"), undefined for a one-level entry. */
function firstLevel(entry: string): string | undefined {
  const dot = entry.indexOf('.', 1);
  return entry.startsWith('.') && dot !== -1 ? entry.slice(1, dot) : undefined;
}

/** Renames every ".<inbox in another case>.<rest>" folder of a user's Maildir; returns old name -> new name. */
export function adoptInboxSpellings(dir: string, subscriptionsFile: string): Map<string, string> {
  const renamed = new Map<string, string>();
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return renamed; // Not made yet.
  }
  const families = new Map<string, string[]>();
  for (const entry of entries) {
    const first = firstLevel(entry);
    if (first === undefined || first === 'INBOX' || first.toUpperCase() !== 'INBOX') continue;
    families.set(first, [...(families.get(first) ?? []), entry.slice(first.length + 1)]);
  }
  if (families.size === 0) return renamed;
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
        renameSync(join(dir, `.${spelling}${rest}`), join(dir, `.${first}${rest}`));
      } catch {
        continue; // Left where it is; listed under its old name as before.
      }
      taken.delete(`.${spelling}${rest}`);
      taken.add(`.${first}${rest}`);
      renamed.set(`${spelling}${rest}`, `${first}${rest}`);
    }
  }
  renameSubscriptions(join(dir, subscriptionsFile), renamed);
  return renamed;
}

function renameSubscriptions(file: string, renamed: Map<string, string>): void {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return; // No subscriptions changed yet: the defaults do not name these folders.
  }
  const names = text.split('\n').filter((name) => name !== '');
  const next = [...new Set(names.map((name) => renamed.get(name) ?? name))];
  if (next.every((name, i) => name === names[i]) && next.length === names.length) return;
  writeFileSync(`${file}.tmp`, next.map((n) => `${n}\n`).join(''));
  renameSync(`${file}.tmp`, file);
}
