/**
 * STATUS (RFC 3501 §6.3.10): counts of a mailbox without selecting it, with SIZE (RFC 8438)
 * DELETED (RFC 9051) and HIGHESTMODSEQ (RFC 7162) besides the classic items.
 */
import { defineCommand, LOGGED_IN } from '../command.js';
import { enableCondstore } from '../condstore.js';
import { parseStatusItems, statusValues } from '../mailboxStatus.js';
import { ok } from '../response.js';
import { list, mailboxName } from '../schema.js';
import { existingFolder, wireName } from './common.js';

export default defineCommand({
  name: 'STATUS',
  states: LOGGED_IN,
  args: [mailboxName(), list('status items')],
  example: 'STATUS INBOX (MESSAGES UNSEEN UIDNEXT)',
  async handle(ctx, [name, items]) {
    const { tag, out, session } = ctx;
    const wanted = parseStatusItems(items);
    // Asking for HIGHESTMODSEQ is a CONDSTORE enabling command (RFC 7162 §3.1).
    if (wanted.includes('HIGHESTMODSEQ')) await enableCondstore(ctx);
    const folder = await existingFolder(session, name, tag);
    await out.untagged(`STATUS ${wireName(name, session.imap4rev2)} (${await statusValues(folder, wanted)})`);
    return ok('STATUS completed');
  },
});
