/**
 * COPY (RFC 3501 §6.4.7) with COPYUID (RFC 4315): copies keep their flags and internal date
 * and get new UIDs in the target, in the order of the originals.
 */
import type { MaildirFolder } from '../../maildir/folder.js';
import { defineCommand, SELECTED, type CommandContext } from '../command.js';
import { bad, ok, type Completion } from '../response.js';
import { mailboxName, sequenceSet } from '../schema.js';
import { compactSet, type SequenceSet } from '../sequenceSet.js';
import { existingFolder, shown } from './common.js';

export interface CopyResult {
  target: MaildirFolder;
  from: number[];
  to: number[];
}

const BATCH = 100;

/** Copies the messages a set names into a mailbox; a missing target gets NO [TRYCREATE]. */
export async function copyMessages(ctx: CommandContext, set: SequenceSet, name: string): Promise<CopyResult | Completion> {
  const { session, tag, uid } = ctx;
  const target = await existingFolder(session, name, tag, 'TRYCREATE');
  const selected = session.selected!;
  const found = selected.resolve(set, uid);
  if (!Array.isArray(found)) {
    return bad(`Message ${found.tooHigh} does not exist: this mailbox has ${selected.exists} messages. Try: ${tag} COPY 1 ${name === 'INBOX' ? 'Trash' : 'INBOX'}`);
  }
  const from: number[] = [];
  const to: number[] = [];
  for (let i = 0; i < found.length; i += BATCH) {
    const items = [];
    const sources: number[] = [];
    for (const { uid: u } of found.slice(i, i + BATCH)) {
      const info = selected.info(u);
      const message = info && (await selected.folder.read(u));
      if (!info || !message) continue;
      items.push({ message, flags: info.flags, internalDate: info.internalDate });
      sources.push(u);
    }
    if (items.length === 0) continue;
    from.push(...sources);
    to.push(...(await target.deliverAll(items)));
  }
  return { target, from, to };
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
    const result = await copyMessages(ctx, set, name);
    if (!('target' in result)) return result;
    return ok(`COPY completed: ${result.from.length} messages copied to "${shown(name)}"`, copyUidCode(result));
  },
});
