/**
 * Running a search over the selected mailbox, shared by SEARCH, SORT, THREAD and the live
 * results of RETURN (UPDATE): which messages match, in mailbox order. Messages another session
 * expunged but this one has not been told about yet are left out.
 */
import type { MessageInfo } from '../maildir/folder.js';
import { takeTurns } from '../workers/turns.js';
import { searchContent } from './mime/cache.js';
import type { Token } from './parser.js';
import { CommandFailed, no } from './response.js';
import { contentQueries, matches, type SearchKey, type SearchSubject } from './search.js';
import type { SelectedMailbox } from './selected.js';

export interface Found {
  seq: number;
  uid: number;
  info: MessageInfo;
}

/** Charsets SEARCH, SORT and THREAD accept; strings are matched as UTF-8 either way. */
export const CHARSETS = ['US-ASCII', 'UTF-8'];

/** Checks a charset argument; an unknown one ends the command with NO [BADCHARSET]. */
export function checkCharset(token: Token | undefined): void {
  const name = token && token.type !== 'list' ? (token.type === 'atom' ? token.value : token.value.toString('latin1')).toUpperCase() : '';
  if (!CHARSETS.includes(name)) {
    throw new CommandFailed(no(`Charset "${name.slice(0, 30)}" is not supported here; use UTF-8`, `BADCHARSET (${CHARSETS.join(' ')})`));
  }
}

/** SEARCH's optional "CHARSET x" before the keys; returns the keys. */
export function skipCharset(tokens: readonly Token[]): readonly Token[] {
  const first = tokens[0];
  if (first?.type !== 'atom' || first.value.toUpperCase() !== 'CHARSET') return tokens;
  checkCharset(tokens[1]);
  return tokens.slice(2);
}

/**
 * The messages that match, in mailbox order. With `only`, just those UIDs are tested (a live
 * result re-checks the messages that changed).
 */
export async function findMatches(selected: SelectedMailbox, key: SearchKey, only?: ReadonlySet<number>): Promise<Found[]> {
  const uids = selected.allUids();
  const lastUid = uids[uids.length - 1] ?? 0;
  const queries = contentQueries(key);
  const keywordLetter = (name: string): string | undefined => selected.folder.keywords.letterOf(name);
  const found: Found[] = [];
  const turn = takeTurns();
  for (const [i, uid] of uids.entries()) {
    if (only && !only.has(uid)) continue;
    await turn();
    const info = selected.info(uid);
    if (!info) continue;
    const subject: SearchSubject = { seq: i + 1, info, recent: selected.isRecent(uid), keywordLetter, lastSeq: uids.length, lastUid, saved: selected.savedResult };
    if (queries.length > 0) {
      const answers = await searchContent(selected.folder, info, queries.map(([, q]) => q));
      if (!answers) continue;
      subject.content = new Map(queries.map(([k], n) => [k, answers[n]!]));
    }
    if (matches(key, subject)) found.push({ seq: i + 1, uid, info });
  }
  return found;
}
