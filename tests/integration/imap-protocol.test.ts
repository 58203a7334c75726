/**
 * The IMAP server over a raw socket: scripted lines, checked transcripts. Covers the replies
 * a learner reads, the bad-input list of issue 3, and live updates between sessions, POP3,
 * SMTP and the files on disk.
 */
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { python } from '../helpers/clients.js';
import { startTestLab, type TestLab } from '../helpers/lab.js';
import { listMaildir, maildirPath } from '../helpers/maildir.js';
import { imapTagged, RawClient } from '../helpers/rawSocket.js';

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
  // Every test starts from the seeded mailboxes.
  await lab.sandboxes.reset('default');
});

const tagged = imapTagged;

async function connect(port = lab.port('imap'), tls = false): Promise<RawClient> {
  const c = await RawClient.open(port, tls);
  open.push(c);
  await c.until(/^\* OK [^\r\n]*\r\n/m);
  return c;
}

async function login(user = 'alice@example.com'): Promise<RawClient> {
  const c = await connect();
  await send(c, `l1 LOGIN ${user} secret`);
  return c;
}

/** Sends one command line and returns the transcript up to its tagged reply. */
function send(c: RawClient, line: string): Promise<string> {
  return c.command(line, tagged(line.split(' ')[0]!));
}

const aliceInbox = (): string => maildirPath(lab.dataDir, 'default', 'alice@example.com');

/**
 * A folder's index, index log and cache files, and the temporary files they are rewritten
 * through: the lab writes them in the background a second after earlier commands, so in the
 * mailbox under test they may appear meanwhile. The names are exact, so a traversal that writes
 * anything else, or these names anywhere but in that mailbox, still shows.
 */
const BACKGROUND_WRITE = /^maillab-(index|index\.log|cache)(\.\d+\.\d+\.tmp)?$/;

/** Every path under a directory, but for the background writes of `mailbox`'s folders. */
async function allPaths(dir: string, mailbox: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    const parent = entry.parentPath ?? (entry as unknown as { path: string }).path;
    if (BACKGROUND_WRITE.test(entry.name) && (parent === mailbox || parent.startsWith(`${mailbox}/`))) continue;
    out.push(join(parent, entry.name));
  }
  return out.sort();
}

describe('greeting, capabilities and learner-readable errors', () => {
  it('greets with capabilities; STARTTLS and plaintext AUTH on 143 from loopback, neither STARTTLS on 993', async () => {
    const c = await RawClient.open(lab.port('imap'));
    open.push(c);
    const greeting = await c.until(/\r\n/);
    expect(greeting).toMatch(/^\* OK \[CAPABILITY IMAP4rev1 [^\]]*STARTTLS[^\]]*AUTH=PLAIN AUTH=LOGIN\] .*a1 LOGIN/);
    const caps = await send(c, 'a1 CAPABILITY');
    for (const cap of ['IDLE', 'UIDPLUS', 'MOVE', 'NAMESPACE', 'ID', 'ENABLE', 'SPECIAL-USE', 'LITERAL+', 'UNSELECT', 'CHILDREN', 'SASL-IR']) expect(caps).toContain(` ${cap}`);
    expect(caps).not.toContain('LOGINDISABLED');
    const tls = await connect(lab.port('imaps'), true);
    expect(await send(tls, 'a1 CAPABILITY')).not.toContain('STARTTLS');
  });

  it('says how to fix a missing argument, an unknown command and a wrong state', async () => {
    const c = await connect();
    expect(await send(c, 'a1 FETCH 1 FLAGS')).toMatch(/^a1 BAD FETCH needs you to log in first\. Try: a1 LOGIN alice@example\.com secret\r\n/m);
    await send(c, 'a2 LOGIN alice@example.com secret');
    expect(await send(c, 'a3 SELECT')).toBe('a3 BAD Missing mailbox name. Try: a3 SELECT INBOX\r\n');
    expect(await send(c, 'a4 FROBNICATE')).toMatch(/^a4 BAD Unknown command "FROBNICATE"\. Commands are: CAPABILITY, NOOP/);
    expect(await send(c, 'a5 FETCH 1 FLAGS')).toMatch(/^a5 BAD .*none is selected.*Try: a5 SELECT INBOX/);
    expect(await send(c, 'a6 LOGIN alice@example.com secret')).toMatch(/^a6 BAD LOGIN is only allowed before login/);
    await send(c, 'a7 SELECT INBOX');
    expect(await send(c, 'a8 FETCH 1 (FLAGS')).toMatch(/^a8 BAD Missing "\)"/);
    expect(await send(c, 'a9 FETCH 1 (FLAGS BOGUS)')).toMatch(/^a9 BAD Unknown data item "BOGUS"\. Items are FLAGS.*Try: a9 FETCH 1/);
  });

  it('answers a command without a tag with an untagged BAD that explains tags', async () => {
    const c = await connect();
    expect(await c.command('LOGIN alice@example.com secret', /\r\n/)).toBe(
      '* BAD Every IMAP command starts with a tag, a short label of your choice that the reply will carry. Try: a1 LOGIN alice@example.com secret\r\n',
    );
    expect(await c.command('CAPABILITY', /\r\n/)).toMatch(/^\* BAD Every IMAP command starts with a tag.*Try: a1 CAPABILITY\r\n$/);
    expect(await c.command('', /\r\n/)).toMatch(/^\* BAD Empty line/);
    // Without its tag, UID FETCH must not run as a sequence-number FETCH tagged "UID".
    expect(await c.command('UID FETCH 1:* FLAGS', /\r\n/)).toMatch(/^\* BAD Every IMAP command starts with a tag.*Try: a1 UID FETCH 1 \(FLAGS BODY\[HEADER\]\)\r\n$/);
    // The session is still usable.
    expect(await send(c, 'a1 NOOP')).toBe('a1 OK NOOP completed\r\n');
  });

  it('refuses a wrong password with the lab users listed', async () => {
    const c = await connect();
    expect(await send(c, 'a1 LOGIN alice@example.com wrong')).toMatch(/^a1 NO \[AUTHENTICATIONFAILED\] Wrong user name or password\. Lab users are alice@example\.com/);
  });
});

