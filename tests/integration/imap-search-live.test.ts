/**
 * The IMAP server over a raw socket: SEARCH over the seeded INBOX, and what one session sees
 * of the others: flag changes, POP3 deletions, SMTP deliveries, files dropped by hand, a reset.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { python } from '../helpers/clients.js';
import { imapScript } from '../helpers/imapScript.js';
import { useLabFile } from '../helpers/labFile.js';
import { maildirPath } from '../helpers/maildir.js';
import { imapTagged } from '../helpers/rawSocket.js';

const { lab } = useLabFile({ reseed: true, afterEach: () => closeAll() });
const { login, send, closeAll } = imapScript(lab);
const tagged = imapTagged;

const aliceInbox = (): string => maildirPath(lab().dataDir, 'default', 'alice@example.com');

describe('SEARCH', () => {
  it.each([
    ['ALL', '1 2 3'],
    ['UNSEEN', '1 2 3'],
    ['FROM bob', '2'],
    ['FROM "Carol"', '3'],
    ['TO alice', '1 2 3'],
    ['SUBJECT "port table"', '2'],
    ['BODY "dot-stuffing"', '3'],
    ['BODY "IMAPS,993"', '2'], // inside the base64 attachment
    ['TEXT "welcome.alice"', '1'],
    ['HEADER Message-ID "<ports."', '2'],
    ['HEADER Content-Transfer-Encoding ""', '3'],
    ['SINCE 2-Sep-2026', '2 3'],
    ['BEFORE 2-Sep-2026', '1'],
    ['ON 3-Sep-2026', '3'],
    ['SENTON 1-Sep-2026', '1'],
    ['SENTSINCE 3-Sep-2026', '3'],
    ['LARGER 1000', '2'],
    ['SMALLER 700', '1'],
    ['OR FROM bob FROM carol', '2 3'],
    ['NOT FROM bob', '1 3'],
    ['UID 2:*', '2 3'],
    ['2,3 NOT 3', '2'],
    ['(FROM bob SUBJECT port) UNSEEN', '2'],
    ['KEYWORD $Junk', ''],
    ['UNKEYWORD $Junk', '1 2 3'],
    ['CHARSET UTF-8 SUBJECT {6+}\r\n邮件', '3'],
  ])('SEARCH %s', async (keys, hits) => {
    const c = await login();
    await send(c, 'a0 EXAMINE INBOX');
    const reply = await c.command(`a1 SEARCH ${keys}`, tagged('a1'));
    expect(reply).toMatch(new RegExp(`^\\* SEARCH${hits ? ' ' + hits : ''}\\r\\na1 OK`));
  });

  it('gives UIDs for UID SEARCH and refuses unknown keys and charsets', async () => {
    const c = await login();
    await send(c, 'a0 SELECT INBOX');
    await send(c, 'a1 STORE 1 +FLAGS (\\Deleted)');
    await send(c, 'a2 EXPUNGE');
    expect(await send(c, 'a3 UID SEARCH FROM carol')).toBe('* SEARCH 3\r\na3 OK SEARCH completed (1 matching)\r\n');
    expect(await send(c, 'a4 SEARCH FROM carol')).toBe('* SEARCH 2\r\na4 OK SEARCH completed (1 matching)\r\n');
    expect(await send(c, 'a5 SEARCH SINCE yesterday')).toMatch(/^a5 BAD SINCE needs a date like \d+-\w{3}-\d{4}/);
    expect(await send(c, 'a6 SEARCH SHINY')).toMatch(/^a6 BAD Unknown search key "SHINY"/);
    expect(await send(c, 'a7 SEARCH CHARSET KOI8-R ALL')).toMatch(/^a7 NO \[BADCHARSET \(US-ASCII UTF-8\)\]/);
  });
});

describe('live updates', () => {
  it('shows a flag change made by another session at the next command', async () => {
    const watcher = await login();
    await send(watcher, 'a1 SELECT INBOX');
    const other = await login();
    await send(other, 'b1 SELECT INBOX');
    await send(other, 'b2 STORE 2 +FLAGS (\\Flagged)');
    expect(await send(watcher, 'a2 NOOP')).toBe('* 2 FETCH (FLAGS (\\Flagged \\Recent))\r\na2 OK NOOP completed\r\n');
  });

  it('reports a POP3 deletion as EXPUNGE, but not during FETCH, STORE or SEARCH (RFC 3501 §7.4.1)', async () => {
    const c = await login();
    await send(c, 'a1 SELECT INBOX');
    const pop = await python(
      `import poplib\np = poplib.POP3('127.0.0.1', P['port'], timeout=10)\np.user('alice@example.com'); p.pass_('secret')\np.dele(2)\nprint(p.quit().decode())`,
      { port: lab().port('pop3') },
    );
    expect(pop.stdout).toMatch(/^\+OK .*deleted: 1/);
    const fetch = await send(c, 'a2 FETCH 1:3 UID');
    expect(fetch).not.toMatch(/^\* \d+ EXPUNGE/m);
    // As Dovecot does: what is known of the expunged message is answered, and the command succeeds;
    // its UID is a whole answer, so no [EXPUNGEISSUED] (that follows a part it could not give, below).
    expect(fetch).toBe('* 1 FETCH (UID 1)\r\n* 2 FETCH (UID 2)\r\n* 3 FETCH (UID 3)\r\na2 OK FETCH completed\r\n');
    expect(await send(c, 'a2b FETCH 2 (FLAGS BODY.PEEK[HEADER])')).toMatch(/^\* 2 FETCH \(FLAGS \(\\Recent\) BODY\[HEADER\] NIL\)\r\na2b OK \[EXPUNGEISSUED\]/);
    expect(await send(c, 'a2c STORE 2 +FLAGS (\\Flagged)')).toBe('a2c OK STORE completed\r\n');
    expect(await send(c, 'a3 SEARCH ALL')).toBe('* SEARCH 1 3\r\na3 OK SEARCH completed (2 matching)\r\n');
    expect(await send(c, 'a4 NOOP')).toBe('* 2 EXPUNGE\r\n* 2 RECENT\r\na4 OK NOOP completed\r\n');
    expect(await send(c, 'a5 FETCH 2 UID')).toBe('* 2 FETCH (UID 3)\r\na5 OK FETCH completed\r\n');
  });

  it('tells an IDLE session at once about SMTP deliveries and expunges by another session', async () => {
    const idler = await login();
    await send(idler, 'a1 SELECT INBOX');
    expect(await idler.command('a2 IDLE', /\r\n/)).toMatch(/^\+ idling/);
    const smtp = await python(
      `import smtplib\ns = smtplib.SMTP('127.0.0.1', P['port'], timeout=10)\ns.sendmail('bob@example.com', ['alice@example.com'], b'Subject: ping\\r\\n\\r\\nwake up\\r\\n')\ns.quit()\nprint('sent')`,
      { port: lab().port('smtp') },
    );
    expect(smtp.stderr).toBe('');
    expect(smtp.stdout.trim()).toBe('sent');
    expect(await idler.until(/\* 4 EXISTS\r\n\* 4 RECENT\r\n/)).toMatch(/\* 4 EXISTS/);
    const other = await login();
    await send(other, 'b1 SELECT INBOX');
    await send(other, 'b2 STORE 1 +FLAGS.SILENT (\\Deleted)');
    await send(other, 'b3 EXPUNGE');
    expect(await idler.until(/\* 1 EXPUNGE\r\n/)).toContain('* 1 EXPUNGE');
    expect(await idler.command('DONE', tagged('a2'))).toBe('a2 OK IDLE terminated\r\n');
    expect(await idler.command('a3 IDLE', /\r\n/)).toMatch(/^\+ /);
    expect(await idler.command('STOP', tagged('a3'))).toMatch(/^a3 BAD Expected DONE/);
  });

  it('notices in IDLE a message file dropped into new/ by hand, which sends no event', async () => {
    const idler = await login();
    await send(idler, 'a1 SELECT INBOX');
    await idler.command('a2 IDLE', /\r\n/);
    const name = `${Math.floor(Date.now() / 1000)}.handmade.test`;
    await writeFile(join(aliceInbox(), 'new', name), 'Subject: dropped by hand\n\nhello\n');
    expect(await idler.until(/\* 4 EXISTS\r\n\* 4 RECENT\r\n/, 8000)).toContain('* 4 EXISTS');
    expect(await idler.command('DONE', tagged('a2'))).toBe('a2 OK IDLE terminated\r\n');
    expect(await send(idler, 'a3 FETCH 4 (FLAGS BODY.PEEK[HEADER.FIELDS (SUBJECT)])')).toContain('Subject: dropped by hand\r\n');
  });

  it('sends BODY[] of files dropped by hand in CRLF, LF and mixed line ends as CRLF, each its own bytes', async () => {
    const dir = join(aliceInbox(), '.Wire');
    for (const sub of ['cur', 'new', 'tmp']) await mkdir(join(dir, sub), { recursive: true });
    const files: Record<string, string> = {
      crlf: 'Subject: crlf\r\n\r\nline one\r\nline two\r\n',
      lf: 'Subject: lf\n\nline one\nline two\n',
      mixed: 'Subject: mixed\r\n\nbare\nkept\r\nlone \r cr\n',
    };
    const now = Math.floor(Date.now() / 1000);
    for (const [name, text] of Object.entries(files)) await writeFile(join(dir, 'new', `${now}.${name}.handmade`), text, 'latin1');
    const c = await login();
    expect(await send(c, 'a1 SELECT Wire')).toContain('* 3 EXISTS');
    const wire = (text: string): string => text.replace(/\r?\n/g, '\r\n');
    // Twice over, one message at a time: each answer is its own file's bytes, never the last one read.
    for (let round = 0; round < 2; round++) {
      for (let seq = 1; seq <= 3; seq++) {
        const reply = await send(c, `b${round}${seq} FETCH ${seq} BODY.PEEK[]`);
        const m = /BODY\[\] \{(\d+)\}\r\n/.exec(reply)!;
        const body = reply.slice(m.index + m[0].length, m.index + m[0].length + Number(m[1]));
        const name = /^Subject: (\w+)/.exec(body)![1]!;
        expect(body).toBe(wire(files[name]!));
      }
    }
    // All at once: read together before any is written out.
    const reply = await send(c, 'b3 FETCH 1:3 BODY.PEEK[]');
    const bodies = [...reply.matchAll(/BODY\[\] \{(\d+)\}\r\n/g)].map((m) => reply.slice(m.index + m[0].length, m.index + m[0].length + Number(m[1])));
    expect(bodies.map((b) => /^Subject: (\w+)/.exec(b)![1]).sort()).toEqual(['crlf', 'lf', 'mixed']);
    for (const body of bodies) expect(body).toBe(wire(files[/^Subject: (\w+)/.exec(body)![1]!]!));
  });

  it('names non-ASCII mailboxes in status text as the client would type them', async () => {
    const c = await login();
    expect(await send(c, 'a1 SELECT &ZeVnLIqe-')).toBe('a1 NO [NONEXISTENT] Mailbox "&ZeVnLIqe-" does not exist. See your mailboxes with: LIST "" "*"\r\n');
  });

  it('ends sessions with BYE when the sandbox is reset', async () => {
    const c = await login();
    await send(c, 'a1 SELECT INBOX');
    await lab().sandboxes.reset('default');
    expect(await c.until(/\* BYE [^\r\n]*\r\n/)).toMatch(/\* BYE Your lab sandbox was reset/);
    await c.waitClosed();
  });
});

