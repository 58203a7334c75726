/** UNSUBSCRIBE (RFC 3501 §6.3.7): removes a name from the subscriptions; the mailbox stays. */
import { defineCommand, LOGGED_IN } from '../command.js';
import { no, ok } from '../response.js';
import { mailboxName } from '../schema.js';
import { announce } from '../mailboxEvents.js';
import { folderOf, shown } from './common.js';

export default defineCommand({
  name: 'UNSUBSCRIBE',
  states: LOGGED_IN,
  args: [mailboxName()],
  example: 'UNSUBSCRIBE Archive',
  async handle({ session }, [name]) {
    folderOf(session, name);
    const mailbox = session.mailbox!;
    const current = await mailbox.subscriptions();
    if (!current.includes(name)) return no(`Not subscribed to "${shown(name)}". See subscriptions with: LSUB "" "*"`, 'NONEXISTENT');
    await mailbox.setSubscribed(name, false);
    announce(mailbox, { type: 'subscription', name }, session);
    return ok(`UNSUBSCRIBE completed: "${shown(name)}" is no longer subscribed (the mailbox itself stays)`);
  },
});
