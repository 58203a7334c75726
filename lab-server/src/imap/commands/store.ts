/**
 * STORE (RFC 3501 §6.4.6): sets, adds or removes flags. They go into the Maildir file names
 * (":2,S" for \Seen); keywords cannot be kept there, so they are ignored and the reply says so.
 */
import { defineCommand, SELECTED } from '../command.js';
import { InvalidFlag, parseFlagTokens } from '../flags.js';
import { bad, no, ok } from '../response.js';
import { ArgumentError, keyword, rest, sequenceSet } from '../schema.js';

const ITEMS = ['FLAGS', 'FLAGS.SILENT', '+FLAGS', '+FLAGS.SILENT', '-FLAGS', '-FLAGS.SILENT'];

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
    const mode = item[0] === '+' ? 'add' : item[0] === '-' ? 'remove' : 'replace';
    const silent = item.endsWith('.SILENT');
    const changes: Array<{ uid: number; flags: string }> = [];
    for (const { uid: u } of found) {
      const info = selected.info(u);
      if (!info) continue;
      const current = info.flags;
      const next =
        mode === 'replace'
          ? change.letters
          : mode === 'add'
            ? current + change.letters
            : [...current].filter((l) => !change.letters.includes(l)).join('');
      changes.push({ uid: u, flags: next });
    }
    const stored = new Map((await selected.folder.storeFlags(changes)).map((info) => [info.uid, info]));
    let missing = 0;
    for (const { seq, uid: u } of found) {
      const info = stored.get(u);
      if (!info) {
        missing++;
        continue;
      }
      selected.noteReported(u, info.flags);
      // .SILENT: the client knows what it set; flags changed by others still come later.
      if (!silent) await out.untagged(`${seq} FETCH (${uid ? `UID ${u} ` : ''}FLAGS (${selected.flagsOf(info).join(' ')}))`);
    }
    const ignored = change.ignored.length > 0
      ? `; ${change.ignored.join(' ')} ignored: this lab's Maildir keeps only the system flags (PERMANENTFLAGS)`
      : '';
    if (missing > 0 && !uid) return no(`Some of the messages were expunged by another session (${missing}). Send NOOP to see which${ignored}`, 'EXPUNGEISSUED');
    return ok(`STORE completed${ignored}`);
  },
});
