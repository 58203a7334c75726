/**
 * IMAP4rev2 (RFC 9051) beside IMAP4rev1: the server speaks rev1 until ENABLE IMAP4rev2, then
 * mailbox names are UTF-8, SEARCH answers with ESEARCH, \Recent and RECENT are gone, LIST is the
 * extended one and SELECT says [CLOSED]. imapflow enables it by itself and keeps working.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ImapFlow } from 'imapflow';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startTestLab, type TestLab } from '../helpers/lab.js';
import { maildirPath } from '../helpers/maildir.js';
import { imapTagged, RawClient } from '../helpers/rawSocket.js';

let lab: TestLab;
beforeAll(async () => {
  lab = await startTestLab();
});
afterAll(async () => {
  await lab?.dispose();
});
afterEach(async () => {
  await lab.sandboxes.reset('default');
});

/** What UTF-8 text looks like in RawClient's transcript, which keeps one character per octet. */
const octets = (text: string): string => Buffer.from(text, 'utf8').toString('latin1');
const tagged = imapTagged;

async function login(): Promise<RawClient> {
  const c = await RawClient.open(lab.port('imap'));
  await c.until(/^\* OK [^\r\n]*IMAP4rev1[^\r\n]*IMAP4rev2[^\r\n]*\r\n/m);
  await c.command('l LOGIN alice@example.com secret', tagged('l'));
  return c;
}

