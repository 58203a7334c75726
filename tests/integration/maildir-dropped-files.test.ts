/**
 * Files dropped into new/ by hand, as a learner (or a script of theirs) would: the lab reads
 * each one's size at the next look at the folder. What is no message file (a FIFO, a
 * directory) is passed over, and one of several megabytes is read too, the slow way.
 */
import { execFileSync } from 'node:child_process';
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestLab, type TestLab } from '../helpers/lab.js';
import { startLabProcess } from '../helpers/labProcess.js';
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

/** Stored bytes with bare LFs: on the wire each LF is CRLF. */
const lfMessage = 'From: a@example.com\nSubject: lf\n\nbody\n';
const crlfMessage = 'From: a@example.com\r\nSubject: crlf\r\n\r\nbody\r\n';
const bigMessage = `From: a@example.com\nSubject: big\n\n${'x'.repeat(99)}\n`.repeat(30_000);

describe('files dropped into new/', () => {
  it('are counted with their wire sizes, and a FIFO or a directory beside them is passed over', async () => {
    const inbox = maildirPath(lab.dataDir, 'default', 'bob@example.com');
    c = await imapLogin(lab.port('imap'), 'bob@example.com');
    const before = Number(/\* (\d+) EXISTS/.exec(await c.command('s1 SELECT INBOX', imapTagged('s1')))![1]);
    await c.command('s2 CLOSE', imapTagged('s2'));
    await writeFile(join(inbox, 'new', '1800000001.M1P1.host'), lfMessage);
    await writeFile(join(inbox, 'new', '1800000002.M2P1.host'), crlfMessage);
    await writeFile(join(inbox, 'new', '1800000003.M3P1.host'), bigMessage);
    // A blocking open of a FIFO with no writer never returns: the look at the folder must not make one.
    execFileSync('mkfifo', [join(inbox, 'new', '1800000004.M4P1.host')]);
    await mkdir(join(inbox, 'new', '1800000005.M5P1.host'));
    const selected = await c.command('s3 SELECT INBOX', imapTagged('s3'), 20_000);
    expect(selected).toMatch(/^s3 OK /m);
    expect(selected).toContain(`* ${before + 3} EXISTS`);
    const sizes = await c.command(`f1 FETCH ${before + 1}:* RFC822.SIZE`, imapTagged('f1'));
    const wire = (stored: string): number => Buffer.byteLength(stored.replace(/\r?\n/g, '\r\n'));
    expect([...sizes.matchAll(/RFC822\.SIZE (\d+)/g)].map((m) => Number(m[1]))).toEqual([wire(lfMessage), wire(crlfMessage), wire(bigMessage)]);
  });

  // A lab of its own process: one whose event loop waits on the FIFO cannot stop this test's clock.
  it('never wait on a FIFO or /dev/zero put in place of a message file: the whole lab waited with them', async () => {
    const own = await startLabProcess();
    const inbox = maildirPath(own.dataDir, 'default', 'alice@example.com');
    const alice = await imapLogin(own.ports.imap!);
    const bob = await imapLogin(own.ports.imap!, 'bob@example.com');
    try {
      await writeFile(join(inbox, 'new', '1800000010.M10P1.host'), lfMessage);
      await writeFile(join(inbox, 'new', '1800000011.M11P1.host'), lfMessage);
      // EXAMINE: read-only, so the files stay in new/ under their names.
      const count = Number(/\* (\d+) EXISTS/.exec(await alice.command('e1 EXAMINE INBOX', imapTagged('e1')))![1]);
      const names = (await readdir(join(inbox, 'new'))).filter((f) => f.startsWith('18000000')).sort();
      await Promise.all(names.map((name) => rm(join(inbox, 'new', name))));
      execFileSync('mkfifo', [join(inbox, 'new', names[0]!)]);
      // And a link to a device that never ends.
      execFileSync('ln', ['-s', '/dev/zero', join(inbox, 'new', names[1]!)]);
      for (const [i, items] of ['BODY.PEEK[]', 'ENVELOPE', 'BODY.PEEK[HEADER]', 'RFC822.SIZE BODY.PEEK[TEXT]'].entries()) {
        const reply = await alice.command(`f${i} FETCH ${count - 1}:${count} (${items})`, imapTagged(`f${i}`), 10_000);
        // Read as an expunged message: a NO [SERVERBUG] saying "try again" (the FIFO's ESPIPE) never helped.
        expect(reply).toMatch(new RegExp(`^f${i} OK `, 'm'));
        expect(await bob.command(`n${i} NOOP`, imapTagged(`n${i}`), 5_000)).toMatch(/^n\d OK/m);
      }
      // POP3 too: the FIFO's message is gone, and the session goes on (it was -ERR [SYS/TEMP] and a hang-up).
      const pop = await RawClient.open(own.ports.pop3!);
      try {
        await pop.until(/^\+OK[^\r\n]*\r\n/m);
        await pop.command('USER alice@example.com', /^[+-][^\r\n]*\r\n/m);
        expect(await pop.command('PASS secret', /^[+-][^\r\n]*\r\n/m, 10_000)).toMatch(/^\+OK/);
        for (const verb of ['RETR', 'TOP']) {
          expect(await pop.command(`${verb} ${count - 1}${verb === 'TOP' ? ' 0' : ''}`, /^[+-][^\r\n]*\r\n/m, 10_000)).toMatch(/^-ERR Message \d+ was removed by another session\. Type LIST/);
        }
        expect(await pop.command('NOOP', /^[+-][^\r\n]*\r\n/m)).toMatch(/^\+OK/);
      } finally {
        pop.close();
      }
    } finally {
      alice.close();
      bob.close();
      await own.stop();
    }
  });

  it('never wait on a FIFO among the files of a first FETCH ENVELOPE, read in a batch or by the file reader thread', async () => {
    const own = await startLabProcess();
    const inbox = maildirPath(own.dataDir, 'default', 'alice@example.com');
    const alice = await imapLogin(own.ports.imap!);
    const bob = await imapLogin(own.ports.imap!, 'bob@example.com');
    try {
      const names = Array.from({ length: 2000 }, (_, i) => `${1800001000 + i}.M${i}P1.host`);
      await Promise.all(names.map((name, i) => writeFile(join(inbox, 'new', name), `From: s${i}@example.com\nSubject: m${i}\n\nx\n`)));
      await alice.command('e1 EXAMINE INBOX', imapTagged('e1'), 20_000);
      for (const name of [names[10]!, names[1500]!]) {
        await rm(join(inbox, 'new', name));
        execFileSync('mkfifo', [join(inbox, 'new', name)]);
      }
      expect(await alice.command('f1 FETCH 1:* (UID ENVELOPE)', imapTagged('f1'), 20_000)).toMatch(/^f1 OK /m);
      expect(await bob.command('n1 NOOP', imapTagged('n1'), 5_000)).toMatch(/^n1 OK/m);
    } finally {
      alice.close();
      bob.close();
      await own.stop();
    }
  });
});

