/** GETQUOTA (RFC 9208 §4.1.1): the usage and limits of a quota root; this lab has one, "sandbox". */
import { defineCommand, LOGGED_IN } from '../command.js';
import { quotaResponse, QUOTA_ROOT } from '../quota.js';
import { no, ok } from '../response.js';
import { astring } from '../schema.js';

export default defineCommand({
  name: 'GETQUOTA',
  states: LOGGED_IN,
  args: [astring('quota root')],
  example: `GETQUOTA "${QUOTA_ROOT}"`,
  async handle({ tag, session, out }, [root]) {
    if (root !== QUOTA_ROOT) return no(`There is no quota root "${root.slice(0, 40)}" here: the only one is "${QUOTA_ROOT}", the whole lab world. Try: ${tag} GETQUOTAROOT INBOX`);
    await out.untagged(quotaResponse(await session.usage.usage()));
    return ok('GETQUOTA completed');
  },
});
