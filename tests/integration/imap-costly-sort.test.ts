/**
 * SORT and THREAD over inputs that cost the lab far more than they cost the client (or the
 * sender of a message) who made them.
 * - SORT (SUBJECT) and THREAD over a subject of thousands of "[a]" tags (RFC 5256's base
 *   subject): seconds for a 24 KB subject, minutes for a larger one, and anyone may mail it.
 * - SORT (FROM) over a From: of 50,000 addresses: only its first address counts, and the whole
 *   megabyte was parsed on the event loop at every SORT.
 * - THREAD REFERENCES over a References header of 30,000 ids: a chain that deep overflowed the
 *   stack (NO [SERVERBUG] for that mailbox's THREAD, for good) after seconds of walking it.
 * - SORT (SUBJECT REVERSE DATE SUBJECT REVERSE DATE ...): every naming of a key kept a value
 *   per message, and all were compared in one Array.sort.
 * What is bounded is the CPU time the lab spent (all threads of this process, where the lab
 * runs), not the wall time, which a machine busy with other work stretches at will (80 SORTs
 * once took 5.02 s of wall at load 37). Each input is sized so the old code took many times
 * the bound (or failed outright).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { imaplib } from '../helpers/imaplib.js';
import { useLabFile } from '../helpers/labFile.js';
import { imapTagged, RawClient } from '../helpers/rawSocket.js';
import { maildirPath } from '../helpers/maildir.js';
import { watchEventLoop } from '../helpers/neighbour.js';

const { lab } = useLabFile();

/** CPU seconds this process (the lab under test) has used since `since`. */
const labCpuSeconds = (since: NodeJS.CpuUsage): number => {
  const used = process.cpuUsage(since);
  return (used.user + used.system) / 1e6;
};

const tagged = imapTagged;

describe('SORT and THREAD by base subject', () => {
  it('strip thousands of [tags] and (fwd) trailers at once, and sort as before', async () => {
    const cpu = process.cpuUsage();
    const out = await imaplib(
      lab().port('imap'),
      `
M.login('bob@example.com', 'secret')
M.create('Tags')
M.append('Tags', None, None, ('Subject: ' + '[a]' * 20000 + 'zebra' + '(fwd)' * 3000 + '\\r\\n\\r\\nbody\\r\\n').encode())
M.append('Tags', None, None, b'Subject: [list] Re: apple\\r\\n\\r\\nbody\\r\\n')
M.append('Tags', None, None, b'Subject: [fwd: mango]\\r\\n\\r\\nbody\\r\\n')
M.select('Tags')
out['sort'] = M.sort('(SUBJECT)', 'UTF-8', 'ALL')
out['thread'] = M.thread('ORDEREDSUBJECT', 'UTF-8', 'ALL')
`,
    );
    // Base subjects: "zebra", "apple", "mango".
    expect(out.sort).toEqual(['OK', ['2 3 1']]);
    // Threads in the order of their first message's date (none here, so arrival): one each.
    expect(out.thread).toEqual(['OK', ['(1)(2)(3)']]);
    // A fraction of a second; re-running regular expressions over what was left, 8,000 tags
    // took 5 s and these 20,000 over ten.
    expect(labCpuSeconds(cpu)).toBeLessThan(5);
  });
});

describe('THREAD REFERENCES over a very long References header', () => {
  it('threads it like any other: no stack overflow, no quadratic walk', async () => {
    const cpu = process.cpuUsage();
    const out = await imaplib(
      lab().port('imap'),
      `
M.login('bob@example.com', 'secret')
M.create('Chain')
refs = ' '.join('<r%d@x.example>' % i for i in range(30000))
M.append('Chain', None, None, ('Message-ID: <top@x.example>\\r\\nReferences: ' + refs + '\\r\\nSubject: deep\\r\\n\\r\\nbody\\r\\n').encode())
M.append('Chain', None, None, b'Message-ID: <reply@x.example>\\r\\nIn-Reply-To: <top@x.example>\\r\\nSubject: Re: deep\\r\\n\\r\\nbody\\r\\n')
M.select('Chain')
out['thread'] = M.thread('REFERENCES', 'UTF-8', 'ALL')
`,
    );
    expect(out.thread).toEqual(['OK', ['(1 2)']]);
    expect(labCpuSeconds(cpu)).toBeLessThan(5);
  });
});

describe('SORT (FROM) over a very long address list', () => {
  it('reads only as far as the first address', async () => {
    const cpu = process.cpuUsage();
    const out = await imaplib(
      lab().port('imap'),
      `
M.login('bob@example.com', 'secret')
M.create('Crowd')
crowd = ', '.join('"n%d" <a%d@b.example>' % (i, i) for i in range(50000))
M.append('Crowd', None, None, ('From: "Zed" <zed@x.example>, ' + crowd + '\\r\\nSubject: crowd\\r\\n\\r\\nbody\\r\\n').encode())
M.append('Crowd', None, None, b'From: "Amy" <amy@x.example>\\r\\nSubject: one\\r\\n\\r\\nbody\\r\\n')
M.select('Crowd')
for i in range(40):
    out['from'] = M.sort('(FROM)', 'UTF-8', 'ALL')
    out['display'] = M.sort('(REVERSE DISPLAYFROM)', 'UTF-8', 'ALL')
`,
    );
    expect(out.from).toEqual(['OK', ['2 1']]);
    expect(out.display).toEqual(['OK', ['1 2']]);
    // Eighty SORTs in well under a second; parsing the whole megabyte at every SORT, they took 13 s.
    expect(labCpuSeconds(cpu)).toBeLessThan(5);
  });
});

describe('SORT with a key named thousands of times', () => {
  it('sorts by each key once: no values kept per naming, no comparing them all in one turn', async () => {
    // 2,000 messages with one subject, dropped into new/ as a delivery agent would.
    const folder = maildirPath(lab().dataDir, 'default', 'bob@example.com', 'Same');
    for (const sub of ['cur', 'new', 'tmp']) await mkdir(join(folder, sub), { recursive: true });
    for (let i = 0; i < 2000; i++) await writeFile(join(folder, 'new', `${1_700_000_000 + i}.M${i}P1.sort`), `Subject: same\r\nDate: Tue, 14 Nov 2023 22:13:20 +0000\r\n\r\nbody ${i}\r\n`);
    const loop = watchEventLoop();
    const c = await RawClient.open(lab().port('imap'));
    try {
      await c.until(/^\* OK [^\r\n]*\r\n/m);
      await c.command('l LOGIN bob@example.com secret', tagged('l'));
      await c.command('s SELECT Same', tagged('s'), 60_000);
      const started = performance.now();
      const many = await c.command(`a SORT (${'SUBJECT REVERSE DATE '.repeat(3000)}) UTF-8 ALL`, tagged('a'), 120_000);
      // A value per naming per message, 6,000 base subjects and dates each: 15 s of the lab's
      // time (in turns), then 6,000 values compared per pair of messages in one Array.sort.
      expect(performance.now() - started).toBeLessThan(5000);
      expect(loop.worstBusyMs()).toBeLessThan(500);
      const once = await c.command('b SORT (SUBJECT REVERSE DATE) UTF-8 ALL', tagged('b'));
      // Same subject, same date: mailbox order, which REVERSE does not reverse.
      expect(once).toBe(`* SORT ${Array.from({ length: 2000 }, (_, i) => i + 1).join(' ')}\r\nb OK SORT completed (2000 matching)\r\n`);
      expect(many.replace(/^a /m, 'b ')).toBe(once);
    } finally {
      loop.stop();
      c.close();
    }
  });
});
