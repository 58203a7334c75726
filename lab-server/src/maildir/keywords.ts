/**
 * IMAP keywords ($Junk, $Forwarded, mutt's Old, …) the Maildir way, as Dovecot keeps them:
 * each folder has a `dovecot-keywords` file of "<index> <name>" lines, and a message carries
 * the letter 'a' + index in its file name after ":2," beside the system flag letters
 * (":2,Sa" = \Seen and keyword 0). A file name has room for 26 such letters.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../files/atomicWrite.js';
import { SerialQueue } from '../workers/serialQueue.js';

export const KEYWORDS_FILE = 'dovecot-keywords';
export const MAX_KEYWORDS = 26;
/** Dovecot's mail_max_keyword_length: every FLAGS line and file listing repeats each keyword. */
export const MAX_KEYWORD_LENGTH = 50;

const LETTER_A = 'a'.charCodeAt(0);

/** A new keyword the folder cannot take. */
export class KeywordRefused extends Error {}

export class TooManyKeywords extends KeywordRefused {
  constructor(readonly keyword: string) {
    super(`This folder already has ${MAX_KEYWORDS} keywords, as many as Maildir file names can carry; "${keyword}" cannot be added`);
  }
}

/** Dovecot's words ("Keyword length too long"), then what to do. */
export class KeywordTooLong extends KeywordRefused {
  constructor(readonly keyword: string) {
    super(`Keyword length too long: a keyword has at most ${MAX_KEYWORD_LENGTH} characters, this one has ${keyword.length}`);
  }
}

export const isKeywordLetter = (letter: string): boolean => letter >= 'a' && letter <= 'z';

export class KeywordTable {
  /** Index -> name; holes are allowed (a line removed by hand). */
  private names: Array<string | undefined> = [];
  private byLower = new Map<string, number>();
  /** Goes up whenever a keyword is added, so sessions know to send a new FLAGS list. */
  version = 0;
  private loaded = false;
  private readonly additions = new SerialQueue();

  constructor(private readonly folderDir: string) {}

  async load(): Promise<void> {
    let text = '';
    try {
      text = await readFile(join(this.folderDir, KEYWORDS_FILE), 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    this.names = [];
    this.byLower.clear();
    this.loaded = true;
    for (const line of text.split('\n')) {
      const m = /^(\d+) (\S+)$/.exec(line);
      if (!m) continue;
      const index = Number(m[1]);
      const name = m[2]!;
      if (index >= MAX_KEYWORDS || this.byLower.has(name.toLowerCase())) continue;
      this.names[index] = name;
      this.byLower.set(name.toLowerCase(), index);
    }
  }

  /** Every keyword this folder knows, in index order (for FLAGS and PERMANENTFLAGS). */
  all(): string[] {
    return this.names.filter((n): n is string => n !== undefined);
  }

  /** The keyword names of a message's letters (letters without a name are skipped). */
  namesOf(letters: string): string[] {
    const out: string[] = [];
    for (const letter of letters) {
      if (!isKeywordLetter(letter)) continue;
      const name = this.names[letter.charCodeAt(0) - LETTER_A];
      if (name !== undefined) out.push(name);
    }
    return out;
  }

  /** The letter of a known keyword (any case), or undefined. */
  letterOf(name: string): string | undefined {
    const index = this.byLower.get(name.toLowerCase());
    return index === undefined ? undefined : String.fromCharCode(LETTER_A + index);
  }

  /**
   * Letters for keyword names, adding the unknown ones to the file first (on disk before any
   * file name uses them). Throws TooManyKeywords when there is no letter left, KeywordTooLong
   * for a new keyword over MAX_KEYWORD_LENGTH (a known one, such as one put in the file by hand,
   * is used as it is, as Dovecot does).
   */
  lettersFor(names: readonly string[]): Promise<string> {
    // One addition at a time: two sessions adding keywords at once must not both take one letter.
    return this.additions.run(() => this.addAndLetter(names));
  }

  private async addAndLetter(names: readonly string[]): Promise<string> {
    if (!this.loaded) await this.load();
    const missing: string[] = [];
    for (const name of names) {
      if (this.letterOf(name) === undefined && !missing.some((m) => m.toLowerCase() === name.toLowerCase())) missing.push(name);
    }
    const tooLong = missing.find((name) => name.length > MAX_KEYWORD_LENGTH);
    if (tooLong !== undefined) throw new KeywordTooLong(tooLong);
    if (missing.length > 0) {
      const next = [...this.names];
      for (const name of missing) {
        let index = next.findIndex((n) => n === undefined);
        if (index === -1) index = next.length;
        if (index >= MAX_KEYWORDS) throw new TooManyKeywords(name);
        next[index] = name;
      }
      await writeFileAtomic(join(this.folderDir, KEYWORDS_FILE), next.map((n, i) => (n === undefined ? '' : `${i} ${n}\n`)).join(''));
      this.names = next;
      next.forEach((n, i) => n !== undefined && this.byLower.set(n.toLowerCase(), i));
      this.version++;
    }
    return names.map((n) => this.letterOf(n)!).join('');
  }
}
