/**
 * A judge's conversation gives up on a service whose smtpd stops at its start (postfixLog.ts)
 * instead of waiting 15 s for a greeting nobody will give, and only on that service: two
 * services run smtpd here, submission's stops on its -o option, smtp's is well, and the sign
 * asked for smtp must not come from submission's failures, which go on (master retries each
 * second while the abandoned connection waits in its queue).
 */
import { describe, expect, it } from 'vitest';
import { LineClient, NO_REPLY } from '../realtools/lineClient.js';
import { runPostfix } from '../realtools/postfix.js';

describe("a judge's Postfix with one service whose daemon stops at its start", () => {
  it('gives up on that service at once, and still talks to the other one', { timeout: 120_000 }, async () => {
    const seen: { smtpGaveUp?: boolean; greeting?: string } = {};
    const run = await runPostfix({
      mainCf: '',
      masterCf: 'smtp inet n - n - - smtpd\nsubmission inet n - n - - smtpd -o smtpd_helo_required=true',
      probes: [{ service: 'submission', from: 'someone@example.net', to: 'bob@example.com' }],
      custom: async (portOf, giveUp) => {
        // Submission keeps failing meanwhile: wait for two more of its fatal lines.
        await giveUp('submission');
        await giveUp('submission');
        seen.smtpGaveUp = await Promise.race([giveUp('smtp').then(() => true), giveUp('submission').then(() => false)]);
        const c = await LineClient.connect(portOf('smtp'));
        try {
          seen.greeting = await c.smtpReply();
        } finally {
          c.close();
        }
        return [];
      },
    });
    const [probe] = run.probes;
    expect(probe?.replies).toEqual([NO_REPLY]);
    expect(run.log.some((l) => /smtpd\[\d+\]: fatal: bad boolean configuration: smtpd_helo_required = true/.test(l))).toBe(true);
    expect(seen.smtpGaveUp).toBe(false);
    expect(seen.greeting).toMatch(/^220 /);
  });
});
