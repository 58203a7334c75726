/**
 * LIST (RFC 3501 §6.3.8), extended as RFC 5258 allows: selection options before the reference
 * (SUBSCRIBED, REMOTE, RECURSIVEMATCH, SPECIAL-USE), several patterns in parentheses, and return
 * options after them (SUBSCRIBED, CHILDREN, SPECIAL-USE, and STATUS of RFC 5819, which follows
 * each selectable mailbox's LIST line with its STATUS).
 */
import { HIERARCHY_SEPARATOR } from '../../maildir/mailbox.js';
import { defineCommand, LOGGED_IN } from '../command.js';
import { listMailboxes, type ListOptions } from '../mailboxList.js';
import { parseStatusItems, statusValues, type StatusItem } from '../mailboxStatus.js';
import type { Token } from '../parser.js';
import { no, ok } from '../response.js';
import { ArgumentError, describe, listPattern, rest, type ParseContext } from '../schema.js';
import { wireName } from './common.js';

const SELECTION = ['SUBSCRIBED', 'REMOTE', 'RECURSIVEMATCH', 'SPECIAL-USE'];
/** Clients send one or two; each is matched against every name, so the work grows with them. */
export const MAX_LIST_PATTERNS = 100;
const RETURNS = ['SUBSCRIBED', 'CHILDREN', 'SPECIAL-USE', 'STATUS'];

interface ListRequest {
  reference: string | undefined;
  /** Patterns as given, decoded; undefined where one is not valid modified UTF-7. */
  patterns: Array<string | undefined>;
  options: ListOptions;
  status?: StatusItem[];
  /** LIST "" "" as RFC 3501 wrote it: asks for the hierarchy delimiter, in IMAP4rev2 too (RFC 9051 §6.3.9). */
  delimiterAsked: boolean;
}

function words(token: Token, what: string, allowed: readonly string[]): string[] {
  if (token.type !== 'list') throw new ArgumentError(`The ${what} must be in parentheses`);
  return token.items.map((t) => {
    const word = t.type === 'atom' && !t.section ? t.value.toUpperCase() : '';
    if (!allowed.includes(word)) throw new ArgumentError(`Unknown LIST ${what} "${describe(t)}": use ${allowed.join(', ')}`);
    return word;
  });
}

const decode = (token: Token, what: string, context: ParseContext): string | undefined => listPattern(what).parse([token], context);

function parseList(tokens: readonly Token[], context: ParseContext, imap4rev2: boolean): ListRequest {
  let i = 0;
  const selection = tokens[0]?.type === 'list' ? words(tokens[i++]!, 'selection option', SELECTION) : undefined;
  const [referenceToken, patternToken] = [tokens[i++], tokens[i++]];
  if (!referenceToken || !patternToken) throw new ArgumentError('LIST needs a reference and a mailbox pattern');
  const reference = decode(referenceToken, 'reference name (usually "")', context);
  const patternTokens = patternToken.type === 'list' ? patternToken.items : [patternToken];
  const patterns = patternTokens.map((t) => decode(t, 'mailbox pattern', context));
  let returns: string[] | undefined;
  let status: StatusItem[] | undefined;
  if (i < tokens.length) {
    const keyword = tokens[i++]!;
    const list = tokens[i++];
    if (keyword.type !== 'atom' || keyword.value.toUpperCase() !== 'RETURN' || !list || list.type !== 'list') {
      throw new ArgumentError('After the patterns only RETURN (...) may follow, e.g. RETURN (CHILDREN STATUS (MESSAGES UNSEEN))');
    }
    returns = [];
    for (let j = 0; j < list.items.length; j++) {
      const [word] = words({ type: 'list', items: [list.items[j]!] }, 'return option', RETURNS);
      returns.push(word!);
      if (word === 'STATUS') {
        const items = list.items[++j];
        if (items?.type !== 'list') throw new ArgumentError('RETURN (STATUS ...) needs the items in parentheses, e.g. STATUS (MESSAGES UNSEEN)');
        status = parseStatusItems(items.items);
      }
    }
    if (i < tokens.length) throw new ArgumentError('Nothing may follow RETURN (...)');
  }
  const selected = new Set(selection ?? []);
  // Options or several patterns make a LIST extended (RFC 5258 §3): it answers only what was asked.
  const plain = selection === undefined && patternToken.type !== 'list' && returns === undefined;
  if (selected.has('RECURSIVEMATCH') && !selected.has('SUBSCRIBED') && !selected.has('SPECIAL-USE')) {
    throw new ArgumentError('RECURSIVEMATCH needs another selection option beside it, e.g. (SUBSCRIBED RECURSIVEMATCH)');
  }
  const options: ListOptions = {
    // IMAP4rev2's LIST is the extended one (RFC 9051 §6.3.9): missing levels are \NonExistent.
    extended: imap4rev2 || !plain,
    subscribed: selected.has('SUBSCRIBED'),
    recursiveMatch: selected.has('RECURSIVEMATCH'),
    specialUse: selected.has('SPECIAL-USE'),
    returnSubscribed: returns?.includes('SUBSCRIBED') ?? false,
    // As Dovecot 2.3: RFC 5258 §4 and RFC 6154 §2 leave these to the server unless asked for.
    returnChildren: plain || (returns?.includes('CHILDREN') ?? false),
    returnSpecialUse: plain || selected.has('SPECIAL-USE') || (returns?.includes('SPECIAL-USE') ?? false),
  };
  // Decided on the syntax alone: only a LIST with no options and one pattern gives "" this meaning (RFC 5258 §3).
  const delimiterAsked = plain && patterns[0] === '';
  return { reference, patterns, options, status, delimiterAsked };
}

