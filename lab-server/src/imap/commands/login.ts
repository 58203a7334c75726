/** LOGIN (RFC 3501 §6.2.3): user name and password in the clear, so only where that is safe. */
import { defineCommand, NOT_AUTHENTICATED } from '../command.js';
import { no } from '../response.js';
import { astring } from '../schema.js';
import { loggedInReply, PLAINTEXT_REFUSED, WRONG_PASSWORD } from './authenticate.js';

export default defineCommand({
  name: 'LOGIN',
  states: NOT_AUTHENTICATED,
  args: [astring('user name'), astring('password')],
  example: 'LOGIN alice@example.com secret',
  async handle({ session }, [login, password]) {
    if (!session.plaintextAllowed) return no(PLAINTEXT_REFUSED, 'PRIVACYREQUIRED');
    const user = await session.login(login, password);
    if (!user) return no(WRONG_PASSWORD, 'AUTHENTICATIONFAILED');
    return loggedInReply(session, user.address);
  },
});