describe('literals', () => {
  it('answers {n} with a continuation and takes {n+} without one', async () => {
    const c = await connect();
    expect(await c.command('a1 LOGIN {17}', /\r\n/)).toMatch(/^\+ Ready for 17 octets/);
    c.send('alice@example.com {6+}\r\nsecret\r\n');
    const reply = await c.until(tagged('a1'));
    expect(reply).toMatch(/^a1 OK \[CAPABILITY [^\]]+\] Logged in as alice@example\.com/);
    expect(reply).not.toContain('+ Ready');
  });
});

describe('bad input', () => {
  it('answers FETCH 1:* in an empty mailbox with no messages, and FETCH 1 with BAD', async () => {
    const c = await login();
    await send(c, 'a1 SELECT Trash');
    expect(await send(c, 'a2 FETCH 1:* FLAGS')).toBe('a2 OK FETCH completed: no messages in that set\r\n');
    expect(await send(c, 'a3 FETCH 1 FLAGS')).toMatch(/^a3 BAD Message 1 does not exist: this mailbox has 0 messages/);
  });

  it('refuses a {4294967296} literal at once, without "+" and without waiting for data', async () => {
    const c = await login();
    const reply = await send(c, 'a1 APPEND INBOX {4294967296}');
    expect(reply).toMatch(/^a1 NO \[TOOBIG\] Literal of 4294967296 octets is too large/);
    expect(reply).not.toContain('+ ');
    expect(await send(c, 'a2 NOOP')).toBe('a2 OK NOOP completed\r\n');
  });

  it('limits literals of ordinary commands to a small size', async () => {
    const c = await login();
    expect(await send(c, 'a1 SELECT {100000}')).toMatch(/^a1 NO \[TOOBIG\].*at most 65536 octets/);
  });

  it('answers a name that is not modified UTF-7 as Dovecot does: NO to SELECT, nothing listed', async () => {
    const c = await login();
    expect(await send(c, 'a1 SELECT &Jjo')).toMatch(/^a1 NO \[CANNOT\] Mailbox name "&Jjo" is not valid modified UTF-7/);
    expect(await send(c, 'a2 STATUS "caf\u00e9" (MESSAGES)')).toMatch(/^a2 NO \[CANNOT\] Mailbox name .* must be written in modified UTF-7/);
    expect(await send(c, "a3 LIST \"\" !#$&'+,-.0123456789:;<=>?@^_`|[}%*")).toBe('a3 OK LIST completed: that name is not valid modified UTF-7, so no mailbox matches\r\n');
    expect(await send(c, 'a4 LSUB "" &Jjo*')).toMatch(/^a4 OK LSUB completed/);
    expect(await send(c, 'a5 NOOP')).toBe('a5 OK NOOP completed\r\n');
  });

  it('refuses NUL bytes and deeply nested parentheses', async () => {
    const c = await login();
    await send(c, 'a0 SELECT INBOX');
    expect(await c.command('a1 NOOP\0x', tagged('a1'))).toMatch(/^a1 BAD NUL bytes are not allowed/);
    expect(await send(c, `a2 SEARCH ${'('.repeat(200)}ALL${')'.repeat(200)}`)).toMatch(/^a2 BAD Parentheses nested too deeply/);
    expect(await send(c, `a3 FETCH 1 ${'('.repeat(5000)}`)).toMatch(/^a3 BAD Parentheses nested too deeply/);
  });

  it.each([
    ['FETCH 0 FLAGS', /BAD Invalid message set "0": message numbers start at 1/],
    ['FETCH 1:x FLAGS', /BAD Invalid message set "1:x"/],
    ['FETCH 1,,2 FLAGS', /BAD Invalid message set/],
    ['FETCH 4294967296 FLAGS', /BAD Invalid message set/],
    ['FETCH 99 FLAGS', /BAD Message 99 does not exist: this mailbox has 3 messages \(1 to 3\)\. Try: t FETCH 1:3 FLAGS/],
    ['STORE 7 +FLAGS (\\Seen)', /BAD Message 7 does not exist/],
    ['FETCH "1" FLAGS', /BAD The message set must be numbers/],
    ['FETCH 5:* UID', /^\* 3 FETCH \(UID 3\)\r\nt OK FETCH completed/], // valid: n:* always includes the last
  ])('answers the sequence set in %s', async (command, reply) => {
    const c = await login();
    await send(c, 't0 SELECT INBOX');
    expect(await send(c, `t ${command}`)).toMatch(reply);
  });

  it('never touches anything outside the Maildir for traversal names', async () => {
    const c = await login();
    await send(c, 'a0 SELECT INBOX');
    const before = await allPaths(lab.dataDir, aliceInbox());
    const escape = `/tmp/maillab-escape-${process.pid}`;
    const replies = [
      await send(c, 'a1 SELECT ../../etc'),
      await send(c, 'a2 CREATE a/../../b'),
      await send(c, `a3 CREATE ${escape}`),
      await send(c, 'a4 CREATE "&AC8-etc"'), // "/etc" hidden in modified UTF-7
      await send(c, 'a5 CREATE ..'),
      await send(c, 'a6 STATUS ~root (MESSAGES)'),
      await send(c, 'a7 DELETE ../alice'),
      await send(c, 'a8 RENAME Trash ../../../evil'),
      await send(c, 'a9 SUBSCRIBE ../x'),
      await c.command('b1 APPEND ../../x {5+}\r\nhello', tagged('b1')),
      await send(c, 'b2 SELECT INBOX'),
      await send(c, 'b3 COPY 1 ../../x'),
      await send(c, 'b4 MOVE 1 /etc'),
      await send(c, 'b5 LIST "../../" "*"'),
    ];
    for (const reply of replies.slice(0, 10)) expect(reply).toMatch(/^\w+ (NO|BAD) /m);
    expect(replies[0]).toMatch(/NO \[CANNOT\] Invalid folder name "\.\.\/\.\.\/etc"/);
    expect(replies[3]).toMatch(/NO \[CANNOT\] Mailbox name "&AC8-etc" is not valid modified UTF-7/);
    expect(replies[11]).toMatch(/^b3 NO \[CANNOT\]/m);
    expect(replies[12]).toMatch(/^b4 NO \[CANNOT\]/m);
    expect(replies[13]).toBe('b5 OK LIST completed: no mailbox matches "../../*". Try: LIST "" "*"\r\n');
    expect(await allPaths(lab.dataDir, aliceInbox())).toEqual(before);
    expect(existsSync(escape)).toBe(false);
  });

  it('keeps serving other sessions while one sends an unterminated literal and leaves', async () => {
    const bad = await login();
    expect(await bad.command('a1 APPEND INBOX {1000}', /\r\n/)).toMatch(/^\+ Ready/);
    bad.send('only a little');
    const other = await login('bob@example.com');
    expect(await send(other, 'b1 SELECT INBOX')).toMatch(/\* 3 EXISTS/);
    bad.close();
    expect(await send(other, 'b2 NOOP')).toBe('b2 OK NOOP completed\r\n');
    // Nothing half-received was stored.
    const files = await listMaildir(aliceInbox());
    expect(files.new.length + files.cur.length).toBe(3);
  });
});

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
    expect(fetched).toMatch(/^\* 2 FETCH \(BODY\[TEXT\] \{\d+\}\r\n[\s\S]*FLAGS \(\\Seen \\Recent\)\)\r\n/);
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
    const inbox = maildirPath(lab.dataDir, 'default', 'alice@example.com');
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
    const sent = await listMaildir(maildirPath(lab.dataDir, 'default', 'alice@example.com', 'Sent'));
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
    expect(move).toMatch(/^\* OK \[COPYUID \d+ 1,3 3:4\] Moved to "Trash"\r\n\* 1 EXPUNGE\r\n\* 2 EXPUNGE\r\na3 OK MOVE completed/);
    expect(await send(c, 'a4 FETCH 1:* UID')).toBe('* 1 FETCH (UID 2)\r\na4 OK FETCH completed\r\n');
    expect(await send(c, 'a5 STATUS Trash (MESSAGES UIDNEXT)')).toContain('* STATUS Trash (MESSAGES 4 UIDNEXT 5)');
    expect(await send(c, 'a6 COPY 1 Missing')).toMatch(/^a6 NO \[TRYCREATE\]/);
  });

  it('expunges only \\Deleted messages, and UID EXPUNGE only those in its set', async () => {
    const c = await login();
    await send(c, 'a1 SELECT INBOX');
    await send(c, 'a2 STORE 1:3 +FLAGS.SILENT (\\Deleted)');
    expect(await send(c, 'a3 UID EXPUNGE 2')).toBe('* 2 EXPUNGE\r\na3 OK EXPUNGE completed: 1 message removed\r\n');
    expect(await send(c, 'a4 EXPUNGE')).toBe('* 1 EXPUNGE\r\n* 1 EXPUNGE\r\na4 OK EXPUNGE completed: 2 messages removed\r\n');
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
    expect(existsSync(maildirPath(lab.dataDir, 'default', 'alice@example.com', 'Old.2024'))).toBe(true);
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
    expect(existsSync(maildirPath(lab.dataDir, 'default', 'alice@example.com', '日本語'))).toBe(true);
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
    expect(await send(c, 'a1 LSUB "" "*"')).toBe('* LSUB () "." INBOX\r\n* LSUB () "." Drafts\r\n* LSUB () "." Sent\r\n* LSUB () "." Trash\r\na1 OK LSUB completed\r\n');
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
    expect(await send(watcher, 'a2 NOOP')).toBe('* 2 FETCH (UID 2 FLAGS (\\Flagged \\Recent))\r\na2 OK NOOP completed\r\n');
  });

  it('reports a POP3 deletion as EXPUNGE, but not during FETCH, STORE or SEARCH (RFC 3501 §7.4.1)', async () => {
    const c = await login();
    await send(c, 'a1 SELECT INBOX');
    const pop = await python(
      `import poplib\np = poplib.POP3('127.0.0.1', P['port'], timeout=10)\np.user('alice@example.com'); p.pass_('secret')\np.dele(2)\nprint(p.quit().decode())`,
      { port: lab.port('pop3') },
    );
    expect(pop.stdout).toMatch(/^\+OK .*deleted: 1/);
    const fetch = await send(c, 'a2 FETCH 1:3 UID');
    expect(fetch).not.toMatch(/^\* \d+ EXPUNGE/m);
    // As Dovecot does: what is known of the expunged message is answered, and the command succeeds.
    expect(fetch).toBe('* 1 FETCH (UID 1)\r\n* 2 FETCH (UID 2)\r\n* 3 FETCH (UID 3)\r\na2 OK [EXPUNGEISSUED] FETCH completed; some messages were already expunged by another session. Send NOOP to see which\r\n');
    expect(await send(c, 'a2b FETCH 2 (FLAGS BODY.PEEK[HEADER])')).toMatch(/^\* 2 FETCH \(FLAGS \(\\Recent\) BODY\[HEADER\] NIL\)\r\na2b OK \[EXPUNGEISSUED\]/);
    expect(await send(c, 'a2c STORE 2 +FLAGS (\\Flagged)')).toBe('a2c OK STORE completed\r\n');
    expect(await send(c, 'a3 SEARCH ALL')).toBe('* SEARCH 1 3\r\na3 OK SEARCH completed (2 matching)\r\n');
    expect(await send(c, 'a4 NOOP')).toBe('* 2 EXPUNGE\r\na4 OK NOOP completed\r\n');
    expect(await send(c, 'a5 FETCH 2 UID')).toBe('* 2 FETCH (UID 3)\r\na5 OK FETCH completed\r\n');
  });

  it('tells an IDLE session at once about SMTP deliveries and expunges by another session', async () => {
    const idler = await login();
    await send(idler, 'a1 SELECT INBOX');
    expect(await idler.command('a2 IDLE', /\r\n/)).toMatch(/^\+ idling/);
    const smtp = await python(
      `import smtplib\ns = smtplib.SMTP('127.0.0.1', P['port'], timeout=10)\ns.sendmail('bob@example.com', ['alice@example.com'], b'Subject: ping\\r\\n\\r\\nwake up\\r\\n')\ns.quit()\nprint('sent')`,
      { port: lab.port('smtp') },
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
    await lab.sandboxes.reset('default');
    expect(await c.until(/\* BYE [^\r\n]*\r\n/)).toMatch(/\* BYE Your lab sandbox was reset/);
    await c.waitClosed();
  });
});

