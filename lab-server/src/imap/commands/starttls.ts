/** STARTTLS (RFC 3501 §6.2.1): the OK goes out in the clear, then the TLS handshake starts. */
import { defineCommand, NOT_AUTHENTICATED } from '../command.js';
import { bad, no, ok } from '../response.js';

export default defineCommand({
  name: 'STARTTLS',
  states: NOT_AUTHENTICATED,
  args: [],
  example: 'STARTTLS',
  async handle({ tag, session, out }) {
    if (session.encrypted) return bad('This connection is already encrypted');
    if (!session.canStartTls) return bad('STARTTLS is not available on this port: it is encrypted from the start (implicit TLS)');
    // RFC 9051 §6.2.1: NO when TLS cannot be started now.
    const refused = session.startTlsRefusal();
    if (refused) return no(refused, 'UNAVAILABLE');
    await out.tagged(tag, ok('Begin TLS negotiation now'));
    await session.startTls();
    // The tagged reply went out before the handshake; nothing more to say for this command.
    return { status: 'OK', text: '', sent: true };
  },
});
