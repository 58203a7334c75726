/**
 * Fifty thousand files dropped into new/ at once (a learner's script, an archive unpacked
 * there): the next look at the folder reads each for its size. It must do so in short turns of
 * the event loop, or every other session on the lab waits for the whole scan, and cheaply
 * (synchronous reads of small files, not a trip through the thread pool each).
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTestLab, type TestLab } from '../helpers/lab.js';
import { maildirPath } from '../helpers/maildir.js';
import { watchEventLoop } from '../helpers/neighbour.js';
import { imapTagged, RawClient } from '../helpers/rawSocket.js';

const DROPPED = 50_000;

let lab: TestLab;
beforeAll(async () => {
  lab = await startTestLab();
});
afterAll(async () => {
  await lab?.dispose();
});

it('reads 50,000 files dropped into new/ in short turns of the event loop, at a modest cost', async () => {
  const inbox = maildirPath(lab.dataDir, 'default', 'bob@example.com');
  // Names without S= or W=: each file is read for its size, as a hand-dropped one is.
  const names = Array.from({ length: DROPPED }, (_, i) => `${1_800_000_000 + i}.M${i}P1.host`);
  for (let i = 0; i < names.length; i += 500) {
    await Promise.all(names.slice(i, i + 500).map((name, j) => writeFile(join(inbox, 'new', name), `From: a@example.com\nSubject: dropped ${i + j}\n\nbody\n`)));
  }
  const loop = watchEventLoop();
  const cpuBefore = process.cpuUsage();
  const bob = await RawClient.open(lab.port('imap'));
  try {
    await bob.until(/^\* OK [^\r\n]*\r\n/m);
    // LOGIN looks at the INBOX already: that is where the files are read.
    expect(await bob.command('l LOGIN bob@example.com secret', imapTagged('l'), 240_000)).toMatch(/^l OK /m);
    const selected = await bob.command('s SELECT INBOX', imapTagged('s'), 240_000);
    const busy = loop.worstBusyMs();
    const cpu = process.cpuUsage(cpuBefore);
    expect(selected).toMatch(/^s OK /m);
    expect(Number(/^\* (\d+) EXISTS/m.exec(selected)![1])).toBeGreaterThanOrEqual(DROPPED);
    // Measured here: 40-50 ms at worst in turns of ~8 ms; 790 ms with scan.ts's turns taken out.
    expect(busy).toBeLessThan(300);
    // This process's CPU, every thread (the lab runs in it): 1.1-1.2 s; 7-10 s with a read
    // through the thread pool for each file, as before fe65639.
    expect((cpu.user + cpu.system) / 1000).toBeLessThan(4000);
  } finally {
    loop.stop();
    bob.close();
  }
}, 300_000);
