/**
 * A big file copied into new/ by hand is written in pieces (`cp`, or fs.writeFile's 512 KiB
 * ones), not placed whole by a rename: a look at the folder between two pieces took the first
 * piece's size as the message's, for good (RFC822.SIZE 539939 for a 4,140,000-byte message).
 * The lab now takes such a file only once it has stopped growing.
 */
import { createHash } from 'node:crypto';
import { appendFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { python } from '../helpers/clients.js';
import { startTestLab, type TestLab } from '../helpers/lab.js';
import { maildirPath } from '../helpers/maildir.js';
import { imapLogin, imapTagged, RawClient } from '../helpers/rawSocket.js';

let lab: TestLab;
let c: RawClient | undefined;
beforeAll(async () => {
  lab = await startTestLab();
});
afterAll(async () => {
  c?.close();
  await lab?.dispose();
});

/** 4,140,000 stored bytes with bare LFs, as the reviewer's message. */
const whole = Buffer.from(`From: a@example.com\nSubject: big\n\n${'x'.repeat(99)}\n`.repeat(30_000));
const wire = Buffer.from(whole.toString('latin1').replace(/\n/g, '\r\n'), 'latin1');
const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('a file still being written into new/', () => {
  it('is taken whole, with its whole size, by IMAP and POP3 alike, once and only once', async () => {
    const inbox = maildirPath(lab.dataDir, 'default', 'bob@example.com');
    const file = join(inbox, 'new', '1800000100.M100P1.host');
    c = await imapLogin(lab.port('imap'), 'bob@example.com');
    const before = Number(/\* (\d+) EXISTS/.exec(await c.command('s1 SELECT INBOX', imapTagged('s1')))![1]);
    // The first piece, then a look at the folder (the NOOP) while the rest is still coming.
    await writeFile(file, whole.subarray(0, 1 << 19));
    c.send('n0 NOOP\r\n');
    const noop = c.until(imapTagged('n0'), 20_000);
    for (let at = 1 << 19; at < whole.length; at += 1 << 16) {
      await appendFile(file, whole.subarray(at, Math.min(at + (1 << 16), whole.length)));
      await sleep(40);
    }
    // It is there at the next look a second after its last write (or already, the look having waited).
    let exists = Number(/\* (\d+) EXISTS/.exec(await noop)?.[1] ?? before);
    for (let i = 0; exists === before && i < 30; i++) {
      const reply = await c.command(`n${i + 1} NOOP`, imapTagged(`n${i + 1}`), 10_000);
      exists = Number(/\* (\d+) EXISTS/.exec(reply)?.[1] ?? before);
      if (exists === before) await sleep(200);
    }
    expect(exists).toBe(before + 1);
    c.close();
    c = undefined;
    const read = await python(
      `import imaplib, poplib, hashlib, re\n` +
        `M = imaplib.IMAP4('127.0.0.1', P['imap'])\nM.login('bob@example.com', 'secret')\n` +
        `typ, d = M.select('INBOX')\nn = int(d[0])\n` +
        `typ, data = M.fetch(str(n), '(RFC822.SIZE BODY.PEEK[])')\n` +
        `size = int(re.search(rb'RFC822\\.SIZE (\\d+)', data[0][0]).group(1))\nbody = data[0][1]\nM.logout()\n` +
        `p = poplib.POP3('127.0.0.1', P['pop3'])\np.user('bob@example.com')\np.pass_('secret')\n` +
        `count, _ = p.stat()\nlisted = int(p.list(count).split()[2])\n` +
        `lines = p.retr(count)[1]\np.quit()\n` +
        `print(n, size, len(body), hashlib.sha256(body).hexdigest(), count, listed, len(b'\\r\\n'.join(lines) + b'\\r\\n'))\n`,
      { imap: lab.port('imap'), pop3: lab.port('pop3') },
    );
    expect(read.stderr).toBe('');
    const [n, size, bodyLength, bodySha, popCount, listed, retrLength] = read.stdout.trim().split(' ');
    expect(Number(n)).toBe(before + 1);
    expect(Number(size)).toBe(wire.length);
    expect(Number(bodyLength)).toBe(wire.length);
    expect(bodySha).toBe(sha(wire));
    expect(Number(popCount)).toBe(before + 1);
    expect(Number(listed)).toBe(wire.length);
    // No line of the message starts with a dot, so RETR's lines are the message's own.
    expect(Number(retrLength)).toBe(wire.length);
    // Bounded: 56 appends 40 ms apart, at most 30 looks, two Python clients; at load 25 it passed 30 s.
  }, 90_000);
});
