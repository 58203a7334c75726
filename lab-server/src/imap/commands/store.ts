/**
 * STORE (RFC 3501 §6.4.6): sets, adds or removes flags. System flags and keywords go into the
 * Maildir file names (":2,S" for \Seen, ":2,a" for the folder's first keyword). Messages
 * another session expunged meanwhile are skipped, as Dovecot does: the command still succeeds.
 */
import { TooManyKeywords } from '../../maildir/keywords.js';
import { defineCommand, SELECTED } from '../command.js';
import { InvalidFlag, parseFlagTokens, type FlagChange } from '../flags.js';
import { bad, no, ok } from '../response.js';
import { ArgumentError, keyword, rest, sequenceSet } from '../schema.js';
import type { SelectedMailbox } from '../selected.js';

const ITEMS = ['FLAGS', 'FLAGS.SILENT', '+FLAGS', '+FLAGS.SILENT', '-FLAGS', '-FLAGS.SILENT'];

type Mode = 'add' | 'remove' | 'replace';

/** The letters a change names in this folder; adding or replacing creates unknown keywords. */
async function lettersOf(selected: SelectedMailbox, change: FlagChange, mode: Mode): Promise<string> {
  const keywords = selected.folder.keywords;
  if (mode === 'remove') return change.letters + change.keywords.map((k) => keywords.letterOf(k) ?? '').join('');
  return change.letters + (await keywords.lettersFor(change.keywords));
}

function apply(current: string, letters: string, mode: Mode): string {
  if (mode === 'replace') return letters;
  if (mode === 'add') return current + letters;
  return [...current].filter((l) => !letters.includes(l)).join('');
}

export default defineCommand({
  name: 'STORE',
  states: SELECTED,
  args: [sequenceSet(), keyword('store item', ITEMS), rest('flags')],
  example: 'STORE 1 +FLAGS (\\Seen)',
  uidForm: true,
  noExpungeUpdates: true,
  async handle({ tag, uid, session, out }, [set, item, tokens]) {
    const selected = session.selected!;
    if (selected.readOnly) return no('The mailbox is open read-only (EXAMINE). SELECT it to change flags', 'READ-ONLY');
    const flagTokens = tokens.length === 1 && tokens[0]!.type === 'list' ? tokens[0]!.items : tokens;
    let change;
    try {
      change = parseFlagTokens(flagTokens);
    } catch (err) {
      if (err instanceof InvalidFlag) throw new ArgumentError(err.message);
      throw err;
    }
    const found = selected.resolve(set, uid);
    if (!Array.isArray(found)) {
      return bad(`Message ${found.tooHigh} does not exist: this mailbox has ${selected.exists} messages. Try: ${tag} STORE 1 +FLAGS (\\Seen)`);
    }
    const mode: Mode = item[0] === '+' ? 'add' : item[0] === '-' ? 'remove' : 'replace';
    const silent = item.endsWith('.SILENT');
    let letters: string;
    try {
      letters = await lettersOf(selected, change, mode);
    } catch (err) {
      if (err instanceof TooManyKeywords) return no(`${err.message}. Remove a keyword from every message first, or use one that exists: ${selected.flagList().join(' ')}`, 'LIMIT');
      throw err;
    }
    const changes: Array<{ uid: number; flags: string }> = [];
    for (const { uid: u } of found) {
      const info = selected.info(u);
      if (info) changes.push({ uid: u, flags: apply(info.flags, letters, mode) });
    }
    const stored = new Map((await selected.folder.storeFlags(changes)).stored.map((info) => [info.uid, info]));
    for (const line of selected.flagListChanges()) await out.untagged(line);
    for (const { seq, uid: u } of found) {
      const info = stored.get(u);
      if (!info) continue;
      selected.noteReported(u, info.flags);
      // .SILENT: the client knows what it set; flags changed by others still come later.
      if (!silent) await out.untagged(`${seq} FETCH (${uid ? `UID ${u} ` : ''}FLAGS (${selected.flagsOf(info).join(' ')}))`);
    }
    const ignored = change.ignored.length > 0 ? `; ${change.ignored.join(' ')} ignored: \\Recent is set by the server, not by STORE` : '';
    return ok(`STORE completed${ignored}`);
  },
});
