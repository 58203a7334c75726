/**
 * SELECT (RFC 3501 §6.3.1): opens a mailbox read-write and tells the client its flags, size,
 * \Recent count, first unseen message, UIDVALIDITY and UIDNEXT. EXAMINE shares this. After ENABLE
 * IMAP4rev2 (RFC 9051 §6.3.2) the \Recent count and first unseen go, and a LIST line comes.
 */
import { defineCommand, LOGGED_IN, type CommandContext } from '../command.js';
import { hasFlag } from '../flags.js';
import { ok, type Completion } from '../response.js';
import { mailboxName } from '../schema.js';
import { HIERARCHY_SEPARATOR } from '../../maildir/mailbox.js';
import { attributesOf } from '../mailboxList.js';
import { folderOf, wireName } from './common.js';

export async function openMailbox({ session, out }: CommandContext, name: string, readOnly: boolean): Promise<Completion> {
  // A failed SELECT leaves no mailbox selected (RFC 3501 §6.3.1), so close the old one first.
  const wasSelected = session.selected !== undefined;
  session.deselect();
  // IMAP4rev2 says so, so that the client knows which responses belong to which mailbox.
  if (wasSelected && session.imap4rev2) await out.untagged('OK [CLOSED] The previous mailbox is closed');
  folderOf(session, name);
  const selected = await session.select(name, readOnly);
  const flags = selected.flagList().join(' ');
  await out.untagged(`FLAGS (${flags})`);
  await out.untagged(
    readOnly
      ? 'OK [PERMANENTFLAGS ()] Read-only: EXAMINE does not change flags'
      : `OK [PERMANENTFLAGS (${flags} \\*)] Flags are kept in the file names; \\* means new keywords may be created`,
  );
  await out.untagged(`${selected.exists} EXISTS`);
  // IMAP4rev2 dropped \Recent and the UNSEEN code (RFC 9051 appendix E).
  if (!session.imap4rev2) {
    await out.untagged(`${selected.recentCount} RECENT`);
    const uids = selected.allUids();
    const firstUnseen = uids.findIndex((uid) => {
      const info = selected.info(uid);
      return info !== undefined && !hasFlag(info.flags, '\\Seen');
    });
    if (firstUnseen !== -1) await out.untagged(`OK [UNSEEN ${firstUnseen + 1}] Message ${firstUnseen + 1} is the first unseen`);
  }
  await out.untagged(`OK [UIDVALIDITY ${selected.folder.uidValidity}] UIDs valid`);
  await out.untagged(`OK [UIDNEXT ${selected.uidNext}] Predicted next UID`);
  // IMAP4rev2 (RFC 9051 §6.3.2): the mailbox's LIST line, so the client learns its canonical name and attributes.
  if (session.imap4rev2) {
    const canonical = selected.folder.name;
    const attributes = (await attributesOf(session.mailbox!, canonical)).join(' ');
    await out.untagged(`LIST (${attributes}) "${HIERARCHY_SEPARATOR}" ${wireName(canonical, true)}`);
  }
  const verb = readOnly ? 'EXAMINE' : 'SELECT';
  return ok(`${verb} completed. Next: FETCH 1:* (FLAGS ENVELOPE)`, readOnly ? 'READ-ONLY' : 'READ-WRITE');
}

export default defineCommand({
  name: 'SELECT',
  states: LOGGED_IN,
  args: [mailboxName()],
  example: 'SELECT INBOX',
  handle: (ctx, [name]) => openMailbox(ctx, name, false),
});
