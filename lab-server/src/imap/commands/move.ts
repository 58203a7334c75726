/**
 * MOVE (RFC 6851): COPY, then expunge the originals. The COPYUID goes in an untagged OK before
 * the EXPUNGE responses, as the RFC asks.
 */
import { defineCommand, SELECTED } from '../command.js';
import { no, ok } from '../response.js';
import { mailboxName, sequenceSet } from '../schema.js';
import { copyMessages, copyUidCode } from './copy.js';
import { shown } from './common.js';

export default defineCommand({
  name: 'MOVE',
  states: SELECTED,
  args: [sequenceSet(), mailboxName('target mailbox name')],
  example: 'MOVE 1 Trash',
  uidForm: true,
  async handle(ctx, [set, name]) {
    const selected = ctx.session.selected!;
    if (selected.readOnly) return no('The mailbox is open read-only (EXAMINE). SELECT it to move messages out', 'READ-ONLY');
    const result = await copyMessages(ctx, set, name);
    if (!('target' in result)) return result;
    const code = copyUidCode(result);
    if (code) await ctx.out.untagged(`OK [${code}] Copied to "${shown(name)}"`);
    await selected.folder.expunge(result.from);
    return ok(`MOVE completed: ${result.from.length} messages moved to "${shown(name)}"`);
  },
});
