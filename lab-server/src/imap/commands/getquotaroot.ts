/**
 * GETQUOTAROOT (RFC 9208 §4.1.2): which quota roots a mailbox counts against, with their
 * usage. Every mailbox of every user in a lab world shares one root, "sandbox".
 */
import { defineCommand, LOGGED_IN } from '../command.js';
import { quotaResponse, QUOTA_ROOT } from '../quota.js';
import { ok } from '../response.js';
import { mailboxName } from '../schema.js';
import { existingFolder, wireName } from './common.js';

export default defineCommand({
  name: 'GETQUOTAROOT',
  states: LOGGED_IN,
  args: [mailboxName()],
  example: 'GETQUOTAROOT INBOX',
  async handle({ tag, session, out }, [name]) {
    await existingFolder(session, name, tag);
    await out.untagged(`QUOTAROOT ${wireName(name)} "${QUOTA_ROOT}"`);
    await out.untagged(quotaResponse(await session.usage.usage()));
    return ok('GETQUOTAROOT completed');
  },
});
