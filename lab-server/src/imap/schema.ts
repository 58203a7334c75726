/**
 * Argument schemas: each command lists what it takes (a mailbox, a sequence set, a flag list,
 * ...) and one validator checks them for every command, answering a learner with what is
 * missing or wrong. The handlers then receive typed values, never raw tokens.
 */
import { decodeMutf7, InvalidMutf7 } from './mutf7.js';
import { CommandFailed, no } from './response.js';
import type { Token } from './parser.js';
import { InvalidSequenceSet, SequenceSet } from './sequenceSet.js';
import { canonicalInbox } from '../maildir/mailbox.js';

export class ArgumentError extends Error {}

/** What parsing may depend on in a session. */
export interface ParseContext {
  /** IMAP4rev2 (RFC 9051 §5.1): mailbox names are UTF-8 on the wire, not modified UTF-7. */
  utf8Names: boolean;
}

export const MODIFIED_UTF7: ParseContext = Object.freeze({ utf8Names: false });
export const UTF8_NAMES: ParseContext = Object.freeze({ utf8Names: true });

export interface ArgSpec<T> {
  /** What the argument is, as a learner would call it ("mailbox name"). */
  readonly what: string;
  /** May be left out (at the end, or when `accepts` says the token is something else). */
  readonly optional?: boolean;
  /** For optional arguments in the middle: does this token belong to this argument? */
  accepts?(token: Token): boolean;
  /** Takes all remaining tokens (SEARCH keys, FETCH items, ...). */
  readonly rest?: boolean;
  parse(tokens: Token[], context?: ParseContext): T;
}

export type ArgValues<S extends readonly ArgSpec<unknown>[]> = { -readonly [K in keyof S]: S[K] extends ArgSpec<infer T> ? T : never };

/** Checks tokens against a schema; throws ArgumentError saying what is wrong. */
export function validateArgs<S extends readonly ArgSpec<unknown>[]>(specs: S, tokens: readonly Token[], context: ParseContext = MODIFIED_UTF7): ArgValues<S> {
  const values: unknown[] = [];
  let i = 0;
  for (const spec of specs) {
    if (spec.rest) {
      values.push(spec.parse(tokens.slice(i), context));
      i = tokens.length;
      continue;
    }
    const token = tokens[i];
    if (token === undefined || (spec.optional && spec.accepts && !spec.accepts(token))) {
      if (!spec.optional) throw new ArgumentError(`Missing ${spec.what}`);
      values.push(undefined);
      continue;
    }
    values.push(spec.parse([token], context));
    i++;
  }
  if (i < tokens.length) throw new ArgumentError(`Too many arguments: "${describe(tokens[i]!)}" was not expected`);
  return values as ArgValues<S>;
}

/** A short picture of a token for error messages. */
export function describe(token: Token): string {
  if (token.type === 'atom') return token.value.slice(0, 40) + (token.section ? '[...]' : '');
  if (token.type === 'string') return token.value.subarray(0, 40).toString('latin1');
  return '(...)';
}

/** The text of an atom or string token (strings as UTF-8). */
export function textOf(token: Token, what: string): string {
  // Atoms are kept one character per octet; as a string value they are UTF-8 (imaplib sends 8-bit atoms).
  if (token.type === 'atom' && !token.section) return Buffer.from(token.value, 'latin1').toString('utf8');
  if (token.type === 'string') {
    if (token.value.includes(0)) throw new ArgumentError(`NUL bytes are not allowed in the ${what}`);
    return token.value.toString('utf8');
  }
  throw new ArgumentError(`The ${what} must be a word or a "quoted string", not a list`);
}

const single = <T>(what: string, read: (token: Token, context: ParseContext) => T, extra: Partial<ArgSpec<T>> = {}): ArgSpec<T> => ({
  what,
  ...extra,
  parse: (tokens, context = MODIFIED_UTF7) => read(tokens[0]!, context),
});

/** astring: an atom or a string. */
export function astring(what: string): ArgSpec<string> {
  return single(what, (t) => textOf(t, what));
}

