/**
 * Commands that cost the lab far more than they cost the client who types them.
 * - One large message named many times over in a single command (FETCH 1 (BODY.PEEK[]
 *   BODY.PEEK[] ...), BINARY of the same part again and again): the answer may be large, but it
 *   goes out as the client reads it, and the lab (in this test's process) holds no copy per item
 *   meanwhile. A few thousand items of a 10 MB message used to be joined into one buffer before
 *   the first octet was written: gigabytes, seconds of every other session's time, then the end.
 * - URLFETCH of sixty URLs lending one large message: the answers were joined before writing.
 * - LIST patterns with many wildcards, matched by a regular expression that backtracked: a
 *   minute for "*a*a*a*a*a*a*a*a*b" against a 60-character name, with every session waiting.
 * - SUBSCRIBE of made-up names without end: the subscriptions file is written whole at each
 *   one, and 5,000 of them wrote gigabytes (outside any quota); now at most 1,000 names.
 * - LIST of a hundred patterns over a thousand long names, and LIST (SUBSCRIBED RECURSIVEMATCH)
 *   or LSUB over subscriptions fifty levels deep: seconds, and hours for deeper ones, in one
 *   turn of the event loop.
 * SORT and THREAD are in imap-costly-sort.test.ts.
 * The times asserted below leave seconds of room for a machine busy with other work: each
 * input is sized so the old code took many times that (or failed outright).
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { imaplib } from '../helpers/imaplib.js';
import { useLabFile } from '../helpers/labFile.js';
import { imapTagged, RawClient } from '../helpers/rawSocket.js';
import { maildirPath } from '../helpers/maildir.js';
import { watchEventLoop } from '../helpers/neighbour.js';

const { lab } = useLabFile();

const tagged = imapTagged;
const attachment = Buffer.alloc(768 * 1024, 'attachment bytes ');
const message = [
  'From: alice@example.com',
  'Subject: big attachment',
  'MIME-Version: 1.0',
  'Content-Type: multipart/mixed; boundary=b',
  '',
  '--b',
  'Content-Type: text/plain',
  '',
  'see attached',
  '--b',
  'Content-Type: application/octet-stream',
  'Content-Transfer-Encoding: base64',
  '',
  ...(attachment.toString('base64').match(/.{1,76}/g) ?? []),
  '--b--',
  '',
].join('\r\n');

/**
 * Sends `command` and reads nothing for a second and a half, then everything: how much more memory the
 * process held meanwhile (at most), and the answer.
 */
async function slowlyRead(c: RawClient, tag: string, command: string): Promise<{ peak: number; reply: string }> {
  const before = process.memoryUsage().arrayBuffers;
  let peak = 0;
  c.send(`${tag} ${command}\r\n`);
  c.socket.pause();
  for (let i = 0; i < 15; i++) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    peak = Math.max(peak, process.memoryUsage().arrayBuffers - before);
  }
  const chunks: Buffer[] = [];
  const done = new Promise<void>((resolve) => {
    const take = (d: Buffer): void => {
      chunks.push(d);
      if (tagged(tag).test(d.subarray(-200).toString('latin1'))) {
        c.socket.off('data', take);
        resolve();
      }
    };
    c.socket.on('data', take);
  });
  c.socket.resume();
  await done;
  return { peak, reply: Buffer.concat(chunks).toString('latin1') };
}

describe('one message named many times in one command', () => {
  it('FETCH of the same body and the same decoded part sixty times each holds no copy per item', async () => {
    const c = await RawClient.open(lab().port('imap'));
    await c.until(/^\* OK/m);
    await c.command('a LOGIN alice@example.com secret', tagged('a'));
    // A 1 MiB APPEND on two loaded cores took past RawClient's 5 s; the memory bounds are the proof.
    expect(await c.command(`b APPEND Drafts {${message.length}+}\r\n${message}`, tagged('b'), 30_000)).toMatch(/^b OK/m);
    await c.command('c SELECT Drafts', tagged('c'));

    const body = await slowlyRead(c, 'd', `FETCH 1 (${Array.from({ length: 60 }, () => 'BODY.PEEK[]').join(' ')})`);
    expect(body.peak).toBeLessThan(25 * 1024 * 1024);
    expect(body.reply.split(`BODY[] {${message.length}}\r\nFrom: alice@example.com`)).toHaveLength(61);
    expect(body.reply).toMatch(/\)\r\nd OK FETCH completed\r\n$/);

    const binary = await slowlyRead(c, 'e', `FETCH 1 (${Array.from({ length: 60 }, (_, i) => `BINARY.PEEK[2]<${i}.${attachment.length}>`).join(' ')})`);
    expect(binary.peak).toBeLessThan(25 * 1024 * 1024);
    // Each partial from its own offset: the decoded octets, as a plain literal (no NUL in them).
    expect(binary.reply).toContain(`BINARY[2]<0> ~{${attachment.length}}\r\n${attachment.toString('latin1', 0, 40)}`);
    expect(binary.reply).toContain(`BINARY[2]<59> ~{${attachment.length - 59}}\r\n${attachment.toString('latin1', 59, 99)}`);
    expect(binary.reply.match(/[ (]BINARY\[2\]<\d+> ~\{\d+\}\r\n/g)).toHaveLength(60);
    expect(binary.reply).toMatch(/\)\r\ne OK FETCH completed\r\n$/);
    c.close();
  });
});

