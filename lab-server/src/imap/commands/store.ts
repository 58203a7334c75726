/**
 * STORE (RFC 3501 §6.4.6): sets, adds or removes flags. System flags and keywords go into the
 * Maildir file names (":2,S" for \Seen, ":2,a" for the folder's first keyword). Messages
 * another session expunged meanwhile are skipped, as Dovecot does: the command still succeeds;
 * one whose file another program removed keeps the flags until the expunge is told, and says so.
 * With (UNCHANGEDSINCE n) (RFC 7162) a message changed after modseq n is left alone and named
 * in [MODIFIED ...].
 */
import { KeywordTooLong, TooManyKeywords } from '../../maildir/keywords.js';
import { defineCommand, SELECTED } from '../command.js';
import { InvalidFlag, parseFlagTokens, type FlagChange } from '../flags.js';
import { bad, no, ok } from '../response.js';
import { enableCondstore, parseStoreModifiers } from '../condstore.js';
import type { Token } from '../parser.js';
import { ArgumentError, keyword, list, optional, rest, sequenceSet } from '../schema.js';
import { compactSet } from '../sequenceSet.js';
import type { SelectedMailbox } from '../selected.js';
import { plural } from '../../grading/feedback.js';

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
  args: [sequenceSet(), optional(list('store modifiers'), (t: Token) => t.type === 'list'), keyword('store item', ITEMS), rest('flags')],
  example: 'STORE 1 +FLAGS (\\Seen)',
  uidForm: true,
  noExpungeUpdates: true,
  async handle(ctx, [set, modifiers, item, tokens]) {
    const { tag, uid, session, out } = ctx;
    const selected = session.selected!;
    const unchangedSince = modifiers ? parseStoreModifiers(modifiers) : undefined;
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
      return bad(`Message ${found.tooHigh} does not exist: this mailbox has ${plural(selected.exists, 'message')}. Try: ${tag} STORE 1 +FLAGS (\\Seen)`);
    }
    const mode: Mode = item[0] === '+' ? 'add' : item[0] === '-' ? 'remove' : 'replace';
    const silent = item.endsWith('.SILENT');
    let letters: string;
    try {
      letters = await lettersOf(selected, change, mode);
    } catch (err) {
      if (err instanceof TooManyKeywords) return no(`${err.message}. Remove a keyword from every message first, or use one that exists: ${selected.flagList().join(' ')}`, 'LIMIT');
      if (err instanceof KeywordTooLong) return no(`${err.message}. Use a shorter keyword`, 'CANNOT');
      throw err;
    }
    if (unchangedSince !== undefined) await enableCondstore(ctx);
    const changes: Array<{ uid: number; flags: string }> = [];
    for (const { uid: u } of found) {
      const info = selected.info(u);
      if (info) changes.push({ uid: u, flags: apply(info.flags, letters, mode) });
    }
    const before = selected.folder.highestModseq;
    const result = await selected.folder.storeFlags(changes, unchangedSince);
    const stored = new Map(result.stored.map((info) => [info.uid, info]));
    const gone = new Map(result.expunged.map((info) => [info.uid, info]));
    for (const line of selected.flagListChanges()) await out.untagged(line);
    for (const { seq, uid: u } of found) {
      const info = stored.get(u);
      if (!info) {
        // Its file was removed by another program: the flags went on the record kept until the
        // expunge is told, and Dovecot 2.3 tells a change as for any message. A UID STORE tells
        // the expunge instead, as Dovecot does; under CONDSTORE Dovecot also gives the gone
        // message a new MODSEQ, which the lab does not (flagExpunged), so it tells nothing.
        const kept = gone.get(u);
        if (kept && !uid && !silent && !selected.reportsModseq) await out.untagged(`${seq} FETCH (FLAGS (${selected.flagsOf(kept).join(' ')}))`);
        continue;
      }
      selected.noteReported(u, info.flags);
      const modseq = selected.reportsModseq ? ` MODSEQ (${info.modseq})` : '';
      if (modseq && (!silent || info.modseq > before)) selected.modseqs.sent(info.modseq);
      // Under CONDSTORE every FETCH a flag change causes names the UID (RFC 7162 §3.1).
      const id = uid || modseq ? `UID ${u} ` : '';
      // .SILENT: the client knows what it set; under CONDSTORE it still learns the new modseq.
      if (!silent) await out.untagged(`${seq} FETCH (${id}FLAGS (${selected.flagsOf(info).join(' ')})${modseq})`);
      else if (modseq && info.modseq > before) await out.untagged(`${seq} FETCH (${id}${modseq.trim()})`);
    }
    const ignored = change.ignored.length > 0 ? `; ${change.ignored.join(' ')} ignored: \\Recent is set by the server, not by STORE` : '';
    if (result.modified.length > 0) {
      // RFC 7162 §3.1.3: these changed after UNCHANGEDSINCE and were left as they are.
      const left = new Set(result.modified);
      const modified = uid ? result.modified : found.filter((m) => left.has(m.uid)).map((m) => m.seq);
      return ok(`Conditional STORE failed for messages changed since modseq ${unchangedSince}; the others were stored${ignored}`, `MODIFIED ${compactSet(modified)}`);
    }
    return ok(`STORE completed${ignored}`);
  },
});
