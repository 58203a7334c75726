/**
 * The IMAP server over a raw socket: scripted lines, checked transcripts. Covers the replies
 * a learner reads, the bad-input list of issue 3, authentication and shutdown. The mailbox
 * files behind the commands are in imap-mailbox-files.test.ts; SEARCH and live updates
 * between sessions in imap-search-live.test.ts.
 */
import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { imapScript } from '../helpers/imapScript.js';
import { startTestLab } from '../helpers/lab.js';
import { useLabFile } from '../helpers/labFile.js';
import { listMaildir, maildirPath } from '../helpers/maildir.js';
import { imapTagged, RawClient } from '../helpers/rawSocket.js';

const { lab } = useLabFile({ reseed: true, afterEach: () => closeAll() });
const { connect, login, send, keep, closeAll } = imapScript(lab);
const tagged = imapTagged;

const aliceInbox = (): string => maildirPath(lab().dataDir, 'default', 'alice@example.com');

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
    const c = keep(await RawClient.open(lab().port('imap')));
    const greeting = await c.until(/\r\n/);
    expect(greeting).toMatch(/^\* OK \[CAPABILITY IMAP4rev1 [^\]]*STARTTLS[^\]]*AUTH=PLAIN AUTH=LOGIN\] .*a1 LOGIN/);
    const caps = await send(c, 'a1 CAPABILITY');
    for (const cap of ['IDLE', 'UIDPLUS', 'MOVE', 'NAMESPACE', 'ID', 'ENABLE', 'SPECIAL-USE', 'LITERAL+', 'UNSELECT', 'CHILDREN', 'SASL-IR']) expect(caps).toContain(` ${cap}`);
    expect(caps).not.toContain('LOGINDISABLED');
    const tls = await connect(lab().port('imaps'), true);
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

  it('runs a command under UID with UIDs, and words what is wrong with it as the UID command', async () => {
    const c = await connect();
    expect(await send(c, 'u1 UID FETCH 1 FLAGS')).toMatch(/^u1 BAD UID needs you to log in first\. Try: u1 LOGIN /);
    await send(c, 'u2 LOGIN alice@example.com secret');
    expect(await send(c, 'u3 UID FETCH 1 FLAGS')).toMatch(/^u3 BAD UID works on the selected mailbox, and none is selected\. .*Try: u3 SELECT INBOX\r\n$/);
    await send(c, 'u4 SELECT INBOX');
    const uid = Number(/UID (\d+)/.exec(await send(c, 'u5 FETCH 1 UID'))![1]);
    // Numbers are UIDs, and each response names its UID though it was not asked for.
    expect(await send(c, `u6 UID FETCH ${uid} FLAGS`)).toMatch(new RegExp(`^\\* 1 FETCH \\(UID ${uid} FLAGS \\([^)]*\\)\\)\r\nu6 OK`));
    expect(await send(c, 'u7 UID FETCH 1:* (FLAGS BOGUS)')).toMatch(/^u7 BAD Unknown data item "BOGUS"\..*Try: u7 UID FETCH 1 \(FLAGS BODY\[HEADER\]\)\r\n$/);
    expect(await send(c, 'u8 UID STORE 1:*')).toBe('u8 BAD Missing store item. Try: u8 UID STORE 1 +FLAGS (\\Seen)\r\n');
    expect(await send(c, 'u9 UID EXPUNGE x')).toBe('u9 BAD Invalid UID set "x": "x" is not a message number. Try: u9 UID EXPUNGE 1:*\r\n');
    expect(await send(c, 'u9b UID MOVE 1:* Nowhere')).toMatch(/^u9b NO \[TRYCREATE\] Mailbox "Nowhere" does not exist\. Create it first: u9b CREATE Nowhere\r\n$/);
    expect(await send(c, 'u10 uid fetch 1:* (BOGUS)')).toMatch(/^u10 BAD Unknown data item "BOGUS".*Try: u10 UID FETCH/);
    expect(await send(c, 'u11 UID FROB 1')).toMatch(/^u11 BAD Unknown command after UID "FROB": use one of FETCH, SEARCH, SORT, THREAD, STORE, COPY, MOVE, EXPUNGE\. Try: u11 UID FETCH 1:\* FLAGS\r\n$/);
    expect(await send(c, 'u12 UID')).toMatch(/^u12 BAD Missing command after UID\. Try: u12 UID FETCH 1:\* FLAGS\r\n$/);
    expect(await send(c, 'u13 UID (FETCH) 1')).toMatch(/^u13 BAD The command after UID must be a word \(FETCH, .*\)\. Try: u13 UID FETCH 1:\* FLAGS\r\n$/);
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
    const before = await allPaths(lab().dataDir, aliceInbox());
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
    expect(await allPaths(lab().dataDir, aliceInbox())).toEqual(before);
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
