/**
 * The \Seen a FETCH of a body section (not .PEEK) sets (RFC 3501 §6.4.5), and where its MODSEQ
 * is told under CONDSTORE: as Dovecot 2.3 does both (tests/integration/imap-dovecot-parity-removed
 * and imap-dovecot-parity-seen-modseq).
 */
import type { MessageInfo } from '../../maildir/folder.js';
import type { CommandContext } from '../command.js';
import { hasFlag } from '../flags.js';
import type { SelectedMailbox, SelectedMessage } from '../selected.js';

/**
 * Sets \Seen on the messages that lack it; the UIDs it was set on now. One whose file another
 * program removed gets it too, on the record kept until the expunge is told (flagExpunged), as
 * Dovecot sets it in its index: its response says FLAGS (\Seen) before its NIL body.
 */
export async function markSeen(selected: SelectedMailbox, found: readonly SelectedMessage[]): Promise<ReadonlySet<number>> {
  const seenNow = new Set<number>();
  const changes = found
    .map(({ uid }) => selected.info(uid) ?? selected.ghost(uid))
    .filter((info): info is MessageInfo => info !== undefined && !hasFlag(info.flags, '\\Seen'))
    .map((info) => ({ uid: info.uid, flags: info.flags + 'S' }));
  if (changes.length === 0) return seenNow;
  const { stored, expunged } = await selected.folder.storeFlags(changes);
  for (const info of stored) seenNow.add(info.uid);
  for (const info of expunged) seenNow.add(info.uid);
  return seenNow;
}

/**
 * Under CONDSTORE, the new MODSEQ of each message this FETCH set \Seen on, in a FETCH response
 * of its own after the others, with its UID under QRESYNC, as Dovecot 2.3 reports it (RFC 7162
 * §3.1: a flag change is reported with its MODSEQ). A message whose file is gone has none: its
 * \Seen changed no file and took no modseq (flagExpunged).
 */
export async function seenModseqs(ctx: CommandContext, selected: SelectedMailbox, found: readonly SelectedMessage[], seenNow: ReadonlySet<number>): Promise<void> {
  for (const { seq, uid } of found) {
    const info = seenNow.has(uid) ? selected.info(uid) : undefined;
    if (!info) continue;
    selected.modseqs.sent(info.modseq);
    await ctx.out.untagged(`${seq} FETCH (${selected.reportsVanished ? `UID ${uid} ` : ''}MODSEQ (${info.modseq}))`);
  }
}
