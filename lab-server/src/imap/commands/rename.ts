/**
 * RENAME (RFC 3501 §6.3.5): renames a folder and its sub-folders (".a" and ".a.b" are separate
 * directories in Maildir++). Renaming INBOX moves its messages into a new folder instead.
 */
import { HIERARCHY_SEPARATOR, isInbox, MAX_FOLDERS } from '../../maildir/mailbox.js';
import { defineCommand, LOGGED_IN } from '../command.js';
import { no, ok } from '../response.js';
import { mailboxName } from '../schema.js';
import { announce } from '../mailboxEvents.js';
import { existingFolder, folderOf, shown, tooManyFolders } from './common.js';
import { plural } from '../../grading/feedback.js';

export default defineCommand({
  name: 'RENAME',
  states: LOGGED_IN,
  args: [mailboxName('current mailbox name'), mailboxName('new mailbox name')],
  example: 'RENAME Archive Archive2026',
  async handle({ tag, session }, [from, to]) {
    const mailbox = session.mailbox!;
    if (isInbox(to)) return no('A mailbox cannot be renamed to INBOX', 'ALREADYEXISTS');
    folderOf(session, to); // a bad new name ends the command here (InvalidFolderName)
    const names = await mailbox.folderNames();
    const sep = HIERARCHY_SEPARATOR;
    if (names.some((n) => n === to || n.startsWith(to + sep))) return no(`Mailbox "${shown(to)}" already exists`, 'ALREADYEXISTS');
    if (isInbox(from)) {
      // INBOX stays: its messages go to a new folder, which counts.
      if (names.length >= MAX_FOLDERS) return no(tooManyFolders(to), 'LIMIT');
      const inbox = mailbox.inbox;
      const messages = [...(await inbox.sync())];
      const target = await mailbox.createFolder(to);
      for (let i = 0; i < messages.length; i += 100) {
        const batch = messages.slice(i, i + 100);
        const items = [];
        for (const info of batch) {
          const message = await inbox.read(info.uid);
          if (message) items.push({ message, flags: info.flags, internalDate: info.internalDate });
        }
        await target.deliverAll(items);
        await inbox.expunge(batch.map((m) => m.uid));
      }
      announce(mailbox, { type: 'created', name: to }, session);
      return ok(`RENAME completed: INBOX's ${plural(messages.length, 'message')} moved to "${shown(to)}"; INBOX is now empty`);
    }
    if (to.startsWith(from + sep)) return no('A mailbox cannot be moved inside itself', 'CANNOT');
    const children = names.filter((n) => n.startsWith(from + sep));
    const exists = names.includes(from);
    if (!exists && children.length === 0) await existingFolder(session, from, tag);
    const selected = session.selected;
    if (selected && (selected.name === from || selected.name.startsWith(from + sep))) session.deselect();
    if (exists) await mailbox.renameFolder(from, to);
    for (const child of children) await mailbox.renameFolder(child, to + child.slice(from.length));
    announce(mailbox, { type: 'renamed', from, to }, session);
    return ok(`RENAME completed: "${shown(from)}" is now "${shown(to)}"`);
  },
});
