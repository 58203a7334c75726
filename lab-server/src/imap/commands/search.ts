/**
 * SEARCH (RFC 3501 §6.4.4): the numbers (or with UID SEARCH, the UIDs) of the messages that
 * match every key. CHARSET may be US-ASCII or UTF-8; strings are matched as UTF-8 either way.
 */
import { defineCommand, SELECTED } from '../command.js';
import { messageView } from '../mime/cache.js';
import { no, ok } from '../response.js';
import { matches, needsContent, parseSearch, type SearchSubject } from '../search.js';
import { rest } from '../schema.js';

const CHARSETS = ['US-ASCII', 'UTF-8'];

export default defineCommand({
  name: 'SEARCH',
  states: SELECTED,
  args: [rest('search keys')],
  example: 'SEARCH UNSEEN FROM "bob"',
  uidForm: true,
  noExpungeUpdates: true,
  async handle({ uid, session, out }, [tokens]) {
    let keys = tokens;
    const first = tokens[0];
    if (first?.type === 'atom' && first.value.toUpperCase() === 'CHARSET') {
      const charset = tokens[1];
      const name = charset && charset.type !== 'list' ? (charset.type === 'atom' ? charset.value : charset.value.toString('latin1')).toUpperCase() : '';
      if (!CHARSETS.includes(name)) return no(`Charset "${name}" is not supported here; use UTF-8`, `BADCHARSET (${CHARSETS.join(' ')})`);
      keys = tokens.slice(2);
    }
    const key = parseSearch(keys);
    const selected = session.selected!;
    const uids = selected.allUids();
    const lastUid = uids[uids.length - 1] ?? 0;
    const content = needsContent(key);
    const hits: number[] = [];
    for (const [i, u] of uids.entries()) {
      const info = selected.info(u);
      if (!info) continue; // expunged by another session, not yet reported
      const subject: SearchSubject = { seq: i + 1, info, recent: selected.isRecent(u), lastSeq: uids.length, lastUid, cache: {} };
      if (content) {
        subject.view = await messageView(selected.folder, info);
        if (!subject.view) continue;
      }
      if (matches(key, subject)) hits.push(uid ? u : i + 1);
    }
    await out.untagged(hits.length > 0 ? `SEARCH ${hits.join(' ')}` : 'SEARCH');
    return ok(`SEARCH completed (${hits.length} matching)`);
  },
});