describe('one message lent many times in one URLFETCH', () => {
  it('sends each URL\'s answer before the next is read, waiting for a client that reads slowly', async () => {
    const c = await RawClient.open(lab().port('imap'));
    await c.until(/^\* OK/m);
    await c.command('a LOGIN alice@example.com secret', tagged('a'));
    const big = `Subject: big\r\n\r\n${`${'y'.repeat(1022)}\r\n`.repeat(1024)}`;
    const uid = /APPENDUID \d+ (\d+)/.exec(await c.command(`b APPEND Drafts {${big.length}+}\r\n${big}`, tagged('b'), 30_000))![1];
    const lent = await c.command(`c GENURLAUTH "imap://alice@mail.example.com/Drafts/;UID=${uid};URLAUTH=anonymous" INTERNAL`, tagged('c'));
    const url = /GENURLAUTH "([^"]+)"/.exec(lent)![1]!;
    // 300 such URLs to a 5 MB message took 6 GB.
    const { peak, reply } = await slowlyRead(c, 'd', `URLFETCH ${Array.from({ length: 60 }, () => `"${url}"`).join(' ')}`);
    c.close();
    expect(peak).toBeLessThan(25 * 1024 * 1024);
    expect(reply.split(`" {${big.length}}\r\nSubject: big`)).toHaveLength(61);
    expect(reply).toMatch(/^\* URLFETCH "imap:[^"]+" \{\d+\}\r\n/);
    expect(reply).toMatch(/\r\nd OK URLFETCH completed\r\n$/);
  });
});

describe('LIST patterns with many wildcards', () => {
  it('are matched without backtracking: imaplib gets its answers at once, the right ones', async () => {
    const name = 'a'.repeat(60);
    const out = await imaplib(
      lab().port('imap'),
      `
import time
M.login('alice@example.com', 'secret')
M.create(P['name'])
M.create(P['name'] + '.b')
def timed(pattern):
    t = time.time()
    typ, data = M.list('""', '"%s"' % pattern)
    return [typ, data, time.time() - t]
out['none'] = timed('*a' * 7 + '*c')
out['level'] = timed('%a' * 7 + '%b')
out['deep'] = timed('*a' * 7 + '*.b')
`,
      { name },
    );
    // Milliseconds each; with a regular expression the first took most of a minute.
    expect(out.none[0]).toBe('OK');
    expect(out.none[1]).toEqual([null]);
    expect(out.none[2]).toBeLessThan(5);
    expect(out.level[1]).toEqual([null]);
    expect(out.level[2]).toBeLessThan(5);
    expect(out.deep[1]).toEqual([`(\\HasNoChildren) "." ${name}.b`]);
    expect(out.deep[2]).toBeLessThan(5);
  });
});

