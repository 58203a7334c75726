/** NAMESPACE (RFC 2342): one personal namespace, no prefix, "." between levels (Maildir++). */
import { defineCommand, LOGGED_IN } from '../command.js';
import { HIERARCHY_SEPARATOR } from '../../maildir/mailbox.js';
import { ok } from '../response.js';

export default defineCommand({
  name: 'NAMESPACE',
  states: LOGGED_IN,
  args: [],
  example: 'NAMESPACE',
  async handle({ out }) {
    await out.untagged(`NAMESPACE (("" "${HIERARCHY_SEPARATOR}")) NIL NIL`);
    return ok('NAMESPACE completed');
  },
});
