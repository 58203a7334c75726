/** LOGOUT (RFC 3501 §6.1.3): BYE, then the tagged OK, then the connection closes. */
import { ANY_STATE, defineCommand } from '../command.js';
import { ok } from '../response.js';

export default defineCommand({
  name: 'LOGOUT',
  states: ANY_STATE,
  args: [],
  example: 'LOGOUT',
  async handle({ session, out }) {
    await out.status('BYE', `${session.hostName} IMAP4rev1 MailLab logging out`);
    session.logout();
    return ok('LOGOUT completed');
  },
});
