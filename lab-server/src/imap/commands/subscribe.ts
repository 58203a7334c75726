/** SUBSCRIBE (RFC 3501 §6.3.6): adds a name to the user's subscriptions file. */
import { defineCommand, LOGGED_IN } from '../command.js';
import { ok } from '../response.js';
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
    await session.mailbox!.setSubscribed(name, true);
    announce(session.mailbox!, { type: 'subscription', name }, session);
    return ok(`SUBSCRIBE completed: "${shown(name)}" will be listed by LSUB`);
  },
});
