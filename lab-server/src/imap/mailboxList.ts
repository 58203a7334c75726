/**
 * Which mailboxes LIST names and with which attributes (RFC 3501 §6.3.8, LIST-EXTENDED of
 * RFC 5258, CHILDREN of RFC 3348, SPECIAL-USE of RFC 6154). "*" matches across levels, "%"
 * within one; levels are separated by ".". In Maildir++ ".a.b" can exist without ".a": such a
 * level is listed wherever a pattern matches it, as \Noselect \HasChildren (\NonExistent in
 * an extended LIST), as Dovecot 2.3 lists it.
 */
import { HIERARCHY_SEPARATOR, STANDARD_FOLDERS, type Mailbox } from '../maildir/mailbox.js';
import { takeTurns } from '../workers/turns.js';
import { PatternSet } from './listPattern.js';

const SEP = HIERARCHY_SEPARATOR;
/** The special use (RFC 6154) of each standard folder: LIST and LSUB name it. */
export const SPECIAL_USE: ReadonlyMap<string, string> = new Map<string, string>(STANDARD_FOLDERS.map((f) => [f.name, f.specialUse]));

/** Every parent level of a name: "a.b.c" -> ["a", "a.b"]. */
export function parentsOf(name: string): string[] {
  const out: string[] = [];
  for (let at = name.indexOf(SEP); at !== -1; at = name.indexOf(SEP, at + 1)) out.push(name.slice(0, at));
  return out;
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
  /** \HasChildren / \HasNoChildren: a plain LIST always, an extended one on RETURN (CHILDREN). */
  returnChildren: boolean;
  /** \Sent, \Drafts...: a plain LIST always, an extended one on RETURN or selection SPECIAL-USE. */
  returnSpecialUse: boolean;
}

export interface ListEntry {
  name: string;
  attributes: string[];
  /** The mailbox exists and can be selected (LIST-STATUS reports only on those). */
  selectable: boolean;
  /** CHILDINFO ("SUBSCRIBED"): a descendant that is not listed is subscribed. */
  childInfo: boolean;
}

/**
 * The mailboxes that match any of the patterns (reference already prefixed), INBOX first. Each
 * name is matched once, and which levels have children or CHILDINFO is worked out in one pass
 * over the names: a thousand subscriptions a hundred levels deep are 100,000 levels, and
 * comparing every level with every other one held the event loop for minutes.
 */
export async function listMailboxes(mailbox: Mailbox, patterns: readonly string[], options: ListOptions): Promise<ListEntry[]> {
  const names = await mailbox.folderNames();
  const existing = new Set(names);
  const subscribed = options.subscribed || options.returnSubscribed ? new Set(await mailbox.subscriptions()) : new Set<string>();
  const turn = takeTurns();
  const wanted = new PatternSet(patterns, turn);
  const chosen = (name: string): boolean => (options.subscribed ? subscribed.has(name) : existing.has(name)) && (!options.specialUse || SPECIAL_USE.has(name));
  // The levels above existing names: each has children, whether it exists itself or not.
  const withChildren = new Set<string>();
  for (const name of names) {
    await turn();
    for (const parent of parentsOf(name)) withChildren.add(parent);
  }
  const candidates = new Set(options.subscribed ? subscribed : existing);
  // Missing levels above a name: listed wherever a pattern matches them, "*" too, as Dovecot
  // lists them (LIST "" "*" with only a.b.c gives a and a.b as \Noselect); or for CHILDINFO.
  for (const parent of withChildren) if (!existing.has(parent)) candidates.add(parent);
  if (options.recursiveMatch) {
    for (const name of [...candidates]) {
      await turn();
      if (chosen(name)) for (const parent of parentsOf(name)) candidates.add(parent);
    }
  }
  const matched = new Set<string>();
  for (const name of candidates) if (await wanted.matches(name)) matched.add(name);
  // CHILDINFO: the levels above a chosen name that is not listed itself.
  const childInfoAt = new Set<string>();
  if (options.recursiveMatch) {
    for (const name of candidates) {
      await turn();
      if (chosen(name) && !matched.has(name)) for (const parent of parentsOf(name)) childInfoAt.add(parent);
    }
  }

  const entries: ListEntry[] = [];
  for (const name of matched) {
    await turn();
    const childInfo = childInfoAt.has(name);
    const exists = existing.has(name);
    const hasChildren = withChildren.has(name);
    const missingLevel = !exists && !options.subscribed && !options.specialUse && hasChildren;
    if (!chosen(name) && !childInfo && !missingLevel) continue;
    const attributes: string[] = [];
    if (!exists) attributes.push(options.extended ? '\\NonExistent' : '\\Noselect');
    if ((options.subscribed || options.returnSubscribed) && subscribed.has(name)) attributes.push('\\Subscribed');
    if (options.returnChildren) attributes.push(hasChildren ? '\\HasChildren' : '\\HasNoChildren');
    const use = SPECIAL_USE.get(name);
    if (use && options.returnSpecialUse) attributes.push(use);
    entries.push({ name, attributes, selectable: exists, childInfo });
  }
  return entries.sort((a, b) => (a.name === 'INBOX' ? -1 : b.name === 'INBOX' ? 1 : a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/**
 * One mailbox's attributes as an extended LIST gives them, \Subscribed included; \NonExistent if
 * it is gone. Its name is the pattern, and a name may hold "*" or "%": it can match others too.
 */
export async function attributesOf(mailbox: Mailbox, name: string): Promise<string[]> {
  const entries = await listMailboxes(mailbox, [name], {
    extended: true,
    subscribed: false,
    recursiveMatch: false,
    specialUse: false,
    returnSubscribed: true,
    returnChildren: true,
    returnSpecialUse: true,
  });
  return entries.find((entry) => entry.name === name)?.attributes ?? ['\\NonExistent'];
}
