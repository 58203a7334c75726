/**
 * NOTIFY (RFC 5465) over raw sockets: events pushed while no command runs, for the selected
 * mailbox (with the FETCH data MessageNew asks for) and for others (STATUS), mailbox names and
 * subscriptions changed by another session (LIST), mail delivered by Python's smtplib through
 * the lab's SMTP listener, IDLE, SELECTED-DELAYED, flag changes, the STATUS indicator for each
 * event, and NO [BADEVENT].
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { python } from '../helpers/clients.js';
import { startTestLab, type TestLab } from '../helpers/lab.js';
import { imapLogin, imapTagged, RawClient } from '../helpers/rawSocket.js';

let lab: TestLab;
const open: RawClient[] = [];
beforeAll(async () => {
  lab = await startTestLab();
});
afterAll(async () => {
  await lab?.dispose();
});
afterEach(async () => {
  for (const c of open.splice(0)) c.close();
  await lab.sandboxes.reset('default');
});

const tagged = imapTagged;

async function login(): Promise<RawClient> {
  const c = await imapLogin(lab.port('imap'));
  open.push(c);
  return c;
}

async function append(c: RawClient, tag: string, mailbox: string, subject: string): Promise<void> {
  const message = `Subject: ${subject}\r\n\r\nhello\r\n`;
  await c.command(`${tag} APPEND ${mailbox} {${message.length}+}\r\n${message}`, tagged(tag));
}

describe('NOTIFY', () => {
  it('pushes the selected mailbox\'s new messages with their FETCH data, and STATUS for others, between commands', async () => {
    const watcher = await login();
    await watcher.command('a SELECT INBOX', tagged('a'));
    const set = await watcher.command('b NOTIFY SET STATUS (SELECTED (MessageNew (UID BODY.PEEK[HEADER.FIELDS (SUBJECT)]) MessageExpunge)) (MAILBOXES (Drafts Sent) (MessageNew MessageExpunge))', tagged('b'));
    // The STATUS indicator: each watched mailbox other than the selected one, with what MessageNew needs.
    expect(set).toMatch(/^\* STATUS Drafts \(MESSAGES 0 UIDNEXT 1 UIDVALIDITY \d+\)\r\n\* STATUS Sent \(MESSAGES 0 UIDNEXT 1 UIDVALIDITY \d+\)\r\nb OK NOTIFY completed/);
    const other = await login();
    await append(other, 'c', 'INBOX', 'for the selected one');
    // Nothing was asked: the watcher hears it anyway.
    expect(await watcher.until(/\)\r\n$/)).toMatch(/^\* 4 EXISTS\r\n(\* \d+ RECENT\r\n)?\* 4 FETCH \(UID 4 BODY\[HEADER\.FIELDS \(SUBJECT\)\] \{\d+\}\r\nSubject: for the selected one\r\n\r\n\)\r\n$/);
    await append(other, 'd', 'Sent', 'elsewhere');
    expect(await watcher.until(/\r\n$/)).toBe('* STATUS Sent (MESSAGES 1 UIDNEXT 2)\r\n');
    await append(other, 'e', 'Trash', 'not watched');
    expect(await watcher.command('f NOOP', tagged('f'))).toBe('f OK NOOP completed\r\n');
  });

  it('adds MODSEQ to the FETCH data MessageNew sends once CONDSTORE is on', async () => {
    const watcher = await login();
    await watcher.command('a ENABLE CONDSTORE', tagged('a'));
    await watcher.command('b SELECT INBOX', tagged('b'));
    await watcher.command('c NOTIFY SET (SELECTED (MessageNew (UID FLAGS) MessageExpunge))', tagged('c'));
    const other = await login();
    await append(other, 'd', 'INBOX', 'numbered');
    expect(await watcher.until(/\)\r\n$/)).toMatch(/^\* 4 EXISTS\r\n(\* \d+ RECENT\r\n)?\* 4 FETCH \(UID 4 FLAGS \([^)]*\) MODSEQ \(\d+\)\)\r\n$/);
  });

  it('reports mailboxes and subscriptions another session changes, as LIST', async () => {
    const watcher = await login();
    await watcher.command('a NOTIFY SET (PERSONAL (MailboxName SubscriptionChange))', tagged('a'));
    const other = await login();
    await other.command('b CREATE Projects.2026', tagged('b'));
    // The new mailbox and its direct parent, which exists only as a level.
    expect(await watcher.until(/Projects\r\n$/)).toBe('* LIST (\\HasNoChildren) "." Projects.2026\r\n* LIST (\\NonExistent \\HasChildren) "." Projects\r\n');
    await other.command('c SUBSCRIBE Projects.2026', tagged('c'));
    expect(await watcher.until(/\r\n$/)).toBe('* LIST (\\Subscribed \\HasNoChildren) "." Projects.2026\r\n');
    await other.command('d RENAME Projects.2026 Archive', tagged('d'));
    expect(await watcher.until(/\r\n$/)).toBe('* LIST (\\HasNoChildren) "." Archive ("OLDNAME" (Projects.2026))\r\n');
    await other.command('e DELETE Archive', tagged('e'));
    expect(await watcher.until(/\r\n$/)).toBe('* LIST (\\NonExistent) "." Archive\r\n');
    // Its own changes are not echoed back to it.
    expect(await watcher.command('f CREATE Mine', tagged('f'))).toMatch(/^f OK CREATE completed/);
  });

  it('tells an IDLE client about mail smtplib delivered to INBOX, and holds expunges back for SELECTED-DELAYED', async () => {
    const watcher = await login();
    await watcher.command('a SELECT Drafts', tagged('a'));
    await watcher.command('b NOTIFY SET (SELECTED-DELAYED (MessageNew MessageExpunge)) (INBOXES (MessageNew MessageExpunge))', tagged('b'));
    watcher.send('c IDLE\r\n');
    await watcher.until(/^\+ /m);
    const sent = await python(
      `import smtplib
s = smtplib.SMTP('127.0.0.1', P['port'])
s.sendmail('bob@example.com', ['alice@example.com'], 'Subject: delivered\\r\\n\\r\\nhi\\r\\n')
s.quit()`,
      { port: lab.port('smtp') },
    );
    expect(sent.code).toBe(0);
    expect(await watcher.until(/^\* STATUS INBOX [^\r\n]*\r\n/m, 10_000)).toMatch(/^\* STATUS INBOX \(MESSAGES 4 UIDNEXT 5\)\r\n$/);
    watcher.send('DONE\r\n');
    await watcher.until(tagged('c'));
    const other = await login();
    await append(other, 'd', 'Drafts', 'draft');
    expect(await watcher.until(/\r\n$/)).toMatch(/^\* 1 EXISTS\r\n/);
    await other.command('e SELECT Drafts', tagged('e'));
    await other.command('f STORE 1 +FLAGS (\\Deleted)', tagged('f'));
    await other.command('g EXPUNGE', tagged('g'));
    // SELECTED-DELAYED: the EXPUNGE waits for a command that may carry it.
    expect(await watcher.command('h NOOP', tagged('h'))).toMatch(/\* 1 EXPUNGE\r\n(\* \d+ RECENT\r\n)?h OK/);
  });

  it('gives with STATUS what each event needs, and tells of flag changes: FETCH FLAGS when selected, STATUS elsewhere', async () => {
    const watcher = await login();
    // With CONDSTORE a flag change is told by HIGHESTMODSEQ, without it by the count of unseen messages.
    const condstore = / CONDSTORE /.test(await watcher.command('a CAPABILITY', tagged('a')));
    // The initial STATUS of imaptest's "notify" group, one event at a time.
    expect(await watcher.command('b NOTIFY SET STATUS (MAILBOXES Sent (MessageExpunge))', tagged('b'))).toMatch(/^\* STATUS Sent \(MESSAGES 0\)\r\nb OK/);
    expect(await watcher.command('c NOTIFY SET STATUS (MAILBOXES Sent (MessageNew))', tagged('c'))).toMatch(/^\* STATUS Sent \(MESSAGES 0 UIDNEXT 1 UIDVALIDITY \d+\)\r\nc OK/);
    expect(await watcher.command('d NOTIFY SET STATUS (MAILBOXES Sent (FlagChange))', tagged('d'))).toMatch(
      condstore ? /^\* STATUS Sent \(UIDVALIDITY \d+ HIGHESTMODSEQ \d+\)\r\nd OK/ : /^\* STATUS Sent \(UIDVALIDITY \d+\)\r\nd OK/,
    );
    // Without the STATUS indicator, nothing before the OK.
    expect(await watcher.command('e NOTIFY SET (MAILBOXES Sent (MessageNew MessageExpunge FlagChange))', tagged('e'))).toMatch(/^e OK/);

    await watcher.command('f SELECT INBOX', tagged('f'));
    await watcher.command('g NOTIFY SET (SELECTED (MessageNew MessageExpunge FlagChange)) (MAILBOXES Sent (MessageNew MessageExpunge FlagChange))', tagged('g'));
    const other = await login();
    await append(other, 'h', 'Sent', 'kept');
    expect(await watcher.until(/\r\n$/)).toBe('* STATUS Sent (MESSAGES 1 UIDNEXT 2)\r\n');
    await other.command('i SELECT Sent', tagged('i'));
    await other.command('j STORE 1 +FLAGS (\\Seen)', tagged('j'));
    expect(await watcher.until(/\r\n$/)).toMatch(condstore ? /^\* STATUS Sent \(UIDVALIDITY \d+ HIGHESTMODSEQ \d+\)\r\n$/ : /^\* STATUS Sent \(UNSEEN 0\)\r\n$/);
    await other.command('k SELECT INBOX', tagged('k'));
    await other.command('l STORE 2 +FLAGS (\\Flagged)', tagged('l'));
    expect(await watcher.until(/\r\n$/)).toMatch(/^\* 2 FETCH \((UID 2 )?FLAGS \([^)]*\\Flagged[^)]*\)\)\r\n$/);
    // After NOTIFY NONE a flag change still reaches the client, with its next command.
    await watcher.command('m NOTIFY NONE', tagged('m'));
    await other.command('n STORE 2 -FLAGS (\\Flagged)', tagged('n'));
    expect(await watcher.command('o NOOP', tagged('o'))).toMatch(/^\* 2 FETCH \((UID 2 )?FLAGS \((\\Recent)?\)\)\r\no OK/);
  });

  it('refuses events it cannot report with NO [BADEVENT], listing the ones it can; NONE stops the pushes', async () => {
    const c = await login();
    expect(await c.command('a NOTIFY SET (PERSONAL (MessageNew MessageExpunge AnnotationChange))', tagged('a'))).toMatch(
      /^a NO \[BADEVENT \(MessageNew MessageExpunge FlagChange MailboxName SubscriptionChange\)\] This server cannot report AnnotationChange/,
    );
    expect(await c.command('b NOTIFY SET (SELECTED (MailboxName))', tagged('b'))).toMatch(/^b BAD MailboxName is not a message event/);
    expect(await c.command('c NOTIFY SET (SELECTED (MessageNew)) (SELECTED-DELAYED (MessageNew))', tagged('c'))).toMatch(/^c BAD Name SELECTED or SELECTED-DELAYED only once/);
    await c.command('d NOTIFY SET (PERSONAL (MessageNew MessageExpunge))', tagged('d'));
    expect(await c.command('e NOTIFY NONE', tagged('e'))).toMatch(/^e OK/);
    const other = await login();
    await append(other, 'f', 'Sent', 'unheard');
    expect(await c.command('g NOOP', tagged('g'))).toBe('g OK NOOP completed\r\n');
  });
});
