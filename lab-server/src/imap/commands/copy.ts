/**
 * COPY (RFC 3501 §6.4.7) with COPYUID (RFC 4315): copies keep their flags, keywords and
 * internal date and get new UIDs in the target, in the order of the originals. The store makes
 * each copy a hard link, so no message is read or written.
 */
import type { MaildirFolder } from '../../maildir/folder.js';
import type { TransferResult } from '../../maildir/transfer.js';
import { defineCommand, SELECTED, type CommandContext } from '../command.js';
import { bad, ok, type Completion } from '../response.js';
import { mailboxName, sequenceSet } from '../schema.js';
import { compactSet, type SequenceSet } from '../sequenceSet.js';
import { reserveOrRefuse } from '../quota.js';
import { existingFolder, shown } from './common.js';
import { plural } from '../../grading/feedback.js';

export interface CopyResult extends TransferResult {
  target: MaildirFolder;
}

/** Copies (or moves) the messages a set names into a mailbox; a missing target gets NO [TRYCREATE]. */
export async function transferMessages(ctx: CommandContext, set: SequenceSet, name: string, how: 'copy' | 'move'): Promise<CopyResult | Completion> {
  const { session, tag, uid } = ctx;
  const target = await existingFolder(session, name, tag, 'TRYCREATE');
  const selected = session.selected!;
  const found = selected.resolve(set, uid);
  if (!Array.isArray(found)) {
    return bad(`Message ${found.tooHigh} does not exist: this mailbox has ${plural(selected.exists, 'message')}. Try: ${tag} ${how.toUpperCase()} 1 ${name === 'INBOX' ? 'Trash' : 'INBOX'}`);
  }
  const uids = found.map((m) => m.uid);
  const mailbox = session.mailbox!;
  const result = how === 'copy' ? await mailbox.copy(selected.folder, target, uids) : await mailbox.move(selected.folder, target, uids);
  return { target, ...result };
}

export function copyUidCode(result: CopyResult): string | undefined {
  if (result.from.length === 0) return undefined;
  return `COPYUID ${result.target.uidValidity} ${compactSet(result.from)} ${compactSet(result.to)}`;
}

export default defineCommand({
  name: 'COPY',
  states: SELECTED,
  args: [sequenceSet(), mailboxName('target mailbox name')],
  example: 'COPY 1:2 Trash',
  uidForm: true,
  async handle(ctx, [set, name]) {
    // Room for every copy is held first: COPY stores all of them or none (NO [OVERQUOTA]).
    const found = ctx.session.selected!.resolve(set, ctx.uid);
    const infos = Array.isArray(found) ? found.flatMap(({ uid }) => ctx.session.selected!.info(uid) ?? []) : [];
    const hold = await reserveOrRefuse(ctx.session.usage, ctx.tag, infos.reduce((n, info) => n + info.size, 0), infos.length);
    const result = await transferMessages(ctx, set, name, 'copy').catch((err: unknown) => {
      hold.release();
      throw err;
    });
    if (!('target' in result)) {
      hold.release();
      return result;
    }
    hold.commit();
    return ok(`COPY completed: ${plural(result.from.length, 'message')} copied to "${shown(name)}"`, copyUidCode(result));
  },
});
