/**
 * RESETKEY (RFC 4467): a new access key for one mailbox (every URL lent from it with GENURLAUTH
 * stops working), or with no mailbox, no keys at all.
 */
import { defineCommand, LOGGED_IN } from '../command.js';
import { no, ok } from '../response.js';
import { ArgumentError, rest, textOf, decodeMailbox } from '../schema.js';
import { resetKeys, URLAUTH_MECHANISM } from '../urlauth.js';
import { existingFolder, shown } from './common.js';

export default defineCommand({
  name: 'RESETKEY',
  states: LOGGED_IN,
  args: [rest('mailbox name', false)],
  example: 'RESETKEY INBOX',
  async handle({ tag, session }, [tokens]) {
    if (tokens.length === 0) {
      await resetKeys(session.mailbox!);
      return ok('RESETKEY completed: all keys removed, so every URL you lent no longer works');
    }
    const name = decodeMailbox(textOf(tokens[0]!, 'mailbox name'), session.parseContext);
    for (const t of tokens.slice(1)) {
      if (textOf(t, 'mechanism').toUpperCase() !== URLAUTH_MECHANISM) throw new ArgumentError('This server offers only the INTERNAL mechanism');
    }
    const folder = await existingFolder(session, name, tag).catch(() => undefined);
    if (!folder) return no(`Mailbox "${shown(name)}" does not exist, so it has no key`, 'NONEXISTENT');
    await resetKeys(session.mailbox!, name);
    return ok(`RESETKEY completed: URLs lent from "${shown(name)}" no longer work`, `URLMECH ${URLAUTH_MECHANISM}`);
  },
});
