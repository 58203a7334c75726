/**
 * SETQUOTA (RFC 9208 §4.1.4): refused. The limits belong to whoever runs the lab (`maillab
 * serve --quota`), so QUOTASET is not advertised; the arguments are still checked, so a
 * learner trying the command learns its form.
 */
import { defineCommand, LOGGED_IN } from '../command.js';
import { QUOTA_ROOT } from '../quota.js';
import { no } from '../response.js';
import { ArgumentError, astring, list } from '../schema.js';

export default defineCommand({
  name: 'SETQUOTA',
  states: LOGGED_IN,
  args: [astring('quota root'), list('resource limits')],
  example: `SETQUOTA "${QUOTA_ROOT}" (STORAGE 51200)`,
  async handle(_ctx, [, limits]) {
    const words = limits.map((t) => (t.type === 'atom' ? t.value.toUpperCase() : ''));
    const pairs = words.length % 2 === 0 && words.every((w, i) => (i % 2 === 0 ? /^[A-Z][A-Z0-9-]*$/.test(w) : /^\d{1,19}$/.test(w)));
    if (!pairs) throw new ArgumentError('Resource limits are pairs of a resource and a number, e.g. (STORAGE 51200 MESSAGE 1000)');
    return no('Quota limits here are set by whoever runs the lab (maillab serve --quota), not over IMAP: this server does not offer QUOTASET', 'NOPERM');
  },
});
