/**
 * QRESYNC (RFC 7162) over raw sockets, two sessions at once: VANISHED instead of EXPUNGE, and
 * SELECT ... (QRESYNC ...) telling a returning client what vanished and what changed, the same
 * after the lab restarts (the modseqs and the expunge history live in the folder index). Then
 * imapflow, a client nobody here wrote, resynchronises INBOX with QRESYNC after another client
 * changed it.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ImapFlow } from 'imapflow';
import { describe, expect, it } from 'vitest';
import { imapScript, inboxSeenOnce, responseCode } from '../helpers/imapScript.js';
import { startTestLab } from '../helpers/lab.js';
import { useLabFile } from '../helpers/labFile.js';
import { maildirPath } from '../helpers/maildir.js';
import { imapLogin, imapTagged, RawClient } from '../helpers/rawSocket.js';

const flows: ImapFlow[] = [];
const { lab, replace } = useLabFile({
  reseed: true,
  beforeEach: (l) => inboxSeenOnce(l.port('imap')),
  afterEach: async () => {
    closeAll();
    for (const c of flows.splice(0)) await c.logout().catch(() => c.close());
  },
});
const { login, closeAll } = imapScript(lab);
const tagged = imapTagged;
const code = responseCode;

describe('QRESYNC', () => {
  it('reports expunges as VANISHED, and a returning client learns what vanished and changed, also after a restart', async () => {
    const a = await login();
    await a.command('a ENABLE QRESYNC', tagged('a'));
    const selected = await a.command('b SELECT INBOX', tagged('b'));
    const validity = code(selected, 'UIDVALIDITY');
    const start = code(selected, 'HIGHESTMODSEQ');
    // EXPUNGE answers with the UIDs (RFC 7162 §3.2.10), never with sequence numbers.
    await a.command('c STORE 1 +FLAGS.SILENT (\\Deleted)', tagged('c'));
    expect(await a.command('d EXPUNGE', tagged('d'))).toMatch(/^\* VANISHED 1\r\nd OK \[HIGHESTMODSEQ \d+\] EXPUNGE completed/);
    // Another session expunges message 3 and flags message 2; a hears VANISHED and a FETCH.
    const b = await login();
    await b.command('a SELECT INBOX', tagged('a'));
    await b.command('b UID STORE 3 +FLAGS.SILENT (\\Deleted)', tagged('b'));
    await b.command('c UID EXPUNGE 3', tagged('c'));
    await b.command('d UID STORE 2 +FLAGS.SILENT (\\Flagged)', tagged('d'));
    const noop = await a.command('e NOOP', tagged('e'));
    expect(noop).toMatch(/^\* VANISHED 3\r\n/m);
    expect(noop).toMatch(/^\* 1 FETCH \(UID 2 MODSEQ \(\d+\) FLAGS \(\\Flagged\)\)\r\n/m);
    expect(noop).not.toMatch(/EXPUNGE\r\n/);
    const appended = 'Subject: later\r\n\r\nhello\r\n';
    await b.command(`f APPEND INBOX {${appended.length}+}\r\n${appended}`, tagged('f'));

    // UID FETCH ... (CHANGEDSINCE n VANISHED): what vanished within the set, then what changed.
    const since = await a.command(`f UID FETCH 1:* (FLAGS) (CHANGEDSINCE ${start} VANISHED)`, tagged('f'));
    expect(since).toMatch(/^\* VANISHED \(EARLIER\) 1,3\r\n/m);
    // (UID 4, appended by b, is not in a's view until a NOOP announces it.)
    expect(since.match(/^\* \d+ FETCH \(UID (\d+)/gm)).toEqual(['* 1 FETCH (UID 2']);
    // Limited to the set asked about.
    expect(await a.command(`g UID FETCH 2:3 (FLAGS) (CHANGEDSINCE ${start} VANISHED)`, tagged('g'))).toMatch(/^\* VANISHED \(EARLIER\) 3\r\n\* 1 FETCH \(UID 2 /);

    async function resync(c: RawClient): Promise<string> {
      const answer = await c.command(`r SELECT INBOX (QRESYNC (${validity} ${start} 1:3))`, tagged('r'));
      expect(answer).toMatch(/^r OK \[READ-WRITE\]/m);
      return answer;
    }
    const again = await resync(a);
    // The previous mailbox is closed first, so the client knows where later responses belong.
    expect(again).toMatch(/^\* OK \[CLOSED\]/);
    expect(again).toMatch(/^\* VANISHED \(EARLIER\) 1,3\r\n/m);
    // Only known UIDs (1:3): UID 4 is new to the client and comes with EXISTS instead.
    expect(again.match(/^\* \d+ FETCH .*$/gm)).toEqual([expect.stringMatching(/^\* 1 FETCH \(UID 2 FLAGS \(\\Flagged\) MODSEQ \(\d+\)\)$/)]);
    expect(again).toMatch(/^\* 2 EXISTS\r\n/m);

    closeAll();
    replace(await lab().restart());
    const back = await login();
    await back.command('a ENABLE QRESYNC', tagged('a'));
    const after = await resync(back);
    expect(after).not.toMatch(/CLOSED/);
    expect(after).toMatch(new RegExp(`\\[UIDVALIDITY ${validity}\\]`));
    expect(after).toMatch(/^\* VANISHED \(EARLIER\) 1,3\r\n/m);
    expect(after.match(/^\* \d+ FETCH .*$/gm)).toEqual([expect.stringMatching(/^\* 1 FETCH \(UID 2 FLAGS \(\\Flagged\) MODSEQ \(\d+\)\)$/)]);
    expect(code(after, 'HIGHESTMODSEQ')).toBe(code(again, 'HIGHESTMODSEQ'));
    // A client with another UIDVALIDITY gets a plain SELECT: no VANISHED, no FETCH.
    const stale = await back.command(`s SELECT INBOX (QRESYNC (${validity + 1} ${start}))`, tagged('s'));
    expect(stale).not.toMatch(/^\* (VANISHED|\d+ FETCH)/m);
    expect(stale).toMatch(/^s OK \[READ-WRITE\]/m);
  });

  it('names every missing UID once the expunge history is forgotten, less what the client\'s sample vouches for', async () => {
    const a = await login();
    await a.command('a ENABLE QRESYNC', tagged('a'));
    for (const [i, subject] of ['four', 'five', 'six'].entries()) {
      const message = `Subject: ${subject}\r\n\r\nhello\r\n`;
      await a.command(`b${i} APPEND INBOX {${message.length}+}\r\n${message}`, tagged(`b${i}`));
    }
    await a.command('c SELECT INBOX', tagged('c'));
    await a.command('d UID STORE 1 +FLAGS.SILENT (\\Deleted)', tagged('d'));
    await a.command('e EXPUNGE', tagged('e'));
    // The client now knows UIDs 2 to 6 as messages 1 to 5, as of this modseq.
    const known = await a.command('f SELECT INBOX', tagged('f'));
    const validity = code(known, 'UIDVALIDITY');
    const modseq = code(known, 'HIGHESTMODSEQ');
    await a.command('g UID STORE 5 +FLAGS.SILENT (\\Deleted)', tagged('g'));
    await a.command('h EXPUNGE', tagged('h'));
    const resync = async (c: RawClient, tag: string, extra: string): Promise<string | undefined> =>
      /^\* VANISHED \(EARLIER\) (\S+)\r\n/m.exec(await c.command(`${tag} SELECT INBOX (QRESYNC (${validity} ${modseq}${extra}))`, tagged(tag)))?.[1];
    // With the history: only UID 5 went after that modseq.
    expect(await resync(a, 'i', '')).toBe('5');
    closeAll();

    // The index forgets old expunges (past 20,000 UIDs); here by hand while the lab is down.
    await lab().stop();
    const indexPath = join(maildirPath(lab().dataDir, 'default', 'alice@example.com'), 'maillab-index');
    const index = await readFile(indexPath, 'utf8');
    await writeFile(indexPath, index.replace(/^X .*\n/gm, '').replace(/ H \d+ /, ` H ${modseq + 1} `));
    replace(await startTestLab({}, lab().dataDir));
    const b = await login();
    await b.command('a ENABLE QRESYNC', tagged('a'));
    // Without it every UID below UIDNEXT that is not there: 1 too, which the client never had.
    expect(await resync(b, 'b', '')).toBe('1,5');
    // The sample (messages 1 and 3 were UIDs 2 and 4) still holds, so nothing up to UID 4 went.
    expect(await resync(b, 'c', ' 1:6 (1:3 2:4)')).toBe('5');
    // A sample that no longer holds (message 5 was UID 6, but there are 4 messages) proves nothing past its first pair.
    expect(await resync(b, 'd', ' 1:6 (1,5 2,6)')).toBe('5');
    expect(await resync(b, 'e', ' 1:6 (5 6)')).toBe('1,5');
  });

  it('numbers a returning client\'s FETCHes as the mailbox is now: after EXISTS and VANISHED (EARLIER), new messages included', async () => {
    const a = await login();
    await a.command('a ENABLE QRESYNC', tagged('a'));
    const known = await a.command('b SELECT INBOX', tagged('b'));
    const validity = code(known, 'UIDVALIDITY');
    const modseq = code(known, 'HIGHESTMODSEQ');
    // While the client is away UID 1 goes and two messages arrive, one of them flagged.
    const b = await login();
    await b.command('a SELECT INBOX', tagged('a'));
    await b.command('b UID STORE 1 +FLAGS.SILENT (\\Deleted)', tagged('b'));
    await b.command('c UID EXPUNGE 1', tagged('c'));
    for (const [i, subject] of ['four', 'five'].entries()) {
      const message = `Subject: ${subject}\r\n\r\nhello\r\n`;
      await b.command(`d${i} APPEND INBOX {${message.length}+}\r\n${message}`, tagged(`d${i}`));
    }
    await b.command('e UID STORE 5 +FLAGS.SILENT (\\Flagged)', tagged('e'));
    const c = await login();
    await c.command('a ENABLE QRESYNC', tagged('a'));
    const answer = (await c.command(`r SELECT INBOX (QRESYNC (${validity} ${modseq}))`, tagged('r'))).split('\r\n');
    const at = (re: RegExp): number => answer.findIndex((l) => re.test(l));
    const exists = Number(/^\* (\d+) EXISTS$/.exec(answer[at(/^\* \d+ EXISTS$/)]!)![1]);
    expect(exists).toBe(4);
    // RFC 7162 §3.2.5.1: VANISHED (EARLIER) before any FETCH, and both after the EXISTS that counts them.
    expect(at(/^\* VANISHED \(EARLIER\) 1$/)).toBeGreaterThan(at(/^\* \d+ EXISTS$/));
    const fetches = answer.filter((l) => /^\* \d+ FETCH/.test(l));
    expect(at(/^\* \d+ FETCH/)).toBeGreaterThan(at(/^\* VANISHED/));
    // Without known UIDs the client is taken to know 1:UIDNEXT-1, so the new messages are
    // reported too (as Dovecot does), each at the number it has in the EXISTS just sent.
    const uids = /^\* SEARCH ([\d ]+)\r$/m.exec(await c.command('s UID SEARCH ALL', tagged('s')))![1]!.split(' ').map(Number);
    expect(uids).toEqual([2, 3, 4, 5]);
    expect(fetches.map((l) => /^\* (\d+) FETCH \(UID (\d+) /.exec(l)!.slice(1).map(Number))).toEqual([
      [3, 4],
      [4, 5],
    ]);
    expect(fetches[1]).toMatch(/FLAGS \(\\Flagged\) MODSEQ/);
  });

  it('reports another session\'s expunge with VANISHED after UID FETCH, UID STORE and UID SEARCH, never during FETCH, STORE or SEARCH', async () => {
    const a = await login();
    await a.command('a ENABLE QRESYNC', tagged('a'));
    await a.command('b SELECT INBOX', tagged('b'));
    const b = await login();
    await b.command('a SELECT INBOX', tagged('a'));
    const expunge = async (uid: number): Promise<void> => {
      await b.command(`x UID STORE ${uid} +FLAGS.SILENT (\\Deleted)`, tagged('x'));
      await b.command(`y UID EXPUNGE ${uid}`, tagged('y'));
    };
    await expunge(2);
    // RFC 3501 §7.4.1: the client is still using sequence numbers; message 2 keeps its number.
    for (const command of ['c FETCH 1:3 (UID)', 'd STORE 3 +FLAGS (\\Seen)', 'e SEARCH ALL']) {
      const reply = await a.command(command, tagged(command[0]!));
      expect(reply).not.toMatch(/VANISHED|EXPUNGE\r\n/);
    }
    // What is no longer known of it is answered as Dovecot does, in the shape each item has (never a bare NIL list).
    const gone = await a.command('c2 FETCH 2 (ENVELOPE BODYSTRUCTURE BODY RFC822.SIZE)', tagged('c2'));
    // RFC822.SIZE first, as Dovecot writes it (imap-dovecot-parity-order.test.ts).
    expect(gone).toMatch(/^\* 2 FETCH \(RFC822\.SIZE \d+ ENVELOPE \(.*\) BODYSTRUCTURE \(.*\) BODY \(.*\)\)\r\nc2 OK \[EXPUNGEISSUED\]/);
    // RFC 7162 §3.2.10: with UIDs the client can take it, as VANISHED after the command's own
    // responses, and the HIGHESTMODSEQ the expunge raised in the OK: UID and FLAGS of the expunged
    // message are a whole answer, no [EXPUNGEISSUED] (as Dovecot says, imap-dovecot-parity-removed).
    const uidFetch = await a.command('f UID FETCH 1:* (FLAGS)', tagged('f'));
    expect(uidFetch).toMatch(/^\* 3 FETCH \(UID 3 FLAGS \(\\Seen\)\)\r\n\* VANISHED 2\r\nf OK \[HIGHESTMODSEQ \d+\] /m);
    expect(await a.command('g FETCH 2 (UID)', tagged('g'))).toMatch(/^\* 2 FETCH \(UID 3\)\r\ng OK/);
    await expunge(3);
    expect(await a.command('h UID STORE 1 +FLAGS.SILENT (\\Flagged)', tagged('h'))).toMatch(/^\* VANISHED 3\r\nh OK/m);
    await expunge(1);
    expect(await a.command('i UID SEARCH ALL', tagged('i'))).toMatch(/^\* SEARCH\r\n\* VANISHED 1\r\ni OK/m);
    expect(await a.command('j NOOP', tagged('j'))).toBe('j OK NOOP completed\r\n');
  });

  it('explains what is wrong with its arguments, and the session goes on', async () => {
    const a = await login();
    expect(await a.command('a SELECT INBOX (QRESYNC (1 1))', tagged('a'))).toMatch(/^a BAD QRESYNC must be enabled first\. Try: a ENABLE QRESYNC/m);
    await a.command('b ENABLE QRESYNC', tagged('b'));
    expect(await a.command('c SELECT INBOX (QRESYNC (0 1))', tagged('c'))).toMatch(/^c BAD .*UIDVALIDITY/m);
    expect(await a.command('d SELECT INBOX (QRESYNC (1 1 1:* ))', tagged('d'))).toMatch(/^d BAD .*without "\*"/m);
    await a.command('e SELECT INBOX', tagged('e'));
    expect(await a.command('f FETCH 1 FLAGS (CHANGEDSINCE 1 VANISHED)', tagged('f'))).toMatch(/^f BAD VANISHED works with UID FETCH only/m);
    expect(await a.command('g UID FETCH 1 FLAGS (VANISHED)', tagged('g'))).toMatch(/^g BAD .*CHANGEDSINCE/m);
    expect(await a.command('h STORE 1 (UNCHANGEDSINCE x) +FLAGS (\\Seen)', tagged('h'))).toMatch(/^h BAD .*UNCHANGEDSINCE needs a mod-sequence number/m);
    expect(await a.command('i FETCH 1 (FLAGS MODSEQ)', tagged('i'))).toMatch(/^\* 1 FETCH \(FLAGS \(\) MODSEQ \(\d+\)\)\r\ni OK/m);
  });
});

describe('imapflow with QRESYNC', () => {
  async function flow(): Promise<ImapFlow> {
    const expunged: unknown[] = [];
    const c = new ImapFlow({
      host: '127.0.0.1',
      port: lab().port('imap'),
      secure: false,
      auth: { user: 'alice@example.com', pass: 'secret' },
      logger: false,
      qresync: true,
      tls: { rejectUnauthorized: false },
      expungeHandler: async (event) => void expunged.push(event),
    });
    Object.assign(c, { expungedEvents: expunged });
    flows.push(c);
    await c.connect();
    return c;
  }
  const expungedOf = (c: ImapFlow): Array<{ uid?: number; vanished: boolean; earlier?: boolean }> => (c as unknown as { expungedEvents: Array<{ uid?: number; vanished: boolean; earlier?: boolean }> }).expungedEvents;

  it('resynchronises INBOX after another client changed it: vanished UIDs, new flags, new messages', async () => {
    const first = await flow();
    expect(first.enabled.has('QRESYNC')).toBe(true);
    const box = await first.mailboxOpen('INBOX');
    const known = { uidValidity: box.uidValidity, highestModseq: box.highestModseq! };
    expect(known.highestModseq).toBeGreaterThan(0n);
    await first.logout();

    // Another client (a second imapflow) deletes UID 1, flags UID 3 and appends a message.
    const other = await flow();
    await other.mailboxOpen('INBOX');
    await other.messageDelete('1', { uid: true });
    await other.messageFlagsAdd('3', ['$label1'], { uid: true });
    await other.append('INBOX', 'Subject: while away\r\n\r\nhello\r\n');
    await other.logout();

    const back = await flow();
    const flagEvents: Array<{ uid?: number; flags?: Set<string>; modseq?: bigint }> = [];
    back.on('flags', (event) => flagEvents.push(event));
    const reopened = await back.mailboxOpen('INBOX', { uidValidity: known.uidValidity, changedSince: known.highestModseq });
    // imapflow keeps whether the server answered the QRESYNC SELECT (not in its types).
    expect((reopened as { qresync?: boolean }).qresync).toBe(true);
    expect(reopened.highestModseq).toBeGreaterThan(known.highestModseq);
    expect(reopened.exists).toBe(3);
    expect(expungedOf(back)).toEqual([expect.objectContaining({ uid: 1, vanished: true, earlier: true })]);
    expect(flagEvents.map((e) => [e.uid, [...(e.flags ?? [])]])).toEqual([[3, ['$label1']], [4, []]]);
    expect(flagEvents.every((e) => typeof e.modseq === 'bigint' && e.modseq > known.highestModseq)).toBe(true);

    // The same question by UID FETCH (CHANGEDSINCE n VANISHED).
    expungedOf(back).length = 0;
    const changed = [];
    for await (const m of back.fetch('1:*', { uid: true, flags: true }, { uid: true, changedSince: known.highestModseq })) changed.push(m);
    expect(changed.map((m) => m.uid)).toEqual([3, 4]);
    expect(changed.every((m) => m.modseq !== undefined && m.modseq > known.highestModseq)).toBe(true);
    expect(expungedOf(back)).toEqual([expect.objectContaining({ uid: 1, vanished: true, earlier: true })]);

    // A conditional store as of the old modseq is refused for the message changed since.
    // (imapflow sends UNCHANGEDSINCE; the server's OK [MODIFIED 3] leaves the flags as they were.)
    await back.messageFlagsAdd('3', ['\\Seen'], { uid: true, unchangedSince: known.highestModseq });
    const [three] = await back.fetchAll('3', { uid: true, flags: true }, { uid: true });
    expect([...(three?.flags ?? [])]).toEqual(['$label1']);
  });
});
