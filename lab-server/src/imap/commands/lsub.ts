/**
 * LSUB (RFC 3501 §6.3.9): the subscribed names that match. With "%", a subscribed name deeper
 * down shows its unsubscribed parent level as \Noselect.
 */
import { HIERARCHY_SEPARATOR } from '../../maildir/mailbox.js';
import { defineCommand, LOGGED_IN } from '../command.js';
import { ok } from '../response.js';
import { listPattern } from '../schema.js';
import { wireName } from './common.js';
import { takeTurns } from '../../workers/turns.js';
import { PatternSet } from '../listPattern.js';
import { parentsOf } from '../mailboxList.js';

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
    // Levels above unmatched names, each matched once however many names share it.
    const levels = new Set<string>();
    for (const name of subscribed) {
      await turn();
      if (await wanted.matches(name)) shown.set(name, true);
      else for (const parent of parentsOf(name)) if (!subscribed.has(parent)) levels.add(parent);
    }
    for (const level of levels) if (await wanted.matches(level)) shown.set(level, false);
    const sorted = [...shown.keys()].sort((a, b) => (a === 'INBOX' ? -1 : b === 'INBOX' ? 1 : a < b ? -1 : a > b ? 1 : 0));
    for (const name of sorted) await out.untagged(`LSUB (${shown.get(name) ? '' : '\\Noselect'}) "${HIERARCHY_SEPARATOR}" ${wireName(name, session.imap4rev2)}`);
    return ok('LSUB completed');
  },
});
