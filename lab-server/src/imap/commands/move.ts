/**
 * MOVE (RFC 6851): each message's file is renamed into the target folder, so a crash at any
 * moment leaves it in exactly one of the two. The COPYUID goes in an untagged OK before the
 * EXPUNGE responses, as the RFC asks.
 */
import { defineCommand, SELECTED } from '../command.js';
import { no, ok } from '../response.js';
import { mailboxName, sequenceSet } from '../schema.js';
import { copyUidCode, transferMessages } from './copy.js';
import { shown } from './common.js';
import { plural } from '../../grading/feedback.js';

export default defineCommand({
  name: 'MOVE',
  states: SELECTED,
  args: [sequenceSet(), mailboxName('target mailbox name')],
  example: 'MOVE 1 Trash',
  uidForm: true,
  async handle(ctx, [set, name]) {
    const selected = ctx.session.selected!;
    if (selected.readOnly) return no('The mailbox is open read-only (EXAMINE). SELECT it to move messages out', 'READ-ONLY');
    const result = await transferMessages(ctx, set, name, 'move');
    if (!('target' in result)) return result;
    const code = copyUidCode(result);
    if (code) await ctx.out.untagged(`OK [${code}] Moved to "${shown(name)}"`);
    return ok(`MOVE completed: ${plural(result.from.length, 'message')} moved to "${shown(name)}"`);
  },
});
