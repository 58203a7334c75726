/**
 * A classroom behind one NAT is one address: the memory the lab lends to mail being received
 * (IMAP literals, SMTP DATA) counts per address, and, once a client from outside has logged in,
 * also per learner at that address with a smaller limit. One classmate who holds APPENDs open
 * used to take the whole address's share, and everyone behind the same NAT got NO [UNAVAILABLE]
 * (and 452 on SMTP) until they let go.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultWorld } from '../../lab-server/src/world/definition.js';
import { python } from '../helpers/clients.js';
import { startTestLab, type TestLab } from '../helpers/lab.js';
import { imapTagged, RawClient } from '../helpers/rawSocket.js';

const MB = 1024 * 1024;
const NAT = '127.0.0.2';
const tagged = imapTagged;

let lab: TestLab;
beforeAll(async () => {
  // The address may hold 8 MB, one learner at it 4 MB.
  lab = await startTestLab({ mode: 'classroom', limits: { mailDataBytes: 64 * MB, mailDataBytesPerAddress: 8 * MB, mailDataBytesPerLearner: 4 * MB } });
  // Two learners' sandboxes: the same addresses, each with its own passwords, as classroom mode makes.
  for (const learner of ['hog', 'classmate']) {
    const world = defaultWorld();
    world.users = world.users.map((u) => ({ ...u, password: `${learner}-pw` }));
    await lab.sandboxes.create(learner, world);
  }
});
afterAll(async () => {
  await lab?.dispose();
});

describe('one learner behind a shared address', () => {
  it('holds at most the learner share of the memory for mail being received; a classmate at the same address still appends and sends', async () => {
    const open: RawClient[] = [];
    const login = async (password: string): Promise<RawClient> => {
      const c = await RawClient.open(lab.port('imap'), false, NAT);
      open.push(c);
      await c.until(/^\* OK [^\r\n]*\r\n/m);
      expect(await c.command(`l LOGIN alice@example.com ${password}`, tagged('l'))).toMatch(/^l OK/m);
      return c;
    };
    const size = 3 * MB;
    try {
      // The hog holds one 3 MB APPEND, stopped one octet short; a second would pass its 4 MB.
      const first = await login('hog-pw');
      await first.command(`a APPEND INBOX {${size}}`, /^\+ [^\r\n]*\r\n/m);
      first.send(Buffer.alloc(size - 1, 'x'));
      const second = await login('hog-pw');
      expect(await second.command(`a APPEND INBOX {${size}}`, tagged('a'))).toMatch(/^a NO \[UNAVAILABLE\] Too much mail is being received/);

      // The classmate behind the same address: 3 MB over IMAP, then 3 MB over SMTP submission.
      const classmate = await login('classmate-pw');
      const message = `Subject: from the next desk\r\n\r\n${'z'.repeat(size - 64)}\r\n`;
      classmate.send(`a APPEND INBOX {${message.length}+}\r\n${message}\r\n`);
      expect(await classmate.until(tagged('a'), 20_000)).toMatch(/^a OK \[APPENDUID/m);
      const sent = await python(
        `
import smtplib, ssl
s = smtplib.SMTP('127.0.0.1', P['port'], source_address=(P['from'], 0), timeout=30)
s.starttls(context=ssl._create_unverified_context())
s.login('alice@example.com', 'classmate-pw')
body = 'Subject: big\\r\\n\\r\\n' + ('y' * 76 + '\\r\\n') * (P['size'] // 78)
print(s.sendmail('alice@example.com', ['bob@example.com'], body))
s.quit()
`,
        { port: lab.port('submission'), from: NAT, size: size - 100 },
        // As long as its socket may wait: the default 20 s is less.
        40_000,
      );
      expect(sent.stderr).toBe('');
      expect(sent.stdout.trim()).toBe('{}');

      // The hog's share comes back when its APPEND is done.
      first.send('x\r\n');
      expect(await first.until(tagged('a'), 20_000)).toMatch(/^a OK \[APPENDUID/m);
      expect(await second.command(`b APPEND INBOX {${size}}`, /^(\+ |b NO)[^\r\n]*\r\n/m)).toMatch(/^\+ /);
    } finally {
      for (const c of open) c.close();
    }
  });
});
