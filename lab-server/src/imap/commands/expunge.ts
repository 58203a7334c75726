/**
 * EXPUNGE (RFC 3501 §6.4.3) and UID EXPUNGE (RFC 4315): removes messages marked \Deleted (with
 * UID, only those in the set). The EXPUNGE responses follow from the session's update step.
 */
import { defineCommand, SELECTED } from '../command.js';
import { hasFlag } from '../flags.js';
import { no, ok } from '../response.js';
import { ArgumentError, optional, sequenceSet } from '../schema.js';
import { plural } from '../../grading/feedback.js';

export default defineCommand({
  name: 'EXPUNGE',
  states: SELECTED,
  args: [optional(sequenceSet('UID set'))],
  example: 'EXPUNGE',
  uidForm: true,
  async handle({ session, uid }, [set]) {
    if (set && !uid) throw new ArgumentError('EXPUNGE takes no arguments (UID EXPUNGE takes a UID set)');
    if (uid && !set) throw new ArgumentError('UID EXPUNGE needs a UID set, e.g. UID EXPUNGE 1:5');
    const selected = session.selected!;
    if (selected.readOnly) return no('The mailbox is open read-only (EXAMINE). SELECT it to expunge', 'READ-ONLY');
    const candidates = set ? (selected.resolve(set, true) as Array<{ uid: number }>).map((m) => m.uid) : selected.allUids();
    const doomed = candidates.filter((u) => {
      const info = selected.info(u);
      return info !== undefined && hasFlag(info.flags, '\\Deleted');
    });
    const removed = await selected.folder.expunge(doomed);
    return ok(removed.length === 0 ? 'EXPUNGE completed: no message was marked \\Deleted' : `EXPUNGE completed: ${plural(removed.length, 'message')} removed`);
  },
});
