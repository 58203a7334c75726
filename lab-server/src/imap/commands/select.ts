/**
 * SELECT (RFC 3501 §6.3.1): opens a mailbox read-write and tells the client its flags, size,
 * \Recent count, first unseen message, UIDVALIDITY, UIDNEXT and HIGHESTMODSEQ. EXAMINE shares
 * this. After ENABLE IMAP4rev2 (RFC 9051 §6.3.2) the \Recent count and first unseen go, and a
 * LIST line comes. The parameters (CONDSTORE) and (QRESYNC (...)) are RFC 7162's: with QRESYNC
 * the client says what it remembers and is told, right here, what vanished and changed since.
 */
import { defineCommand, LOGGED_IN, type CommandContext } from '../command.js';
import { enableCondstore, highestModseqLine, parseSelectParams, qresyncOn, vanishedSince, type QresyncParams } from '../condstore.js';
import { hasFlag } from '../flags.js';
import type { Token } from '../parser.js';
import { bad, ok, type Completion } from '../response.js';
import { list, mailboxName, optional } from '../schema.js';
import { HIERARCHY_SEPARATOR } from '../../maildir/mailbox.js';
import { attributesOf } from '../mailboxList.js';
import { folderOf, wireName } from './common.js';

export async function openMailbox(ctx: CommandContext, name: string, readOnly: boolean, params: Token[] = []): Promise<Completion> {
  const { session, out, tag } = ctx;
  const { condstore, qresync } = parseSelectParams(params);
  if (qresync && !qresyncOn(session)) return bad(`QRESYNC must be enabled first. Try: ${tag} ENABLE QRESYNC`);
  // A failed SELECT leaves no mailbox selected (RFC 3501 §6.3.1), so close the old one first.
  const wasSelected = session.selected !== undefined;
  session.deselect();
  // So that the client knows which responses belong to which mailbox: RFC 9051 and RFC 7162 say
  // so, and Dovecot 2.3 says it to every client, QRESYNC enabled or not.
  if (wasSelected) await out.untagged('OK [CLOSED] The previous mailbox is closed');
  if (condstore) await enableCondstore(ctx);
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
  await out.untagged(highestModseqLine(selected));
  // IMAP4rev2 (RFC 9051 §6.3.2): the mailbox's LIST line, so the client learns its canonical name and attributes.
  if (session.imap4rev2) {
    const canonical = selected.folder.name;
    const attributes = (await attributesOf(session.mailbox!, canonical)).join(' ');
    await out.untagged(`LIST (${attributes}) "${HIERARCHY_SEPARATOR}" ${wireName(canonical, true)}`);
  }
  if (qresync && qresync.uidValidity === selected.folder.uidValidity) await resynchronise(ctx, qresync);
  // A client's next command is most often a FETCH of ENVELOPEs (a first sync, or a list to show
  // after a restart): the folder's field cache is read meanwhile, while the reply travels and
  // the client answers, rather than after that FETCH arrives. Nothing waits for it here.
  if (selected.exists > 0) selected.folder.fields.prefetch();
  const verb = readOnly ? 'EXAMINE' : 'SELECT';
  return ok(`${verb} completed. Next: FETCH 1:* (FLAGS ENVELOPE)`, readOnly ? 'READ-ONLY' : 'READ-WRITE');
}

/**
 * QRESYNC (RFC 7162 §3.2.5): what vanished since the client's modseq, then the UID, flags and
 * modseq of every message that changed since, all among the UIDs it knows.
 */
async function resynchronise({ session, out }: CommandContext, { modseq, knownUids, sample }: QresyncParams): Promise<void> {
  const selected = session.selected!;
  const vanished = vanishedSince(selected, modseq, knownUids, sample);
  if (vanished) await out.untagged(`VANISHED (EARLIER) ${vanished}`);
  const uids = selected.allUids();
  const last = uids.at(-1) ?? 0;
  for (const [i, uid] of uids.entries()) {
    const info = selected.info(uid);
    if (!info || info.modseq <= modseq || (knownUids && !knownUids.has(uid, last))) continue;
    selected.noteReported(uid, info.flags);
    selected.modseqs.sent(info.modseq);
    for (const line of selected.flagListChanges()) await out.untagged(line);
    await out.untagged(`${i + 1} FETCH (UID ${uid} FLAGS (${selected.flagsOf(info).join(' ')}) MODSEQ (${info.modseq}))`);
  }
}

/** SELECT's optional parameters, in parentheses after the name. */
export const selectParams = optional(list('SELECT parameters'), (t: Token) => t.type === 'list');

export default defineCommand({
  name: 'SELECT',
  states: LOGGED_IN,
  args: [mailboxName(), selectParams],
  example: 'SELECT INBOX',
  handle: (ctx, [name, params]) => openMailbox(ctx, name, false, params),
});
