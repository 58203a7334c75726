/**
 * IDLE (RFC 2177): the client waits and the server reports new mail, flag changes and
 * expunges at once, until the client sends DONE.
 */
import { defineCommand, LOGGED_IN } from '../command.js';
import { bad, ok } from '../response.js';

export default defineCommand({
  name: 'IDLE',
  states: LOGGED_IN,
  args: [],
  example: 'IDLE',
  async handle({ session, out }) {
    await out.continuation('idling: changes are reported as they happen. Type DONE to stop');
    const line = await session.idleUntilLine();
    if (line === undefined) return { status: 'OK', text: '', sent: true };
    if (line.toString('latin1').trim().toUpperCase() !== 'DONE') return bad('Expected DONE to end IDLE; IDLE has ended. Type IDLE to start again');
    return ok('IDLE terminated');
  },
});
