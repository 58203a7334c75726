/**
 * The IMAP server over a raw socket, and the Maildir behind it: what each command leaves on
 * disk (new/ to cur/, flags and keywords in file names, APPEND, COPY, MOVE, EXPUNGE) and the
 * folders it creates, renames, subscribes and lists.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { imapScript } from '../helpers/imapScript.js';
import { useLabFile } from '../helpers/labFile.js';
import { listMaildir, maildirPath } from '../helpers/maildir.js';
import { imapTagged, type RawClient } from '../helpers/rawSocket.js';

const { lab } = useLabFile({ reseed: true, afterEach: () => closeAll() });
const { login, send, closeAll } = imapScript(lab);
const tagged = imapTagged;

const aliceInbox = (): string => maildirPath(lab().dataDir, 'default', 'alice@example.com');

describe('mailbox state, flags and the files on disk', () => {
  it('reports \\Recent to the first read-write session only and moves new/ to cur/', async () => {
    expect((await listMaildir(aliceInbox())).new).toHaveLength(3);
    const examine = await login();
    expect(await send(examine, 'a1 EXAMINE INBOX')).toMatch(/\* 3 RECENT[\s\S]*a1 OK \[READ-ONLY\]/);
    expect((await listMaildir(aliceInbox())).new).toHaveLength(3);
    const first = await login();
    expect(await send(first, 'a1 SELECT INBOX')).toMatch(/\* 3 EXISTS\r\n\* 3 RECENT\r\n\* OK \[UNSEEN 1\][\s\S]*\* OK \[UIDVALIDITY \d+\][\s\S]*\* OK \[UIDNEXT 4\][\s\S]*a1 OK \[READ-WRITE\]/);
    expect(await send(first, 'a2 FETCH 1 FLAGS')).toContain('* 1 FETCH (FLAGS (\\Recent))');
    const second = await login();
    expect(await send(second, 'a1 SELECT INBOX')).toContain('* 0 RECENT');
    expect(await send(second, 'a2 SEARCH RECENT')).toContain('* SEARCH\r\n');
    // The files follow a moment after the reply (noticedMoves.ts).
    await expect.poll(async () => (await listMaildir(aliceInbox())).new).toHaveLength(0);
    expect((await listMaildir(aliceInbox())).cur).toHaveLength(3);
  });

  it('puts a flag set over IMAP into the file name, and a non-PEEK fetch sets \\Seen with FLAGS in the reply', async () => {
    const c = await login();
    await send(c, 'a1 SELECT INBOX');
    expect(await send(c, 'a2 STORE 1 +FLAGS (\\Flagged \\Answered)')).toContain('* 1 FETCH (FLAGS (\\Answered \\Flagged \\Recent))');
    const fetched = await send(c, 'a3 FETCH 2 BODY[TEXT]');
    // The FLAGS before the literal, as Dovecot writes them (imap-dovecot-parity-order.test.ts).
    expect(fetched).toMatch(/^\* 2 FETCH \(FLAGS \(\\Seen \\Recent\) BODY\[TEXT\] \{\d+\}\r\n[\s\S]*\)\r\n/);
    expect(await send(c, 'a4 FETCH 3 BODY.PEEK[HEADER]')).not.toContain('\\Seen');
    // Message 3, only noticed, follows the other two into cur/ a moment after.
    await expect.poll(async () => (await listMaildir(aliceInbox())).cur).toHaveLength(3);
    const cur = (await listMaildir(aliceInbox())).cur;
    expect(cur.filter((f) => f.endsWith(':2,FR'))).toHaveLength(1);
    expect(cur.filter((f) => f.endsWith(':2,S'))).toHaveLength(1);
    expect(cur.filter((f) => f.endsWith(':2,'))).toHaveLength(1);
  });

  it('keeps EXAMINE read-only: no \\Seen, STORE refused', async () => {
    const c = await login();
    await send(c, 'a1 EXAMINE INBOX');
    expect(await send(c, 'a2 FETCH 1 BODY[]')).not.toContain('\\Seen');
    expect(await send(c, 'a3 STORE 1 +FLAGS (\\Seen)')).toMatch(/^a3 NO \[READ-ONLY\]/m);
    expect((await listMaildir(aliceInbox())).new).toHaveLength(3);
  });

  it('keeps keywords in the file name and dovecot-keywords, announcing new ones in FLAGS; refuses unknown system flags', async () => {
    const c = await login();
    expect(await send(c, 'a1 SELECT INBOX')).toMatch(/\* OK \[PERMANENTFLAGS \(\\Answered \\Flagged \\Deleted \\Seen \\Draft \\\*\)\]/);
    expect(await send(c, 'a2 STORE 1 +FLAGS ($Forwarded \\Seen)')).toBe(
      '* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft $Forwarded)\r\n' +
        '* OK [PERMANENTFLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft $Forwarded \\*)] Flags permitted\r\n' +
        '* 1 FETCH (FLAGS (\\Seen \\Recent $Forwarded))\r\na2 OK STORE completed\r\n',
    );
    const inbox = maildirPath(lab().dataDir, 'default', 'alice@example.com');
    expect(await readFile(join(inbox, 'dovecot-keywords'), 'utf8')).toBe('0 $Forwarded\n');
    expect((await listMaildir(inbox)).cur.filter((f) => f.endsWith(':2,Sa'))).toHaveLength(1);
    expect(await send(c, 'a3 STORE 1 +FLAGS (\\Bogus)')).toMatch(/^a3 BAD \\Bogus is not a system flag\. The system flags are \\Answered \\Flagged \\Deleted \\Seen \\Draft/);
    expect(await send(c, 'a4 STORE 1 FLAGS.SILENT (\\Draft $forwarded)')).toBe('a4 OK STORE completed\r\n');
    expect(await send(c, 'a5 UID STORE 1 -FLAGS (\\Draft $FORWARDED)')).toBe('* 1 FETCH (UID 1 FLAGS (\\Recent))\r\na5 OK STORE completed\r\n');
  });

  it('appends to Sent as a file in .Sent/cur with APPENDUID, and asks to create missing mailboxes', async () => {
    const c = await login();
    const message = 'From: alice@example.com\r\nTo: bob@example.com\r\nSubject: appended\r\n\r\nhi\r\n';
    expect(await c.command(`a1 APPEND Sent (\\Seen) "05-Sep-2026 12:00:00 +0200" {${message.length}}`, /\r\n/)).toMatch(/^\+ /);
    // The literal ends with the message's own CRLF; one more CRLF ends the command line.
    const reply = await c.command(message, tagged('a1'));
    expect(reply).toMatch(/^a1 OK \[APPENDUID \d+ 1\] APPEND completed/);
    const sent = await listMaildir(maildirPath(lab().dataDir, 'default', 'alice@example.com', 'Sent'));
    expect(sent.cur).toHaveLength(1);
    expect(sent.cur[0]).toMatch(/:2,S$/);
    await send(c, 'a2 SELECT Sent');
    expect(await send(c, 'a3 FETCH 1 (INTERNALDATE RFC822.SIZE)')).toContain(`INTERNALDATE "05-Sep-2026 10:00:00 +0000" RFC822.SIZE ${message.length}`);
    expect(await c.command('a4 APPEND Nowhere {3+}\r\nabc', tagged('a4'))).toMatch(/^a4 NO \[TRYCREATE\] Mailbox "Nowhere" does not exist\. Create it first: a4 CREATE Nowhere/);
    expect(await c.command('a5 APPEND Sent "hello"', tagged('a5'))).toMatch(/^a5 BAD The message must be sent as a literal/);
  });

  it('gives concurrent APPENDs from two sessions distinct UIDs, each reported to its sender', async () => {
    const [a, b] = await Promise.all([login(), login()]);
    const append = async (c: RawClient, tag: string, n: number): Promise<number[]> => {
      const uids: number[] = [];
      for (let i = 0; i < n; i++) {
        const body = `Subject: ${tag} ${i}\r\n\r\n${tag}\r\n`;
        const reply = await c.command(`${tag}${i} APPEND Drafts {${body.length}+}\r\n${body}`, tagged(`${tag}${i}`));
        uids.push(Number(/APPENDUID \d+ (\d+)\]/.exec(reply)![1]));
      }
      return uids;
    };
    const [fromA, fromB] = await Promise.all([append(a, 'x', 10), append(b, 'y', 10)]);
    expect(new Set([...fromA, ...fromB]).size).toBe(20);
    await send(a, 'z1 SELECT Drafts');
    for (const [tag, uids] of [['x', fromA], ['y', fromB]] as const) {
      const reply = await send(a, `z2 UID FETCH ${uids.join(',')} BODY.PEEK[HEADER.FIELDS (SUBJECT)]`);
      for (const [i, uid] of uids.entries()) expect(reply).toContain(`UID ${uid} BODY[HEADER.FIELDS (SUBJECT)] {${`Subject: ${tag} ${i}`.length + 4}}\r\nSubject: ${tag} ${i}\r\n`);
    }
  });

  it('copies with COPYUID and moves with COPYUID before the EXPUNGE responses', async () => {
    const c = await login();
    await send(c, 'a1 SELECT INBOX');
    expect(await send(c, 'a2 COPY 1:2 Trash')).toMatch(/^a2 OK \[COPYUID \d+ 1:2 1:2\] COPY completed/);
    const move = await send(c, 'a3 UID MOVE 1,3 Trash');
    expect(move).toMatch(/^\* OK \[COPYUID \d+ 1,3 3:4\] Moved to "Trash"\r\n\* 3 EXPUNGE\r\n\* 1 EXPUNGE\r\n\* 1 RECENT\r\na3 OK MOVE completed/);
    expect(await send(c, 'a4 FETCH 1:* UID')).toBe('* 1 FETCH (UID 2)\r\na4 OK FETCH completed\r\n');
    expect(await send(c, 'a5 STATUS Trash (MESSAGES UIDNEXT)')).toContain('* STATUS Trash (MESSAGES 4 UIDNEXT 5)');
    expect(await send(c, 'a6 COPY 1 Missing')).toMatch(/^a6 NO \[TRYCREATE\]/);
  });

  it('expunges only \\Deleted messages, and UID EXPUNGE only those in its set', async () => {
    const c = await login();
    await send(c, 'a1 SELECT INBOX');
    await send(c, 'a2 STORE 1:3 +FLAGS.SILENT (\\Deleted)');
    // The \Recent count is told again as it drops, and the highest number goes first, as Dovecot does both.
    expect(await send(c, 'a3 UID EXPUNGE 2')).toBe('* 2 EXPUNGE\r\n* 2 RECENT\r\na3 OK EXPUNGE completed: 1 message removed\r\n');
    expect(await send(c, 'a4 EXPUNGE')).toBe('* 2 EXPUNGE\r\n* 1 EXPUNGE\r\n* 0 RECENT\r\na4 OK EXPUNGE completed: 2 messages removed\r\n');
    const files = await listMaildir(aliceInbox());
    expect(files.new.length + files.cur.length).toBe(0);
  });

  it('removes \\Deleted on CLOSE but not on UNSELECT', async () => {
    const c = await login();
    await send(c, 'a1 SELECT INBOX');
    await send(c, 'a2 STORE 1 +FLAGS.SILENT (\\Deleted)');
    expect(await send(c, 'a3 UNSELECT')).toMatch(/^a3 OK UNSELECT completed/);
    await send(c, 'a4 SELECT INBOX');
    expect(await send(c, 'a5 CLOSE')).toBe('a5 OK CLOSE completed: 1 deleted message removed. No mailbox is selected now\r\n');
    expect(await send(c, 'a6 STATUS INBOX (MESSAGES)')).toContain('(MESSAGES 2)');
  });
});

describe('folders', () => {
  it('creates, lists with CHILDREN and SPECIAL-USE, renames with children, deletes', async () => {
    const c = await login();
    expect(await send(c, 'a1 CREATE Archive.2024')).toMatch(/^a1 OK CREATE completed/);
    expect(await send(c, 'a2 LIST "" %')).toBe(
      [
        '* LIST (\\Noselect \\HasChildren) "." Archive',
        '* LIST (\\HasNoChildren \\Drafts) "." Drafts',
        '* LIST (\\HasNoChildren) "." INBOX',
        '* LIST (\\HasNoChildren \\Sent) "." Sent',
        '* LIST (\\HasNoChildren \\Trash) "." Trash',
        'a2 OK LIST completed',
        '',
      ].join('\r\n').replace(/^(.*Archive\r\n)(.*Drafts\r\n)(.*INBOX\r\n)/, '$3$1$2'),
    );
    expect(await send(c, 'a3 CREATE Archive')).toMatch(/^a3 OK/);
    expect(await send(c, 'a4 LIST "" "Arch*"')).toBe('* LIST (\\HasChildren) "." Archive\r\n* LIST (\\HasNoChildren) "." Archive.2024\r\na4 OK LIST completed\r\n');
    expect(await send(c, 'a5 CREATE Archive')).toMatch(/^a5 NO \[ALREADYEXISTS\]/);
    expect(await send(c, 'a6 RENAME Archive Old')).toMatch(/^a6 OK RENAME completed/);
    expect(await send(c, 'a7 LIST "" "*"')).toMatch(/"\." Old\r\n\* LIST \(\\HasNoChildren\) "\." Old\.2024\r\n/);
    expect(existsSync(maildirPath(lab().dataDir, 'default', 'alice@example.com', 'Old.2024'))).toBe(true);
    expect(await send(c, 'a8 DELETE Old.2024')).toMatch(/^a8 OK DELETE completed/);
    expect(await send(c, 'a9 DELETE INBOX')).toMatch(/^a9 NO \[CANNOT\] INBOX cannot be deleted/);
    expect(await send(c, 'b1 LIST "" ""')).toBe('* LIST (\\Noselect) "." ""\r\nb1 OK LIST completed\r\n');
    // With options an empty pattern matches nothing, as Dovecot 2.3 answers (the text named it ".").
    for (const [tag, command] of [['b2', 'LIST "" "" RETURN (CHILDREN)'], ['b3', 'LIST () "" ""'], ['b4', 'LIST "" ("" "")']]) {
      expect(await send(c, `${tag} ${command}`)).toBe(`${tag} OK LIST completed: an empty pattern matches no mailbox once LIST has options. For the hierarchy delimiter send LIST "" "", for every mailbox LIST "" "*"\r\n`);
    }
    // IMAP4rev2 keeps the plain LIST "" "" (RFC 9051 §6.3.9), though its LIST is the extended one.
    expect(await send(c, 'b5 ENABLE IMAP4rev2')).toMatch(/^\* ENABLED IMAP4rev2\r\nb5 OK/);
    expect(await send(c, 'b6 LIST "" ""')).toBe('* LIST (\\Noselect) "." ""\r\nb6 OK LIST completed\r\n');
    expect(await send(c, 'b7 LIST "" "" RETURN (CHILDREN)')).toMatch(/^b7 OK LIST completed: an empty pattern matches no mailbox/);
  });

  it('matches INBOX case-insensitively also where a pattern only begins it, as Dovecot does', async () => {
    const c = await login();
    const inbox = (tag: string): string => `* LIST (\\HasNoChildren) "." INBOX\r\n${tag} OK LIST completed\r\n`;
    expect(await send(c, 'a1 LIST "" "InB%"')).toBe(inbox('a1'));
    expect(await send(c, 'a2 LIST "" "i*"')).toBe(inbox('a2'));
    expect(await send(c, 'a3 LIST "" "in%x"')).toBe(inbox('a3'));
    expect(await send(c, 'a4 LIST "in" "b%"')).toBe(inbox('a4'));
    expect(await send(c, 'a5 LSUB "" "iNb*"')).toBe('* LSUB () "." INBOX\r\na5 OK LSUB completed\r\n');
    // Other names keep their case: "dr%" lists no Drafts.
    expect(await send(c, 'a6 LIST "" "dr%"')).toMatch(/^a6 OK LIST completed: no mailbox matches "dr%"/);
  });

  it('writes non-ASCII names in modified UTF-7 and keeps them as Unicode on disk', async () => {
    const c = await login();
    expect(await send(c, 'a1 CREATE &ZeVnLIqe-')).toMatch(/^a1 OK/);
    expect(existsSync(maildirPath(lab().dataDir, 'default', 'alice@example.com', '日本語'))).toBe(true);
    expect(await send(c, 'a2 LIST "" "*"')).toContain('* LIST (\\HasNoChildren) "." &ZeVnLIqe-\r\n');
    expect(await send(c, 'a3 SELECT "&ZeVnLIqe-"')).toMatch(/\* 0 EXISTS/);
  });

  it('renames INBOX by moving its messages into a new folder, leaving INBOX empty', async () => {
    const c = await login();
    expect(await send(c, 'a1 RENAME INBOX Old-Inbox')).toMatch(/^a1 OK RENAME completed: INBOX's 3 messages moved to "Old-Inbox"; INBOX is now empty/);
    expect(await send(c, 'a2 STATUS INBOX (MESSAGES)')).toContain('(MESSAGES 0)');
    expect(await send(c, 'a3 SELECT Old-Inbox')).toContain('* 3 EXISTS');
    expect(await send(c, 'a4 CHECK')).toBe('a4 OK CHECK completed\r\n');
    expect(await send(c, 'a5 FETCH 1:3 (FLAGS ENVELOPE)')).toContain('"The port table, as a file"');
    expect(await send(c, 'a6 RENAME Old-Inbox Sent')).toMatch(/^a6 NO \[ALREADYEXISTS\]/);
    expect(await send(c, 'a7 RENAME Missing Other')).toMatch(/^a7 NO \[NONEXISTENT\]/);
  });

  it('keeps subscriptions in a file and answers LSUB', async () => {
    const c = await login();
    expect(await send(c, 'a1 LSUB "" "*"')).toBe('* LSUB () "." INBOX\r\n* LSUB (\\Drafts) "." Drafts\r\n* LSUB (\\Sent) "." Sent\r\n* LSUB (\\Trash) "." Trash\r\na1 OK LSUB completed\r\n');
    await send(c, 'a2 CREATE Lists.maillab');
    await send(c, 'a3 SUBSCRIBE Lists.maillab');
    expect(await send(c, 'a4 LSUB "" "%"')).toContain('* LSUB (\\Noselect) "." Lists\r\n');
    await send(c, 'a5 UNSUBSCRIBE Trash');
    const file = await readFile(join(aliceInbox(), 'subscriptions'), 'utf8');
    expect(file.split('\n')).toEqual(expect.arrayContaining(['INBOX', 'Lists.maillab']));
    expect(file).not.toContain('Trash');
    expect(await send(c, 'a6 UNSUBSCRIBE Trash')).toMatch(/^a6 NO \[NONEXISTENT\] Not subscribed/);
  });

  it('answers NAMESPACE, ID and ENABLE', async () => {
    const c = await login();
    expect(await send(c, 'a1 NAMESPACE')).toBe('* NAMESPACE (("" ".")) NIL NIL\r\na1 OK NAMESPACE completed\r\n');
    expect(await send(c, 'a2 ID ("name" "test")')).toMatch(/^\* ID \("name" "MailLab"/);
    expect(await send(c, 'a3 ID NIL')).toMatch(/a3 OK/);
    // A name without its value is told so (it was told "at most 30 pairs").
    expect(await send(c, 'a3 ID ("name")')).toMatch(/^a3 BAD ID takes "name" "value" pairs: the last name has no value/);
    // Names it does not know are ignored (RFC 5161); one it knows is enabled once.
    expect(await send(c, 'a4 ENABLE X-UNKNOWN')).toBe('* ENABLED\r\na4 OK ENABLE completed: nothing new to enable. This server can enable IMAP4rev2 CONDSTORE QRESYNC\r\n');
    expect(await send(c, 'a5 ENABLE CONDSTORE X-UNKNOWN')).toBe('* ENABLED CONDSTORE\r\na5 OK ENABLE completed: CONDSTORE is on for this session\r\n');
    expect(await send(c, 'a6 ENABLE CONDSTORE')).toMatch(/^\* ENABLED\r\na6 OK ENABLE completed: nothing new/);
  });
});