describe('AUTHENTICATE', () => {
  const plain = Buffer.from('\0alice@example.com\0secret').toString('base64');

  it('accepts PLAIN with an initial response (SASL-IR) and after a continuation', async () => {
    const a = await connect();
    expect(await send(a, `a1 AUTHENTICATE PLAIN ${plain}`)).toMatch(/^a1 OK \[CAPABILITY [^\]]+\] Logged in as alice@example\.com/);
    const b = await connect();
    expect(await b.command('b1 AUTHENTICATE PLAIN', /\r\n/)).toBe('+ \r\n');
    expect(await b.command(plain, tagged('b1'))).toMatch(/^b1 OK/);
  });

  it('accepts LOGIN, and lets the client cancel with *', async () => {
    const a = await connect();
    expect(await a.command('a1 AUTHENTICATE LOGIN', /\r\n/)).toBe('+ VXNlcm5hbWU6\r\n');
    expect(await a.command(Buffer.from('bob@example.com').toString('base64'), /\r\n/)).toBe('+ UGFzc3dvcmQ6\r\n');
    expect(await a.command(Buffer.from('secret').toString('base64'), tagged('a1'))).toMatch(/^a1 OK .*Logged in as bob@example\.com/);
    const b = await connect();
    await b.command('b1 AUTHENTICATE PLAIN', /\r\n/);
    expect(await b.command('*', tagged('b1'))).toBe('b1 BAD Authentication cancelled\r\n');
    expect(await send(b, 'b2 AUTHENTICATE CRAM-MD5')).toMatch(/^b2 NO \[CANNOT\] Unsupported mechanism CRAM-MD5/);
  });
});

describe('shutdown', () => {
  it('says BYE to every session, also one in IDLE, when the lab stops', async () => {
    const own = await startTestLab();
    try {
      const plain = await RawClient.open(own.port('imap'));
      const idling = await RawClient.open(own.port('imaps'), true);
      for (const c of [plain, idling]) {
        await c.until(/\r\n/);
        await c.command('a1 LOGIN bob@example.com secret', tagged('a1'));
        await c.command('a2 SELECT INBOX', tagged('a2'));
      }
      expect(await idling.command('a3 IDLE', /\r\n/)).toMatch(/^\+ /);
      await own.stop();
      for (const c of [plain, idling]) {
        expect(await c.until(/\* BYE [^\r\n]*\r\n/)).toMatch(/\* BYE MailLab is shutting down/);
        await c.waitClosed();
      }
    } finally {
      await own.dispose();
    }
  });
});