export default defineCommand({
  name: 'LIST',
  states: LOGGED_IN,
  args: [rest('reference and mailbox pattern')],
  example: 'LIST "" "*"',
  async handle({ out, session }, [tokens]) {
    const { reference, patterns, options, status, delimiterAsked } = parseList(tokens, session.parseContext, session.imap4rev2);
    const utf8 = session.imap4rev2;
    if (delimiterAsked) {
      await out.untagged(`LIST (\\Noselect) "${HIERARCHY_SEPARATOR}" ""`);
      return ok('LIST completed');
    }
    // An empty pattern is ignored in an extended LIST; one that is not modified UTF-7 matches nothing.
    const full = reference === undefined ? [] : patterns.filter((p): p is string => p !== undefined && p !== '').map((p) => reference + p);
    if (patterns.length > MAX_LIST_PATTERNS) return no(`LIST takes at most ${MAX_LIST_PATTERNS} patterns at once; this one has ${patterns.length}. Send fewer, or one with wildcards: LIST "" "*"`, 'LIMIT');
    const entries = full.length > 0 ? await listMailboxes(session.mailbox!, full, options) : [];
    for (const entry of entries) {
      const extra = entry.childInfo ? ' ("CHILDINFO" ("SUBSCRIBED"))' : '';
      await out.untagged(`LIST (${entry.attributes.join(' ')}) "${HIERARCHY_SEPARATOR}" ${wireName(entry.name, utf8)}${extra}`);
      if (status && entry.selectable) {
        await out.untagged(`STATUS ${wireName(entry.name, utf8)} (${await statusValues(session.mailbox!.folder(entry.name), status)})`);
      }
    }
    if (entries.length > 0) return ok('LIST completed');
    if (reference === undefined || patterns.includes(undefined)) return ok('LIST completed: that name is not valid modified UTF-7, so no mailbox matches');
    // As in Dovecot: only a plain LIST gives "" its special meaning (RFC 5258 §3).
    if (full.length === 0) return ok('LIST completed: an empty pattern matches no mailbox once LIST has options. For the hierarchy delimiter send LIST "" "", for every mailbox LIST "" "*"');
    const named = full.slice(0, 3).map((p) => `"${p.slice(0, 100)}"`).join(' or ') + (full.length > 3 ? ` (or ${full.length - 3} more)` : '');
    return ok(`LIST completed: no mailbox matches ${named}. Try: LIST "" "*"`);
  },
});
