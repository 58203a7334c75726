/** NOOP (RFC 3501 §6.1.2): does nothing, which lets the session report what changed meanwhile. */
import { ANY_STATE, defineCommand } from '../command.js';
import { ok } from '../response.js';

export default defineCommand({
  name: 'NOOP',
  states: ANY_STATE,
  args: [],
  example: 'NOOP',
  async handle() {
    return ok('NOOP completed');
  },
});
