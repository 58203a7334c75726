/**
 * CLOSE (RFC 3501 §6.4.2): removes the messages marked \Deleted (without EXPUNGE responses)
 * and leaves the selected state. After EXAMINE nothing is removed.
 */
import { defineCommand, SELECTED } from '../command.js';
import { hasFlag } from '../flags.js';
import { ok } from '../response.js';
import { plural } from '../../grading/feedback.js';

export default defineCommand({
  name: 'CLOSE',
  states: SELECTED,
  args: [],
  example: 'CLOSE',
  async handle({ session }) {
    const selected = session.selected!;
    let removed = 0;
    if (!selected.readOnly) {
      const doomed = selected.allUids().filter((uid) => {
        const info = selected.info(uid);
        return info !== undefined && hasFlag(info.flags, '\\Deleted');
      });
      removed = (await selected.folder.expunge(doomed)).length;
    }
    session.deselect();
    return ok(`CLOSE completed${removed > 0 ? `: ${plural(removed, 'deleted message')} removed` : ''}. No mailbox is selected now`);
  },
});
