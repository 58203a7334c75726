/**
 * LIST and LSUB patterns (RFC 3501 §6.3.8): "*" matches anything, "%" anything but the
 * hierarchy separator ".", by code point (a character outside the BMP is never split in two).
 * A pattern is read once per command and then matched against every name a row of a table at
 * a time: time in proportion to the name's length times the pattern's, whatever wildcards it
 * holds. (As a regular expression, LIST "" "*a*a*a*a*a*a*a*a*b" against a name of 60 a's
 * backtracked for a minute, and every other session of the lab waited.)
 */
import { HIERARCHY_SEPARATOR } from '../maildir/mailbox.js';
import { takeTurns } from '../workers/turns.js';

const SEP = HIERARCHY_SEPARATOR;

/** A pattern ready to match: wildcard runs as one, and how many other characters it needs. */
interface Pattern {
  steps: string[];
  needs: number;
}

function compile(pattern: string): Pattern {
  const steps = collapsed([...pattern]);
  return { steps, needs: steps.reduce((n, c) => (c === '*' || c === '%' ? n : n + 1), 0) };
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

function matches({ steps, needs }: Pattern, name: string): boolean {
  if (steps.length === 1 && steps[0] === '*') return true;
  const chars = [...name];
  // More characters that must appear than the name has: no match, and no table to fill.
  if (needs > chars.length) return false;
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

/**
 * INBOX matches case-insensitively, as its name is, also where the pattern only begins it
 * ("InB%", "i*"), as Dovecot matches it. Its letters are all ASCII capitals, so raising the
 * pattern's a–z is enough; any other character keeps its case (toUpperCase would turn "ı" into "I").
 */
const forInbox = (pattern: string): string => pattern.replace(/[a-z]+/g, (s) => s.toUpperCase());

/** Does a name match a pattern? */
export function patternMatches(pattern: string, name: string): boolean {
  return matches(compile(pattern), name);
}

/** Does a name match, INBOX in any case? */
export function nameMatches(name: string, pattern: string): boolean {
  return name === 'INBOX' ? patternMatches(forInbox(pattern), name) : patternMatches(pattern, name);
}

/**
 * The patterns of one command, read once, matched against as many names as it takes. Between
 * two matches the event loop may serve everyone else: a thousand 200-character names against
 * a hundred patterns is a minute of work, which must not be one turn of the loop.
 */
export class PatternSet {
  private readonly plain: Pattern[];
  private readonly inbox: Pattern[];
  /** `turn` may be shared with the loop the matching is part of. */
  constructor(
    patterns: readonly string[],
    private readonly turn: () => Promise<void> = takeTurns(),
  ) {
    const unique = [...new Set(patterns)];
    this.plain = unique.map(compile);
    this.inbox = unique.map((p) => compile(forInbox(p)));
  }

  get empty(): boolean {
    return this.plain.length === 0;
  }

  async matches(name: string): Promise<boolean> {
    for (const pattern of name === 'INBOX' ? this.inbox : this.plain) {
      await this.turn();
      if (matches(pattern, name)) return true;
    }
    return false;
  }
}
