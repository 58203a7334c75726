/**
 * AUTHENTICATE (RFC 3501 §6.2.2) with SASL PLAIN (RFC 4616) and LOGIN, and SASL-IR (RFC 4959):
 * the first response may come on the command line. "*" cancels.
 */
import { defineCommand, NOT_AUTHENTICATED, type SessionApi } from '../command.js';
import { bad, no, ok, type Completion } from '../response.js';
import { keyword, optional, astring } from '../schema.js';

export const PLAINTEXT_REFUSED =
  'Plaintext authentication is not allowed on an unencrypted connection. Send STARTTLS first (or use port 993), then log in';
export const WRONG_PASSWORD = 'Wrong user name or password. Lab users are alice@example.com, bob@example.com, carol@otherdomain.com';

/** The OK after a login carries the new capability list, so clients need not ask again. */
export function loggedInReply(session: SessionApi, address: string): Completion {
  return ok(`Logged in as ${address}. Next: SELECT INBOX`, `CAPABILITY ${session.capabilities().join(' ')}`);
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** Reads one client response to a challenge; undefined when cancelled or gone. */
async function challenge(session: SessionApi, out: { continuation(text: string): Promise<void> }, text: string): Promise<string | { cancelled: true } | undefined> {
  await out.continuation(text);
  const line = await session.readLine();
  if (line === undefined) return undefined;
  const response = line.toString('latin1').trim();
  if (response === '*') return { cancelled: true };
  return response;
}

function decode(response: string): string | undefined {
  if (response === '=') return '';
  if (!BASE64.test(response) || response.length % 4 !== 0) return undefined;
  return Buffer.from(response, 'base64').toString('utf8');
}

export default defineCommand({
  name: 'AUTHENTICATE',
  states: NOT_AUTHENTICATED,
  args: [keyword('mechanism'), optional(astring('initial response'))],
  example: 'AUTHENTICATE PLAIN AGFsaWNlQGV4YW1wbGUuY29tAHNlY3JldA==',
  async handle({ session, out }, [mechanism, initial]) {
    if (mechanism !== 'PLAIN' && mechanism !== 'LOGIN') {
      return no(`Unsupported mechanism ${mechanism}. Use AUTHENTICATE PLAIN or AUTHENTICATE LOGIN`, 'CANNOT');
    }
    if (!session.plaintextAllowed) return no(PLAINTEXT_REFUSED, 'PRIVACYREQUIRED');
    const cancelled = bad('Authentication cancelled');
    const malformed = (what: string): Completion => bad(`Malformed ${mechanism} response: ${what}`);
    let login: string;
    let password: string;
    if (mechanism === 'PLAIN') {
      let response = initial;
      if (response === undefined) {
        const answer = await challenge(session, out, '');
        if (answer === undefined) return cancelled;
        if (typeof answer !== 'string') return cancelled;
        response = answer;
      }
      const decoded = decode(response);
      if (decoded === undefined) return malformed('send base64 of "\\0user\\0password"');
      const parts = decoded.split('\0');
      if (parts.length !== 3 || !parts[1]) return malformed('it must hold three parts, "authzid\\0user\\0password"');
      // The lab cannot log in as someone else: an authorization identity must be the user.
      if (parts[0] && parts[0].toLowerCase() !== parts[1].toLowerCase()) return no('You may only authorize as yourself: leave the first part empty', 'AUTHORIZATIONFAILED');
      [login, password] = [parts[1], parts[2]!];
    } else {
      let userResponse = initial;
      if (userResponse === undefined) {
        const answer = await challenge(session, out, Buffer.from('Username:').toString('base64'));
        if (answer === undefined || typeof answer !== 'string') return cancelled;
        userResponse = answer;
      }
      const user = decode(userResponse);
      if (user === undefined || user === '') return malformed('the user name must be base64, e.g. YWxpY2VAZXhhbXBsZS5jb20=');
      const answer = await challenge(session, out, Buffer.from('Password:').toString('base64'));
      if (answer === undefined || typeof answer !== 'string') return cancelled;
      const pass = decode(answer);
      if (pass === undefined) return malformed('the password must be base64, e.g. c2VjcmV0');
      [login, password] = [user, pass];
    }
    const user = await session.login(login, password);
    if (!user) return no(WRONG_PASSWORD, 'AUTHENTICATIONFAILED');
    return loggedInReply(session, user.address);
  },
});
