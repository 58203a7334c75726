/** CHECK (RFC 3501 §6.4.1): a checkpoint. Every change is already on disk, so it only syncs. */
import { defineCommand, SELECTED } from '../command.js';
import { ok } from '../response.js';

export default defineCommand({
  name: 'CHECK',
  states: SELECTED,
  args: [],
  example: 'CHECK',
  async handle({ session }) {
    await session.selected!.folder.sync();
    return ok('CHECK completed');
  },
});
