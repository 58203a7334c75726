/** CAPABILITY (RFC 3501 §6.1.1): what this server can do, which changes with TLS and login. */
import { ANY_STATE, defineCommand } from '../command.js';
import { ok } from '../response.js';

export default defineCommand({
  name: 'CAPABILITY',
  states: ANY_STATE,
  args: [],
  example: 'CAPABILITY',
  async handle({ session, out }) {
    await out.untagged(`CAPABILITY ${session.capabilities().join(' ')}`);
    return ok('CAPABILITY completed');
  },
});
