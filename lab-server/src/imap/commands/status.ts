/** STATUS (RFC 3501 §6.3.10): counts of a mailbox without selecting it. */
import { defineCommand, LOGGED_IN } from '../command.js';
import { hasFlag } from '../flags.js';
import { ok } from '../response.js';
import { ArgumentError, list, mailboxName } from '../schema.js';
import { existingFolder, wireName } from './common.js';

const ITEMS = ['MESSAGES', 'RECENT', 'UIDNEXT', 'UIDVALIDITY', 'UNSEEN'];

export default defineCommand({
  name: 'STATUS',
  states: LOGGED_IN,
  args: [mailboxName(), list('status items')],
  example: 'STATUS INBOX (MESSAGES UNSEEN UIDNEXT)',
  async handle({ tag, out, session }, [name, items]) {
    const wanted = items.map((t) => {
      const item = t.type === 'atom' ? t.value.toUpperCase() : '';
      if (!ITEMS.includes(item)) throw new ArgumentError(`Unknown status item. Items are ${ITEMS.join(', ')}`);
      return item;
    });
    if (wanted.length === 0) throw new ArgumentError(`Name at least one status item: ${ITEMS.join(', ')}`);
    const folder = await existingFolder(session, name, tag);
    const messages = await folder.sync();
    const values: Record<string, number> = {
      MESSAGES: messages.length,
      RECENT: messages.filter((m) => m.dir === 'new').length,
      UIDNEXT: folder.nextUid,
      UIDVALIDITY: folder.uidValidity,
      UNSEEN: messages.filter((m) => !hasFlag(m.flags, '\\Seen')).length,
    };
    await out.untagged(`STATUS ${wireName(name)} (${wanted.map((w) => `${w} ${values[w]}`).join(' ')})`);
    return ok('STATUS completed');
  },
});
