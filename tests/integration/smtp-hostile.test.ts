/**
 * The SMTP listeners and the MTA against careless and hostile clients: floods of recipients,
 * and what the lab then relays and bounces. Driven by Python's smtplib and raw bytes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { python } from '../helpers/clients.js';
import { startTestLab, type TestLab } from '../helpers/lab.js';
import { maildirPath, readAllMessages } from '../helpers/maildir.js';

/** Recipients a message may have (smtp/policy.ts). */
const MAX_RECIPIENTS = 100;

let lab: TestLab;
beforeAll(async () => {
  lab = await startTestLab();
});
afterAll(async () => {
  await lab?.dispose();
});

/** Waits until no delivery attempt is running in the default sandbox. */
async function settled(): Promise<void> {
  for (const mta of await lab.world.mtas(await lab.sandboxes.get('default'))) await mta.idle();
}

describe('a flood of recipients', () => {
  it('is cut off at the recipient limit on 587 with 452 4.5.3, and the bounce for made-up addresses stays small', async () => {
    const r = await python(
      `
import smtplib, ssl
ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
s = smtplib.SMTP('127.0.0.1', P['port'], timeout=20)
s.starttls(context=ctx); s.login('alice@example.com', 'secret')
s.mail('alice@example.com')
replies = [list(s.rcpt('nobody%d@otherdomain.com' % i)) for i in range(P['count'])]
code, msg = s.data(b'Subject: to everyone\\r\\n\\r\\nhello\\r\\n')
s.quit()
print(json.dumps({'rcpt': [[c, m.decode()] for c, m in replies], 'data': [code, msg.decode()]}))
`,
      { port: lab.port('submission'), count: MAX_RECIPIENTS + 20 },
      60_000,
    );
    expect(r.stderr).toBe('');
    const out = JSON.parse(r.stdout) as { rcpt: Array<[number, string]>; data: [number, string] };
    expect(out.rcpt.slice(0, MAX_RECIPIENTS).every(([code]) => code === 250)).toBe(true);
    for (const [code, text] of out.rcpt.slice(MAX_RECIPIENTS)) {
      expect(code).toBe(452);
      expect(text).toMatch(new RegExp(`^4\\.5\\.3 Too many recipients: .*at most ${MAX_RECIPIENTS}\\. Send DATA now`));
    }
    expect(out.data[0]).toBe(250);
    // mail.otherdomain.com refuses every made-up user; alice gets one bounce naming the accepted ones only.
    await settled();
    const bounces = (await readAllMessages(maildirPath(lab.dataDir, 'default', 'alice@example.com'))).filter((m) => m.includes('Undelivered Mail Returned to Sender'));
    expect(bounces).toHaveLength(1);
    expect(bounces[0]!.match(/^Final-Recipient: /gm)).toHaveLength(MAX_RECIPIENTS);
    expect(bounces[0]).not.toContain(`nobody${MAX_RECIPIENTS}@otherdomain.com`);
  });
});
