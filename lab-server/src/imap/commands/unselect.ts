/** UNSELECT (RFC 3691): like CLOSE, but nothing is expunged. */
import { defineCommand, SELECTED } from '../command.js';
import { ok } from '../response.js';

export default defineCommand({
  name: 'UNSELECT',
  states: SELECTED,
  args: [],
  example: 'UNSELECT',
  async handle({ session }) {
    session.deselect();
    return ok('UNSELECT completed. No mailbox is selected now; messages marked \\Deleted are kept');
  },
});
