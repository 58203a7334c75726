/**
 * CONDSTORE (RFC 7162) over raw sockets, two sessions at once: modification sequences in
 * SELECT, FETCH, STORE, SEARCH and STATUS, a conditional STORE that loses to another session
 * ([MODIFIED]), CHANGEDSINCE, and CONDSTORE switched on by its first use. QRESYNC is in
 * imap-qresync.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { imapScript, inboxSeenOnce, responseCode } from '../helpers/imapScript.js';
import { useLabFile } from '../helpers/labFile.js';
import { imapLogin, imapTagged, RawClient } from '../helpers/rawSocket.js';

const { lab } = useLabFile({ reseed: true, beforeEach: (l) => inboxSeenOnce(l.port('imap')), afterEach: () => closeAll() });
const { login, closeAll } = imapScript(lab);
const tagged = imapTagged;
const code = responseCode;

describe('CONDSTORE', () => {
  it('numbers every flag change, reports it with UID and MODSEQ, and refuses a STORE that lost the race', async () => {
    const a = await login();
    const selected = await a.command('a SELECT INBOX (CONDSTORE)', tagged('a'));
    const start = code(selected, 'HIGHESTMODSEQ');
    expect(start).toBeGreaterThan(0);
    const fetched = await a.command('b FETCH 1:* (UID MODSEQ)', tagged('b'));
    expect(fetched).toMatch(/^\* 1 FETCH \(UID 1 MODSEQ \((\d+)\)\)\r\n\* 2 FETCH \(UID 2 MODSEQ \(\d+\)\)\r\n\* 3 FETCH \(UID 3 MODSEQ \(\d+\)\)\r\nb OK/);
    const modseqs = [...fetched.matchAll(/MODSEQ \((\d+)\)/g)].map((m) => Number(m[1]));
    expect(Math.max(...modseqs)).toBe(start);

    // A plain STORE under CONDSTORE: the FETCH names the UID and the new modseq.
    const stored = await a.command(`c STORE 1 (UNCHANGEDSINCE ${start}) +FLAGS (\\Flagged)`, tagged('c'));
    expect(stored).toMatch(new RegExp(`^\\* 1 FETCH \\(UID 1 FLAGS \\(\\\\Flagged\\) MODSEQ \\(${start + 1}\\)\\)\\r\\nc OK STORE completed`));

    // Another session changes message 2; a's conditional STORE on 1:2 as of `start` touches only 1.
    const b = await login();
    await b.command('a SELECT INBOX', tagged('a'));
    await b.command('b STORE 2 +FLAGS (\\Answered)', tagged('b'));
    const lost = await a.command(`d STORE 1:2 (UNCHANGEDSINCE ${start + 1}) +FLAGS (\\Seen)`, tagged('d'));
    expect(lost).toMatch(/^\* 1 FETCH \(UID 1 FLAGS \(\\Flagged \\Seen\) MODSEQ \((\d+)\)\)\r\n/m);
    expect(lost).toMatch(/^d OK \[MODIFIED 2\] /m);
    // b's change reaches a (after the STORE or at the next NOOP) with its modseq before its
    // flags and no UID (CONDSTORE without QRESYNC), as Dovecot writes it; message 2 was left without \Seen.
    const told = lost + (await a.command('e NOOP', tagged('e')));
    expect(told.match(/^\* 2 FETCH .*$/gm)).toEqual([expect.stringMatching(/^\* 2 FETCH \(MODSEQ \(\d+\) FLAGS \(\\Answered\)\)$/)]);
    // UNCHANGEDSINCE 0 always fails (RFC 7162 §3.1.3); by UID the MODIFIED set names UIDs.
    expect(await a.command('f UID STORE 3 (UNCHANGEDSINCE 0) +FLAGS (\\Seen)', tagged('f'))).toMatch(/^f OK \[MODIFIED 3\] /m);

    // CHANGEDSINCE: only what changed after `start`; SEARCH MODSEQ answers with the highest one.
    const highest = code(await a.command('g STATUS INBOX (HIGHESTMODSEQ)', tagged('g')).then((s) => s.replace(/\* STATUS INBOX \(HIGHESTMODSEQ (\d+)\)/, '[HIGHESTMODSEQ $1]')), 'HIGHESTMODSEQ');
    expect(highest).toBe(start + 3);
    const changed = await a.command(`h UID FETCH 1:* FLAGS (CHANGEDSINCE ${start})`, tagged('h'));
    expect(changed.match(/^\* \d+ FETCH .*$/gm)).toEqual([
      `* 1 FETCH (UID 1 FLAGS (\\Flagged \\Seen) MODSEQ (${start + 3}))`,
      `* 2 FETCH (UID 2 FLAGS (\\Answered) MODSEQ (${start + 2}))`,
    ]);
    expect(await a.command(`i SEARCH MODSEQ ${start + 1}`, tagged('i'))).toMatch(new RegExp(`^\\* SEARCH 1 2 \\(MODSEQ ${start + 3}\\)\\r\\n`));
    expect(await a.command(`j SEARCH RETURN (MAX) MODSEQ ${start + 2}`, tagged('j'))).toMatch(new RegExp(`^\\* ESEARCH \\(TAG "j"\\) MAX 2 MODSEQ ${start + 2}\\r\\n`));
  });

  it('is switched on by its first use: a FETCH of MODSEQ, and a body FETCH that sets \\Seen then reports its MODSEQ', async () => {
    const a = await login();
    const selected = await a.command('a SELECT INBOX', tagged('a'));
    // HIGHESTMODSEQ is in every SELECT, but FETCH responses carry no MODSEQ until it is asked for.
    const start = code(selected, 'HIGHESTMODSEQ');
    expect(await a.command('b STORE 1 +FLAGS (\\Flagged)', tagged('b'))).toMatch(/^\* 1 FETCH \(FLAGS \(\\Flagged\)\)\r\n/);
    const first = await a.command('c FETCH 1 (MODSEQ)', tagged('c'));
    // The enabling command tells the client the HIGHESTMODSEQ at once.
    expect(first).toBe(`* OK [HIGHESTMODSEQ ${start + 1}] Highest modification sequence\r\n* 1 FETCH (MODSEQ (${start + 1}))\r\nc OK FETCH completed\r\n`);
    const read = await a.command('d FETCH 2 (BODY[HEADER.FIELDS (SUBJECT)])', tagged('d'));
    // FLAGS before the literal, as Dovecot writes them (imap-dovecot-parity-order.test.ts), and the
    // MODSEQ in a response of its own after it (imap-dovecot-parity-seen-modseq.test.ts).
    expect(read).toMatch(new RegExp(`^\\* 2 FETCH \\(FLAGS \\(\\\\Seen\\) BODY\\[HEADER\\.FIELDS \\(SUBJECT\\)\\] \\{\\d+\\}\\r\\n[^]*\\)\\r\\n\\* 2 FETCH \\(MODSEQ \\(${start + 2}\\)\\)\\r\\nd OK`));
  });
});