describe('IMAP4rev2 over a raw socket', () => {
  it('refuses a mailbox name whose octets are not UTF-8, rather than naming a folder "\uFFFD"', async () => {
    const c = await login();
    await c.command('a ENABLE IMAP4rev2', tagged('a'));
    for (const [tag, bytes] of [['b', [0xff]], ['c', [0xfe]], ['d', [0xed, 0xa0, 0x80]]] as const) {
      const name = Buffer.from(bytes);
      c.send(Buffer.concat([Buffer.from(`${tag} CREATE {${name.length}+}\r\n`), name, Buffer.from('\r\n')]));
      expect(await c.until(tagged(tag))).toMatch(new RegExp(`^${tag} NO \\[CANNOT\\] Mailbox name ".*" is not valid UTF-8`, 'm'));
    }
    expect(await c.command('e CREATE Caf\u00e9', tagged('e'))).toMatch(/^e OK/m);
    c.close();
    expect(existsSync(join(maildirPath(lab.dataDir, 'default', 'alice@example.com'), '.\ufffd'))).toBe(false);
  });

  it('stays IMAP4rev1 until ENABLE IMAP4rev2, and changes the answers after it', async () => {
    const c = await login();
    const rev1 = await c.command('a SELECT INBOX', tagged('a'));
    expect(rev1).toMatch(/^\* 3 RECENT\r$/m);
    expect(await c.command('b SEARCH ALL', tagged('b'))).toMatch(/^\* SEARCH 1 2 3\r$/m);
    expect(await c.command('c ENABLE IMAP4rev2 CONDSTORE-NOT-HERE', tagged('c'))).toMatch(/^\* ENABLED IMAP4rev2\r\nc OK/m);
    // Enabled while a mailbox is selected: \Recent is gone at once.
    expect(await c.command('c2 FETCH 1 FLAGS', tagged('c2'))).toMatch(/^\* 1 FETCH \(FLAGS \(\)\)\r\nc2 OK/);
    const rev2 = await c.command('d SELECT INBOX', tagged('d'));
    // The previous mailbox is closed first; no \Recent, no RECENT, no UNSEEN code.
    expect(rev2).toMatch(/^\* OK \[CLOSED\]/);
    expect(rev2).not.toMatch(/RECENT|\[UNSEEN/);
    // RFC 9051 §6.3.2: SELECT gives the mailbox's LIST line, with its canonical name.
    expect(rev2).toMatch(/^\* LIST \(\\Subscribed \\HasNoChildren\) "\." INBOX\r\nd OK \[READ-WRITE\]/m);
    expect(rev1).not.toMatch(/^\* LIST/m);
    expect(await c.command('e SEARCH ALL', tagged('e'))).toMatch(/^\* ESEARCH \(TAG "e"\) ALL 1:3\r\ne OK/m);
    expect(await c.command('f UID SEARCH SUBJECT nothing-like-this', tagged('f'))).toMatch(/^\* ESEARCH \(TAG "f"\) UID\r\nf OK/m);
    expect(await c.command('g FETCH 1 FLAGS', tagged('g'))).toMatch(/^\* 1 FETCH \(FLAGS \(\)\)\r$/m);
    expect(await c.command('h ENABLE IMAP4rev2', tagged('h'))).toMatch(/^\* ENABLED\r\nh OK/m);
    c.close();
  });

  it('takes and gives mailbox names as UTF-8, and keeps them as Unicode on disk', async () => {
    const c = await login();
    await c.command('a ENABLE IMAP4rev2', tagged('a'));
    // The status text stays ASCII, so it does not pretend the folder on disk is named in modified UTF-7.
    expect(await c.command('b CREATE "Отчёты.2026"', tagged('b'))).toMatch(/^b OK CREATE completed: mailbox "&BB4EQgRHBFEEQgRL-\.2026" is a Maildir folder named "\." and the name in UTF-8\r$/m);
    // "&" is just a character in UTF-8 names.
    expect(await c.command('c CREATE "R&D"', tagged('c'))).toMatch(/^c OK/m);
    const list = await c.command('d LIST "" "*"', tagged('d'));
    expect(list).toContain(octets('* LIST (\\HasNoChildren) "." "Отчёты.2026"\r\n'));
    expect(list).toContain('* LIST (\\HasNoChildren) "." R&D\r\n');
    expect(await c.command('e LIST "" %', tagged('e'))).toContain(octets('* LIST (\\NonExistent \\HasChildren) "." "Отчёты"\r\n'));
    expect(await c.command('f STATUS "Отчёты.2026" (MESSAGES)', tagged('f'))).toContain(octets('* STATUS "Отчёты.2026" (MESSAGES 0)\r\n'));
    expect(await c.command('g EXAMINE "Отчёты.2026"', tagged('g'))).toContain(octets('* LIST (\\HasNoChildren) "." "Отчёты.2026"\r\ng OK [READ-ONLY]'));
    c.close();
    const home = maildirPath(lab.dataDir, 'default', 'alice@example.com');
    expect(existsSync(join(home, '.Отчёты.2026', 'cur'))).toBe(true);
    expect(existsSync(join(home, '.R&D', 'cur'))).toBe(true);
    // A rev1 session sees the same folders in modified UTF-7.
    const rev1 = await login();
    expect(await rev1.command('a LIST "" "*"', tagged('a'))).toContain('* LIST (\\HasNoChildren) "." &BB4EQgRHBFEEQgRL-.2026\r\n');
    rev1.close();
  });
});

describe('IMAP4rev2 with imapflow', () => {
  it('gives SELECT the LIST line of a mailbox whose name holds a LIST wildcard, not \\NonExistent', async () => {
    const c = await login();
    await c.command('a ENABLE IMAP4rev2', tagged('a'));
    await c.command('b CREATE "*"', tagged('b'));
    await c.command('c CREATE "Re%.x"', tagged('c'));
    expect(await c.command('d SELECT "*"', tagged('d'))).toContain('* LIST (\\HasNoChildren) "." "*"\r\nd OK [READ-WRITE]');
    expect(await c.command('e EXAMINE "Re%"', tagged('e'))).toMatch(/^e NO \[NONEXISTENT\]/m);
    expect(await c.command('f EXAMINE "Re%.x"', tagged('f'))).toContain('* LIST (\\HasNoChildren) "." "Re%.x"\r\nf OK [READ-ONLY]');
    c.close();
  });

  it('enables IMAP4rev2 by itself and works with UTF-8 names, ESEARCH and flags without \\Recent', async () => {
    const c = new ImapFlow({ host: '127.0.0.1', port: lab.port('imap'), secure: false, auth: { user: 'alice@example.com', pass: 'secret' }, logger: false, tls: { rejectUnauthorized: false } });
    await c.connect();
    try {
      expect([...c.enabled]).toContain('IMAP4REV2');
      await c.mailboxCreate('Café');
      await c.append('Café', 'Subject: crème\r\n\r\nbrûlée\r\n', ['\\Flagged']);
      expect((await c.list()).map((b) => b.path)).toContain('Café');
      const lock = await c.getMailboxLock('Café');
      try {
        expect(await c.search({ flagged: true })).toEqual([1]);
        // A rev2 server must search in UTF-8 (RFC 9051 §6.4.4).
        expect(await c.search({ subject: 'crème' })).toEqual([1]);
        expect(await c.search({ subject: 'crema' })).toEqual([]);
        const message = await c.fetchOne('1', { flags: true, source: true });
        expect(message && [...message.flags!]).toEqual(['\\Flagged']);
        expect(message && message.source!.toString()).toContain('brûlée');
      } finally {
        lock.release();
      }
    } finally {
      await c.logout();
    }
    expect(existsSync(join(maildirPath(lab.dataDir, 'default', 'alice@example.com'), '.Café', 'cur'))).toBe(true);
  });
});
