/**
 * DELETE (RFC 3501 §6.3.4): removes a folder and its messages. In Maildir++ its sub-folders
 * are folders of their own and stay.
 */
import { isInbox } from '../../maildir/mailbox.js';
import { defineCommand, LOGGED_IN } from '../command.js';
import { no, ok } from '../response.js';
import { mailboxName } from '../schema.js';
import { announce } from '../mailboxEvents.js';
import { existingFolder, shown } from './common.js';

export default defineCommand({
  name: 'DELETE',
  states: LOGGED_IN,
  args: [mailboxName()],
  example: 'DELETE Archive',
  async handle({ tag, session }, [name]) {
    if (isInbox(name)) return no('INBOX cannot be deleted', 'CANNOT');
    const folder = await existingFolder(session, name, tag);
    if (session.selected?.folder === folder) session.deselect();
    await session.mailbox!.deleteFolder(name);
    announce(session.mailbox!, { type: 'deleted', name }, session);
    return ok(`DELETE completed: mailbox "${shown(name)}" and its messages are gone`);
  },
});
