/** CREATE (RFC 3501 §6.3.3): a new Maildir++ folder ".Name" with cur/, new/ and tmp/. */
import { HIERARCHY_SEPARATOR, isInbox } from '../../maildir/mailbox.js';
import { defineCommand, LOGGED_IN } from '../command.js';
import { no, ok } from '../response.js';
import { mailboxName } from '../schema.js';
import { announce } from '../mailboxEvents.js';
import { folderOf, shown, tooManyFolders } from './common.js';

export default defineCommand({
  name: 'CREATE',
  states: LOGGED_IN,
  args: [mailboxName()],
  example: 'CREATE Archive',
  async handle({ session }, [given]) {
    // "Archive." means "Archive, which will have children": the trailing separator is dropped.
    const name = given.endsWith(HIERARCHY_SEPARATOR) ? given.slice(0, -1) : given;
    if (isInbox(name)) return no('INBOX always exists', 'ALREADYEXISTS');
    const mailbox = session.mailbox!;
    if (await folderOf(session, name).exists()) return no(`Mailbox "${shown(name)}" already exists`, 'ALREADYEXISTS');
    if (!(await mailbox.roomForFolder())) return no(tooManyFolders(name), 'LIMIT');
    await mailbox.createFolder(name);
    announce(mailbox, { type: 'created', name }, session);
    // Status text is ASCII: a name in another script is on disk in UTF-8, which the text cannot show.
    const onDisk = /^[\x20-\x7e]*$/.test(name) ? `the Maildir folder .${name}` : 'a Maildir folder named "." and the name in UTF-8';
    return ok(`CREATE completed: mailbox "${shown(name)}" is ${onDisk}`);
  },
});
