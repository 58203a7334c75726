/**
 * GENURLAUTH (RFC 4467): turns a URL to one of your messages, ending in ";URLAUTH=<access>",
 * into one that carries its own authorization, so that someone else (user+bob, any logged-in
 * user, or anyone) can fetch just that message or part with URLFETCH.
 */
import { defineCommand, LOGGED_IN } from '../command.js';
import { InvalidImapUrl, parseImapUrl } from '../imapUrl.js';
import { ok, stringBytes } from '../response.js';
import { ArgumentError, rest, textOf } from '../schema.js';
import { lendToken, URLAUTH_MECHANISM, validAccess } from '../urlauth.js';
import { ownerOf } from '../urlContent.js';

const EXAMPLE = 'GENURLAUTH "imap://alice@mail.example.com/INBOX/;UID=1;URLAUTH=user+bob@example.com" INTERNAL';

export default defineCommand({
  name: 'GENURLAUTH',
  states: LOGGED_IN,
  args: [rest('URL and mechanism')],
  example: EXAMPLE,
  async handle({ session, out }, [tokens]) {
    if (tokens.length % 2 !== 0) throw new ArgumentError('GENURLAUTH takes pairs: a URL, then the mechanism INTERNAL');
    const authorized: string[] = [];
    for (let i = 0; i < tokens.length; i += 2) {
      const text = textOf(tokens[i]!, 'URL');
      const mechanism = textOf(tokens[i + 1]!, 'mechanism').toUpperCase();
      if (mechanism !== URLAUTH_MECHANISM) throw new ArgumentError(`Unknown URLAUTH mechanism "${mechanism.slice(0, 20)}": this server offers INTERNAL`);
      let url;
      try {
        url = parseImapUrl(text);
      } catch (err) {
        if (err instanceof InvalidImapUrl) throw new ArgumentError(`Invalid URL: ${err.message}`);
        throw err;
      }
      const auth = url.urlauth;
      if (!auth || auth.mechanism) throw new ArgumentError('The URL must end with ;URLAUTH=<access> (anonymous, authuser, user+<name>, submit+<name>) and no token');
      if (!validAccess(auth.access)) throw new ArgumentError(`Unknown access "${auth.access.slice(0, 30)}": use anonymous, authuser, user+<name> or submit+<name>`);
      if (url.user === undefined) throw new ArgumentError('The URL must name its owner, you: imap://you@server/...');
      if (ownerOf(session, url)?.user !== session.user) throw new ArgumentError(`You can only lend your own messages: write imap://${session.user!.address}@${session.hostName}/...`);
      const token = await lendToken(session.mailbox!, url.mailbox, auth.rump);
      if (token === undefined) throw new ArgumentError(`The URL names mailbox "${url.mailbox.slice(0, 40)}", which does not exist`);
      authorized.push(`${auth.rump}:internal:${token}`);
    }
    await out.untagged(`GENURLAUTH ${authorized.map((u) => stringBytes(u).toString('latin1')).join(' ')}`);
    return ok('GENURLAUTH completed: anyone the access allows may now URLFETCH these');
  },
});
