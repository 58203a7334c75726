/**
 * Files dropped into new/ by hand, as a learner (or a script of theirs) would: the lab reads
 * each one's size at the next look at the folder. What is no message file (a FIFO, a
 * directory) is passed over, and one of several megabytes is read too, the slow way.
 */
import { execFileSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestLab, type TestLab } from '../helpers/lab.js';
import { maildirPath } from '../helpers/maildir.js';
import { imapLogin, imapTagged, type RawClient } from '../helpers/rawSocket.js';

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
});
