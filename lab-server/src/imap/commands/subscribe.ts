/** SUBSCRIBE (RFC 3501 §6.3.6): adds a name to the user's subscriptions file. */
import { defineCommand, LOGGED_IN } from '../command.js';
import { MAX_FOLDERS } from '../../maildir/mailbox.js';
import { no, ok } from '../response.js';
import { mailboxName } from '../schema.js';
import { announce } from '../mailboxEvents.js';
import { folderOf, shown } from './common.js';

export default defineCommand({
  name: 'SUBSCRIBE',
  states: LOGGED_IN,
  args: [mailboxName()],
  example: 'SUBSCRIBE Archive',
  async handle({ session }, [name]) {
    folderOf(session, name);
    if (!(await session.mailbox!.setSubscribed(name, true))) {
      return no(`Too many subscriptions (at most ${MAX_FOLDERS}): "${shown(name)}" was not subscribed. UNSUBSCRIBE names you do not need, then try again`, 'LIMIT');
    }
    announce(session.mailbox!, { type: 'subscription', name }, session);
    return ok(`SUBSCRIBE completed: "${shown(name)}" will be listed by LSUB`);
  },
});
