/**
 * Which mailboxes LIST names and with which attributes (RFC 3501 §6.3.8, LIST-EXTENDED of
 * RFC 5258, CHILDREN of RFC 3348, SPECIAL-USE of RFC 6154). "*" matches across levels, "%"
 * within one; levels are separated by ".". In Maildir++ ".a.b" can exist without ".a": such a
 * level is shown as \Noselect (\NonExistent in an extended LIST) when a "%" listing would
 * otherwise skip it.
 */
import { HIERARCHY_SEPARATOR, STANDARD_FOLDERS, type Mailbox } from '../maildir/mailbox.js';

const SEP = HIERARCHY_SEPARATOR;
const SPECIAL_USE = new Map<string, string>(STANDARD_FOLDERS.map((f) => [f.name, f.specialUse]));

/**
 * Does a name match? INBOX matches case-insensitively, as its name is, also where the pattern
 * only begins it ("InB%", "i*"), as Dovecot matches it. Its letters are all ASCII capitals,
 * so raising the pattern's a–z is enough; any other character keeps its case (toUpperCase
 * would turn "ı" into "I").
 */
export function nameMatches(name: string, pattern: string): boolean {
  if (name === 'INBOX') return patternMatches(pattern.replace(/[a-z]+/g, (s) => s.toUpperCase()), 'INBOX');
  return patternMatches(pattern, name);
}

/**
 * Does a name match a pattern, "*" matching anything and "%" anything but ".", by code point
 * (a character outside the BMP is never split into halves)? Worked out a row at a time of the
 * table "the pattern so far matches the name's first j characters": time in proportion to the
 * name's length times the pattern's, whatever wildcards it holds. (As a regular expression,
 * LIST "" "*a*a*a*a*a*a*a*a*b" against a name of 60 a's backtracked for a minute, and every
 * other session of the lab waited.)
 */
export function patternMatches(pattern: string, name: string): boolean {
  if (pattern === '*') return true;
  const chars = [...name];
  const steps = collapsed([...pattern]);
  // More characters that must appear than the name has: no match, and no table to fill.
  if (steps.reduce((n, c) => (c === '*' || c === '%' ? n : n + 1), 0) > chars.length) return false;
  let row = new Uint8Array(chars.length + 1);
  row[0] = 1;
  for (const step of steps) {
    const next = new Uint8Array(chars.length + 1);
    let any = 0;
    for (let j = 0; j <= chars.length; j++) {
      if (step === '*') next[j] = row[j]! | (j > 0 ? next[j - 1]! : 0);
      else if (step === '%') next[j] = row[j]! | (j > 0 && chars[j - 1] !== SEP ? next[j - 1]! : 0);
      else next[j] = j > 0 && chars[j - 1] === step ? row[j - 1]! : 0;
      any |= next[j]!;
    }
    if (!any) return false;
    row = next;
  }
  return row[chars.length] === 1;
}

/** A run of wildcards as one: "*" if it holds a "*" ("%*" matches what "*" does), else "%". */
function collapsed(steps: string[]): string[] {
  const out: string[] = [];
  for (const step of steps) {
    const last = out[out.length - 1];
    const wild = step === '*' || step === '%';
    if (wild && (last === '*' || last === '%')) out[out.length - 1] = last === '*' || step === '*' ? '*' : '%';
    else out.push(step);
  }
  return out;
}

/** Every parent level of a name: "a.b.c" -> ["a", "a.b"]. */
export function parentsOf(name: string): string[] {
  const levels = name.split(SEP);
  return levels.slice(1).map((_, i) => levels.slice(0, i + 1).join(SEP));
}

export interface ListOptions {
  /** An extended LIST (RFC 5258): \NonExistent rather than \Noselect for missing levels. */
  extended: boolean;
  /** Selection SUBSCRIBED: subscribed names, existing or not. */
  subscribed: boolean;
  /** Selection RECURSIVEMATCH: also parents whose unlisted descendants are selected (CHILDINFO). */
  recursiveMatch: boolean;
  /** Selection SPECIAL-USE: only mailboxes with a special use. */
  specialUse: boolean;
  /** Return SUBSCRIBED: say \Subscribed where it applies. */
  returnSubscribed: boolean;
}

export interface ListEntry {
  name: string;
  attributes: string[];
  /** The mailbox exists and can be selected (LIST-STATUS reports only on those). */
  selectable: boolean;
  /** CHILDINFO ("SUBSCRIBED"): a descendant that is not listed is subscribed. */
  childInfo: boolean;
}

/** The mailboxes that match any of the patterns (reference already prefixed), INBOX first. */
export async function listMailboxes(mailbox: Mailbox, patterns: readonly string[], options: ListOptions): Promise<ListEntry[]> {
  const names = await mailbox.folderNames();
  const existing = new Set(names);
  const subscribed = options.subscribed || options.returnSubscribed ? new Set(await mailbox.subscriptions()) : new Set<string>();
  const matching = (name: string): boolean => patterns.some((p) => nameMatches(name, p));
  const chosen = (name: string): boolean => (options.subscribed ? subscribed.has(name) : existing.has(name)) && (!options.specialUse || SPECIAL_USE.has(name));
  const candidates = new Set(options.subscribed ? subscribed : existing);
  // Missing levels above a name: listed by a pattern without "*" (a "%" walk), or for CHILDINFO.
  const levelPatterns = patterns.filter((p) => !p.includes('*'));
  for (const name of names) for (const parent of parentsOf(name)) if (!existing.has(parent) && levelPatterns.some((p) => nameMatches(parent, p))) candidates.add(parent);
  if (options.recursiveMatch) for (const name of candidates) if (chosen(name)) for (const parent of parentsOf(name)) candidates.add(parent);
  const sorted = [...candidates].sort((a, b) => (a === 'INBOX' ? -1 : b === 'INBOX' ? 1 : a < b ? -1 : a > b ? 1 : 0));

  const entries: ListEntry[] = [];
  for (const name of sorted) {
    if (!matching(name)) continue;
    const below = (n: string): boolean => n.startsWith(name + SEP);
    const childInfo = options.recursiveMatch && [...candidates].some((n) => below(n) && chosen(n) && !matching(n));
    const exists = existing.has(name);
    const missingLevel = !exists && !options.subscribed && !options.specialUse && names.some(below);
    if (!chosen(name) && !childInfo && !missingLevel) continue;
    const attributes: string[] = [];
    if (!exists) attributes.push(options.extended ? '\\NonExistent' : '\\Noselect');
    if ((options.subscribed || options.returnSubscribed) && subscribed.has(name)) attributes.push('\\Subscribed');
    attributes.push(names.some(below) ? '\\HasChildren' : '\\HasNoChildren');
    const use = SPECIAL_USE.get(name);
    if (use) attributes.push(use);
    entries.push({ name, attributes, selectable: exists, childInfo });
  }
  return entries;
}

/** One mailbox's attributes as an extended LIST gives them, \Subscribed included; \NonExistent if it is gone. */
export async function attributesOf(mailbox: Mailbox, name: string): Promise<string[]> {
  const [entry] = await listMailboxes(mailbox, [name], { extended: true, subscribed: false, recursiveMatch: false, specialUse: false, returnSubscribed: true });
  return entry && entry.name === name ? entry.attributes : ['\\NonExistent'];
}
