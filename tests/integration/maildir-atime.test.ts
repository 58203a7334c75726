/**
 * Reading messages leaves their files' access times alone (files/noAtimeOpen.ts, O_NOATIME):
 * under relatime the first read of a file whose atime is not newer than its mtime writes the
 * inode, for every message a POP3 client downloads or an IMAP FETCH first reads. Every way the
 * lab reads a message file is used here on files made to look never read (atime an hour before
 * mtime): the scan of files dropped in by hand (small, and one too big for a synchronous read),
 * IMAP ENVELOPE (of many at once: read a chunk at a time, envelopeFiles.ts) and BODY[], POP3
 * RETR and TOP (small in one write, big streamed).
 */
import { mkdir, readdir, stat, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestLab, type TestLab } from '../helpers/lab.js';
import { maildirPath } from '../helpers/maildir.js';
import { imapLogin, imapTagged, RawClient } from '../helpers/rawSocket.js';

const MESSAGES = [
  // More than a FETCH reads ahead (32): their ENVELOPEs are read as a batch.
  ...Array.from({ length: 40 }, (_, i) => Buffer.from(`Subject: small ${i}\nFrom: a${i}@example.com\n\n.dotted\nhello ${i}\n`)),
  // Past the synchronous read (256 KB): the scan reads it through the thread pool, RETR streams it.
  Buffer.from('Subject: big\nFrom: c@example.com\n\n' + 'a line of the big message\n'.repeat(15_000)),
];
/** Never-read files: an atime an hour before the mtime, which relatime would move on the next read. */
const HOUR = 3600;

let lab: TestLab;
let inbox: string;

/** Every message file of the INBOX with its atime, by base name (a move to cur/ keeps the atime). */
async function atimes(): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (const sub of ['new', 'cur']) {
    for (const name of await readdir(join(inbox, sub))) out.set(name.split(':')[0]!, (await stat(join(inbox, sub, name))).atimeMs);
  }
  return out;
}

beforeAll(async () => {
  lab = await startTestLab();
  inbox = maildirPath(lab.dataDir, 'default', 'alice@example.com');
  for (const sub of ['new', 'cur', 'tmp']) await mkdir(join(inbox, sub), { recursive: true });
  // Named without S=/W= sizes, as by hand: the lab's scan reads each to learn its sizes.
  await Promise.all(MESSAGES.map((data, i) => writeFile(join(inbox, 'new', `${1_600_000_000 + i}.M${i}P1.atime`), data)));
  for (const sub of ['new', 'cur']) {
    for (const name of await readdir(join(inbox, sub))) {
      const path = join(inbox, sub, name);
      const { mtime } = await stat(path);
      await utimes(path, mtime.getTime() / 1000 - HOUR, mtime);
    }
  }
});
afterAll(async () => {
  await lab?.dispose();
});

describe('message files read by the lab', () => {
  it('keep their access times through the scan, IMAP ENVELOPE/BODY[] and POP3 RETR/TOP', async () => {
    const before = await atimes();
    expect(before.size).toBeGreaterThanOrEqual(MESSAGES.length);
    for (const atime of before.values()) expect(atime).toBeLessThan(Date.now() - (HOUR - 60) * 1000);

    const imap = await imapLogin(lab.port('imap'));
    await imap.command('s SELECT INBOX', imapTagged('s'));
    const envelopes = await imap.command('e FETCH 1:* (UID ENVELOPE)', imapTagged('e'), 20_000);
    expect(envelopes).toMatch(/^e OK/m);
    expect(envelopes.match(/ ENVELOPE \(/g)).toHaveLength(before.size);
    const bodies = await imap.command('b FETCH 1:* BODY.PEEK[]', imapTagged('b'), 20_000);
    expect(bodies).toMatch(/^b OK/m);
    expect(bodies).toContain('a line of the big message');
    await imap.command('l LOGOUT', imapTagged('l'));
    imap.close();

    const pop = await RawClient.open(lab.port('pop3'));
    await pop.until(/^\+OK[^\r\n]*\r\n/);
    await pop.command('USER alice@example.com', /\r\n$/);
    await pop.command('PASS secret', /^\+OK[^\r\n]*\r\n/);
    const count = Number(/^\+OK (\d+)/.exec(await pop.command('STAT', /\r\n$/))![1]);
    expect(count).toBe(before.size);
    for (let n = 1; n <= count; n++) {
      expect(await pop.command(`RETR ${n}`, /\r\n\.\r\n$/, 20_000)).toMatch(/^\+OK \d+ octets\r\n/);
      expect(await pop.command(`TOP ${n} 1`, /\r\n\.\r\n$/, 20_000)).toMatch(/^\+OK Top/);
    }
    // No QUIT: an UPDATE would rename the files (\Seen), which is not a read.
    pop.close();

    const after = await atimes();
    expect([...after.keys()].sort()).toEqual([...before.keys()].sort());
    for (const [base, atime] of before) expect(after.get(base), base).toBe(atime);
  });
});
