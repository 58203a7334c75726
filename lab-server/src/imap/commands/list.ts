/**
 * LIST (RFC 3501 §6.3.8) with CHILDREN (RFC 3348) and SPECIAL-USE (RFC 6154) attributes.
 * "*" matches across levels, "%" within one level; levels are separated by ".". A level that
 * only exists as the parent of a deeper folder is shown \Noselect.
 */
import { HIERARCHY_SEPARATOR, STANDARD_FOLDERS } from '../../maildir/mailbox.js';
import { defineCommand, LOGGED_IN } from '../command.js';
import { ok } from '../response.js';
import { listPattern } from '../schema.js';
import { wireName } from './common.js';

const SEP = HIERARCHY_SEPARATOR;

/** A LIST pattern as a regular expression over Unicode names. */
export function patternRegex(pattern: string): RegExp {
  // By code point, so a character outside the BMP is never split into halves.
  const source = [...pattern].map((ch) => (ch === '*' ? '.*' : ch === '%' ? `[^${escape(SEP)}]*` : escape(ch))).join('');
  return new RegExp(`^${source}$`, 'su');
}

function escape(ch: string): string {
  return ch.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

/** Does a name match? INBOX matches case-insensitively, as its name is. */
export function nameMatches(name: string, pattern: string): boolean {
  if (name === 'INBOX') return patternRegex(pattern.toUpperCase().startsWith('INBOX') ? 'INBOX' + pattern.slice(5) : pattern).test('INBOX');
  return patternRegex(pattern).test(name);
}

/** Every parent level of a name: "a.b.c" -> ["a", "a.b"]. */
export function parentsOf(name: string): string[] {
  const levels = name.split(SEP);
  return levels.slice(1).map((_, i) => levels.slice(0, i + 1).join(SEP));
}

const SPECIAL_USE = new Map<string, string>(STANDARD_FOLDERS.map((f) => [f.name, f.specialUse]));

export default defineCommand({
  name: 'LIST',
  states: LOGGED_IN,
  args: [listPattern('reference name (usually "")'), listPattern('mailbox pattern')],
  example: 'LIST "" "*"',
  async handle({ out, session }, [reference, pattern]) {
    if (pattern === '') {
      // RFC 3501: an empty pattern asks for the hierarchy delimiter.
      await out.untagged(`LIST (\\Noselect) "${SEP}" ""`);
      return ok('LIST completed');
    }
    // A name that is not valid modified UTF-7 matches no mailbox.
    if (reference === undefined || pattern === undefined) return ok('LIST completed: that name is not valid modified UTF-7, so no mailbox matches');
    const full = reference + pattern;
    const names = await session.mailbox!.folderNames();
    const existing = new Set(names);
    const candidates = new Set(names);
    // Implied parents are shown only where a "%" listing would otherwise skip a level.
    if (!full.includes('*')) for (const n of names) for (const p of parentsOf(n)) candidates.add(p);
    const sorted = ['INBOX', ...[...candidates].filter((n) => n !== 'INBOX').sort()];
    let count = 0;
    for (const name of sorted) {
      if (!candidates.has(name) || !nameMatches(name, full)) continue;
      const attributes: string[] = [];
      const hasChildren = names.some((n) => n.startsWith(name + SEP));
      if (!existing.has(name)) attributes.push('\\Noselect');
      attributes.push(hasChildren ? '\\HasChildren' : '\\HasNoChildren');
      const use = SPECIAL_USE.get(name);
      if (use) attributes.push(use);
      await out.untagged(`LIST (${attributes.join(' ')}) "${SEP}" ${wireName(name)}`);
      count++;
    }
    return ok(count === 0 ? `LIST completed: no mailbox matches "${full}". Try: LIST "" "*"` : 'LIST completed');
  },
});
