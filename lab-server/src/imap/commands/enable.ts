/**
 * ENABLE (RFC 5161). None of the extensions that need enabling (CONDSTORE, QRESYNC,
 * UTF8=ACCEPT) are offered, so ENABLED lists nothing, which is the correct answer.
 */
import { defineCommand, LOGGED_IN } from '../command.js';
import { ok } from '../response.js';
import { ArgumentError, rest } from '../schema.js';

export default defineCommand({
  name: 'ENABLE',
  states: LOGGED_IN,
  args: [rest('extension name')],
  example: 'ENABLE CONDSTORE',
  async handle({ out }, [names]) {
    if (names.some((t) => t.type !== 'atom')) throw new ArgumentError('ENABLE takes extension names, e.g. CONDSTORE');
    await out.untagged('ENABLED');
    return ok('ENABLE completed; nothing to enable on this server');
  },
});
