/**
 * LSUB (RFC 3501 §6.3.9): the subscribed names that match. With a pattern that ends in "%", a
 * subscribed name deeper down shows its unsubscribed parent level as \Noselect (RFC 3501's
 * "foo/bar" example); a pattern that names a level outright ("k", "%.b") does not, as in Dovecot
 * 2.3. A name with a special use carries it (\Sent...), as Dovecot sends it for Outlook's sake.
 */
import { HIERARCHY_SEPARATOR } from '../../maildir/mailbox.js';
import { defineCommand, LOGGED_IN } from '../command.js';
import { ok } from '../response.js';
import { listPattern } from '../schema.js';
import { wireName } from './common.js';
import { takeTurns } from '../../workers/turns.js';
import { PatternSet } from '../listPattern.js';
import { parentsOf, SPECIAL_USE } from '../mailboxList.js';

export default defineCommand({
  name: 'LSUB',
  states: LOGGED_IN,
  args: [listPattern('reference name (usually "")'), listPattern('mailbox pattern')],
  example: 'LSUB "" "*"',
  async handle({ out, session }, [reference, pattern]) {
    if (reference === undefined || pattern === undefined) return ok('LSUB completed: that name is not valid modified UTF-7, so no mailbox matches');
    const turn = takeTurns();
    const wanted = new PatternSet([reference + pattern], turn);
    const subscribed = new Set(await session.mailbox!.subscriptions());
    const shown = new Map<string, boolean>();
    const parentsToo = (reference + pattern).endsWith('%');
    // Levels above unmatched names, each matched once however many names share it.
    const levels = new Set<string>();
    for (const name of subscribed) {
      await turn();
      if (await wanted.matches(name)) shown.set(name, true);
      else if (parentsToo) for (const parent of parentsOf(name)) if (!subscribed.has(parent)) levels.add(parent);
    }
    for (const level of levels) if (await wanted.matches(level)) shown.set(level, false);
    const sorted = [...shown.keys()].sort((a, b) => (a === 'INBOX' ? -1 : b === 'INBOX' ? 1 : a < b ? -1 : a > b ? 1 : 0));
    for (const name of sorted) {
      const attributes = [...(shown.get(name) ? [] : ['\\Noselect']), ...(SPECIAL_USE.has(name) ? [SPECIAL_USE.get(name)!] : [])];
      await out.untagged(`LSUB (${attributes.join(' ')}) "${HIERARCHY_SEPARATOR}" ${wireName(name, session.imap4rev2)}`);
    }
    return ok('LSUB completed');
  },
});