/** A mailbox name, decoded from modified UTF-7 (or UTF-8 in IMAP4rev2); INBOX in any case becomes "INBOX". */
export function mailboxName(what = 'mailbox name'): ArgSpec<string> {
  return single(what, (t, context) => decodeMailbox(textOf(t, what), context));
}

/**
 * A name that is not valid modified UTF-7 is well-formed IMAP that names no mailbox: NO, as
 * Dovecot answers, rather than BAD.
 */
export function decodeMailbox(given: string, context: ParseContext = MODIFIED_UTF7): string {
  const wire = canonicalInbox(given);
  if (wire === 'INBOX') return 'INBOX';
  if (context.utf8Names) {
    // Octets that are not UTF-8 came out as U+FFFD: "\xff" and "\xfe" would name one folder.
    if (wire.includes('\ufffd')) throw new CommandFailed(no(`Mailbox name "${wire.slice(0, 60)}" is not valid UTF-8. Send the name in UTF-8`, 'CANNOT'));
    return wire;
  }
  try {
    return decodeMutf7(wire);
  } catch (err) {
    if (err instanceof InvalidMutf7) {
      throw new CommandFailed(no(`Mailbox name "${wire.slice(0, 60)}" is not valid modified UTF-7: ${err.message}. Non-ASCII names are written like "&ZeVnLIqe-"`, 'CANNOT'));
    }
    throw err;
  }
}

/**
 * A LIST pattern (may hold % and *), decoded like a mailbox name. One that is not valid
 * modified UTF-7 matches nothing (undefined): LIST answers with no mailboxes, as Dovecot does.
 */
export function listPattern(what: string): ArgSpec<string | undefined> {
  return single(what, (t, context) => {
    const text = canonicalInbox(textOf(t, what));
    if (text === 'INBOX') return 'INBOX';
    if (context.utf8Names) return text;
    try {
      return decodeMutf7(text);
    } catch (err) {
      if (err instanceof InvalidMutf7) return undefined;
      throw err;
    }
  });
}

export function sequenceSet(what = 'message set'): ArgSpec<SequenceSet> {
  return single(what, (t) => {
    if (t.type !== 'atom' || t.section) throw new ArgumentError(`The ${what} must be numbers like 1, 2:4 or 1:*`);
    try {
      return SequenceSet.parse(t.value);
    } catch (err) {
      if (err instanceof InvalidSequenceSet) throw new ArgumentError(`Invalid ${what} "${t.value.slice(0, 40)}": ${err.message}`);
      throw err;
    }
  });
}

/** An atom, upper-cased; with `choices`, one of them. */
export function keyword(what: string, choices?: readonly string[]): ArgSpec<string> {
  return single(what, (t) => {
    if (t.type !== 'atom' || t.section) throw new ArgumentError(`The ${what} must be a word${choices ? ` (${choices.join(', ')})` : ''}`);
    const value = t.value.toUpperCase();
    if (choices && !choices.includes(value)) throw new ArgumentError(`Unknown ${what} "${t.value.slice(0, 30)}": use one of ${choices.join(', ')}`);
    return value;
  });
}

/** A parenthesised list, items left as tokens. */
export function list(what: string, extra: Partial<ArgSpec<Token[]>> = {}): ArgSpec<Token[]> {
  return single(
    what,
    (t) => {
      if (t.type !== 'list') throw new ArgumentError(`The ${what} must be in parentheses, e.g. (${what.includes('status') ? 'MESSAGES UNSEEN' : '...'})`);
      return t.items;
    },
    extra,
  );
}

/** Marks a spec optional; `accepts` picks the tokens that belong to it. */
export function optional<T>(spec: ArgSpec<T>, accepts?: (token: Token) => boolean): ArgSpec<T | undefined> {
  return { ...spec, optional: true, accepts };
}

/** Everything that is left, as tokens; `atLeastOne` makes an empty rest an error. */
export function rest(what: string, atLeastOne = true): ArgSpec<Token[]> {
  return {
    what,
    rest: true,
    parse(tokens) {
      if (atLeastOne && tokens.length === 0) throw new ArgumentError(`Missing ${what}`);
      return tokens;
    },
  };
}
