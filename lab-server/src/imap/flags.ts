/**
 * IMAP flags and the Maildir letters that keep them (RFC 3501 §2.3.2): system flags as the
 * capital letters of the Maildir spec, keywords as letters a–z from the folder's
 * dovecot-keywords list (maildir/keywords.ts). \Recent belongs to one session and is never stored.
 */
import { IMAP_TO_MAILDIR } from '../maildir/names.js';
import type { Token } from './parser.js';

/** The flags a mailbox can hold, in the order FLAGS and PERMANENTFLAGS list them. */
export const SYSTEM_FLAGS = ['\\Answered', '\\Flagged', '\\Deleted', '\\Seen', '\\Draft'] as const;

const BY_LOWER = new Map(Object.entries(IMAP_TO_MAILDIR).map(([flag, letter]) => [flag.toLowerCase(), { flag, letter }]));

/** The IMAP flags of a message, from its Maildir letters, in SYSTEM_FLAGS order. */
export function imapFlags(letters: string, recent: boolean): string[] {
  const flags = SYSTEM_FLAGS.filter((f) => letters.includes(IMAP_TO_MAILDIR[f]!));
  if (recent) flags.push('\\Recent' as never);
  return flags;
}

export function hasFlag(letters: string, flag: (typeof SYSTEM_FLAGS)[number]): boolean {
  return letters.includes(IMAP_TO_MAILDIR[flag]!);
}

export interface FlagChange {
  /** Maildir letters of the system flags named. */
  letters: string;
  /** Keywords named ($Junk, $Forwarded, …), as the client spelled them. */
  keywords: string[];
  /** Flags that cannot be set (\Recent). */
  ignored: string[];
}

export class InvalidFlag extends Error {}

/** Reads a flag list "(\Seen \Flagged)" or bare flags into Maildir letters. */
export function parseFlagTokens(tokens: readonly Token[]): FlagChange {
  let letters = '';
  const keywords: string[] = [];
  const ignored: string[] = [];
  for (const token of tokens) {
    if (token.type !== 'atom' || token.section) throw new InvalidFlag('flags are words such as \\Seen or \\Flagged, not strings or lists');
    const name = token.value;
    if (name.startsWith('\\')) {
      const known = BY_LOWER.get(name.toLowerCase());
      if (known) letters += known.letter;
      else if (name.toLowerCase() === '\\recent') ignored.push(name);
      else throw new InvalidFlag(`${name} is not a system flag. The system flags are ${SYSTEM_FLAGS.join(' ')}`);
    } else if (/^[^\s(){%*"\\\]\x00-\x1f\x7f]+$/.test(name)) {
      keywords.push(name);
    } else {
      throw new InvalidFlag(`"${name}" is not a valid keyword`);
    }
  }
  return { letters, keywords, ignored };
}

