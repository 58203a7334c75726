/** EXAMINE (RFC 3501 §6.3.2): SELECT read-only; flags are never changed, not even \Seen. */
import { defineCommand, LOGGED_IN } from '../command.js';
import { mailboxName } from '../schema.js';
import { openMailbox, selectParams } from './select.js';

export default defineCommand({
  name: 'EXAMINE',
  states: LOGGED_IN,
  args: [mailboxName(), selectParams],
  example: 'EXAMINE INBOX',
  handle: (ctx, [name, params]) => openMailbox(ctx, name, true, params),
});