describe('LIST and LSUB over many long or deep names', () => {
  // 3,000 directories made one by one and a LIST that waits up to 120 s: past the 30 s default
  // on two loaded cores (it timed out so once); the event loop's CPU bound is the proof.
  it('match a hundred patterns against a thousand long names in short turns, and refuse a hundred and one', async () => {
    // A thousand folders of 190 characters, made on disk as a learner's shell could.
    const names = Array.from({ length: 1000 }, (_, i) => `${'a'.repeat(186)}${String(i).padStart(4, '0')}`);
    for (const name of names) for (const sub of ['cur', 'new', 'tmp']) await mkdir(join(maildirPath(lab().dataDir, 'default', 'alice@example.com', name), sub), { recursive: true });
    const patterns = Array.from({ length: 100 }, (_, i) => `"${'*a'.repeat(10)}*b${i}"`);
    const loop = watchEventLoop();
    const c = await RawClient.open(lab().port('imap'));
    try {
      await c.until(/^\* OK [^\r\n]*\r\n/m);
      await c.command('l LOGIN alice@example.com secret', tagged('l'));
      const none = await c.command(`a LIST "" (${patterns.join(' ')})`, tagged('a'), 120_000);
      const busy = loop.worstBusyMs();
      // Each name against each pattern in one turn of the event loop kept every session waiting
      // for seconds; in turns of about 10 ms, the lab's loop is never held for long.
      expect(busy).toBeLessThan(500);
      expect(none).toMatch(/^a OK LIST completed: no mailbox matches "\*a[^"]*b0" or "\*a[^"]*b1" or "\*a[^"]*b2" \(or 97 more\)\. Try: LIST "" "\*"\r\n$/);
      expect(await c.command(`b LIST "" (${patterns.join(' ')} "%0999")`, tagged('b'))).toBe(`b NO [LIMIT] LIST takes at most 100 patterns at once; this one has 101. Send fewer, or one with wildcards: LIST "" "*"\r\n`);
      expect(await c.command(`c LIST "" ("%0999" "%0998" "%0998")`, tagged('c'))).toBe(`* LIST () "." ${names[998]}\r\n* LIST () "." ${names[999]}\r\nc OK LIST completed\r\n`);
    } finally {
      loop.stop();
      c.close();
    }
  }, 180_000);

  it('work out CHILDINFO and missing levels of subscriptions fifty levels deep without comparing every level with every other', async () => {
    const deep = Array.from({ length: 250 }, (_, i) => `n${String(i).padStart(3, '0')}.${Array(50).fill('x').join('.')}`);
    await writeFile(join(maildirPath(lab().dataDir, 'default', 'bob@example.com'), 'subscriptions'), `INBOX\n${deep.join('\n')}\n`);
    const loop = watchEventLoop();
    const c = await RawClient.open(lab().port('imap'));
    try {
      await c.until(/^\* OK [^\r\n]*\r\n/m);
      await c.command('l LOGIN bob@example.com secret', tagged('l'));
      const all = await c.command('a LIST (SUBSCRIBED RECURSIVEMATCH) "" "*"', tagged('a'), 120_000);
      const busy = loop.worstBusyMs();
      // 12,750 levels, each compared with every other: ten seconds of the whole lab's time.
      expect(busy).toBeLessThan(500);
      expect(all.split('\r\n').filter((l) => l.startsWith('* LIST (\\NonExistent \\Subscribed) "." n'))).toHaveLength(250);
      const top = await c.command('b LIST (SUBSCRIBED RECURSIVEMATCH) "" "%"', tagged('b'));
      const lsub = await c.command('c LSUB "" "%.%"', tagged('c'));
      const lines = top.split('\r\n');
      expect(lines[0]).toBe('* LIST (\\Subscribed) "." INBOX');
      expect(lines[1]).toBe('* LIST (\\NonExistent) "." n000 ("CHILDINFO" ("SUBSCRIBED"))');
      expect(lines.filter((l) => l.endsWith('("CHILDINFO" ("SUBSCRIBED"))'))).toHaveLength(250);
      expect(lines.at(-2)).toBe('b OK LIST completed');
      expect(lsub.split('\r\n').filter((l) => /^\* LSUB \(\\Noselect\) "\." n\d{3}\.x$/.test(l))).toHaveLength(250);
    } finally {
      loop.stop();
      c.close();
    }
  });
});

describe('SUBSCRIBE of names that do not exist', () => {
  it('stops at 1,000 subscriptions with NO [LIMIT], keeps the file as it was, and lets one go in after an UNSUBSCRIBE', async () => {
    const file = join(maildirPath(lab().dataDir, 'default', 'carol@otherdomain.com'), 'subscriptions');
    const names = Array.from({ length: 1000 }, (_, i) => `made-up-${i}`);
    await writeFile(file, names.map((n) => `${n}\n`).join(''));
    const out = await imaplib(
      lab().port('imap'),
      `
M.login('carol@otherdomain.com', 'secret')
out['again'] = M.subscribe('made-up-7')
out['more'] = M.subscribe('one-too-many')
out['unsubscribe'] = M.unsubscribe('made-up-7')
out['room'] = M.subscribe('one-too-many')
`,
    );
    expect(out.again[0]).toBe('OK');
    expect(out.more).toEqual(['NO', [expect.stringMatching(/^\[LIMIT\] Too many subscriptions \(at most 1000\): "one-too-many" was not subscribed/)]]);
    expect(out.unsubscribe[0]).toBe('OK');
    expect(out.room[0]).toBe('OK');
    const kept = (await readFile(file, 'utf8')).split('\n').filter(Boolean);
    expect(kept).toHaveLength(1000);
    expect(kept).toContain('one-too-many');
    expect(kept).not.toContain('made-up-7');
  });
});
