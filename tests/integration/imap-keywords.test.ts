/**
 * Keywords and \Recent through Python's imaplib, across a restart of the lab: $Junk, $label1,
 * mutt's Old and $Forwarded are stored in the Maildir (dovecot-keywords and letters after
 * ":2,"), listed in FLAGS and PERMANENTFLAGS (with \*), searched with KEYWORD, carried by COPY,
 * and still there after the lab starts again; an APPENDed message is \Recent.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { imaplib } from '../helpers/imaplib.js';
import { startTestLab, type TestLab } from '../helpers/lab.js';
import { listMaildir, maildirPath } from '../helpers/maildir.js';
import { imapLogin, imapTagged } from '../helpers/rawSocket.js';

let lab: TestLab;
beforeAll(async () => {
  lab = await startTestLab();
});
afterAll(async () => {
  await lab?.dispose();
});

describe('keywords through imaplib', () => {
  it('stores keywords the Maildir way, and they survive a restart of the lab', async () => {
    const before = await imaplib(lab.port('imap'), `
M.login('alice@example.com', 'secret')
out['select'] = M.select('INBOX')
out['permanent'] = M.response('PERMANENTFLAGS')
out['store1'] = M.store('1', '+FLAGS', '($Junk $label1)')
out['store2'] = M.store('2', '+FLAGS', '(Old $Forwarded \\\\Seen)')
out['flags'] = M.response('FLAGS')
out['search'] = M.search(None, 'KEYWORD', '$junk')
out['unsearch'] = M.search(None, 'UNKEYWORD', 'Old')
out['copy'] = M.copy('2', 'Trash')
out['append'] = M.append('Drafts', '($label1)', None, b'Subject: draft\\r\\n\\r\\nhello\\r\\n')
out['status'] = M.status('Drafts', '(RECENT MESSAGES)')
M.logout()
`);
    expect(before.permanent[1][0]).toBe('(\\Answered \\Flagged \\Deleted \\Seen \\Draft \\*)');
    expect(before.store1[1][0]).toBe('1 (FLAGS (\\Recent $Junk $label1))');
    expect(before.store2[1][0]).toBe('2 (FLAGS (\\Seen \\Recent Old $Forwarded))');
    expect(before.flags[1].at(-1)).toBe('(\\Answered \\Flagged \\Deleted \\Seen \\Draft $Junk $label1 Old $Forwarded)');
    expect(before.search[1]).toEqual(['1']);
    expect(before.unsearch[1]).toEqual(['1 3']);
    expect(before.copy[0]).toBe('OK');
    expect(before.status[1][0]).toBe('Drafts (RECENT 1 MESSAGES 1)');

    const inbox = maildirPath(lab.dataDir, 'default', 'alice@example.com');
    expect(await readFile(join(inbox, 'dovecot-keywords'), 'utf8')).toBe('0 $Junk\n1 $label1\n2 Old\n3 $Forwarded\n');
    // The message only noticed follows into cur/ a moment after (noticedMoves.ts).
    await expect.poll(async () => (await listMaildir(inbox)).cur.map((f) => f.slice(f.indexOf(':2,'))).sort()).toEqual([':2,', ':2,Scd', ':2,ab']);

    lab = await lab.restart();
    const after = await imaplib(lab.port('imap'), `
M.login('alice@example.com', 'secret')
out['select'] = M.select('INBOX')
out['flags'] = M.response('FLAGS')
out['permanent'] = M.response('PERMANENTFLAGS')
out['fetch'] = M.fetch('1:2', '(FLAGS)')
M.select('Trash')
out['trash'] = M.fetch('1', '(FLAGS)')
M.select('Drafts')
out['drafts'] = M.fetch('1', '(FLAGS)')
M.logout()
`);
    expect(after.flags[1].at(-1)).toBe('(\\Answered \\Flagged \\Deleted \\Seen \\Draft $Junk $label1 Old $Forwarded)');
    expect(after.permanent[1][0]).toBe('(\\Answered \\Flagged \\Deleted \\Seen \\Draft $Junk $label1 Old $Forwarded \\*)');
    // \Recent was claimed by the first session: it does not come back after the restart.
    expect(after.fetch[1]).toEqual(['1 (FLAGS ($Junk $label1))', '2 (FLAGS (\\Seen Old $Forwarded))']);
    expect(after.trash[1]).toEqual(['1 (FLAGS (\\Seen \\Recent Old $Forwarded))']);
    expect(after.drafts[1]).toEqual(['1 (FLAGS (\\Recent $label1))']);
  });
});

describe('a keyword another session creates', () => {
  it('is announced in FLAGS before the FETCH that shows it', async () => {
    const [a, b] = [await imapLogin(lab.port('imap')), await imapLogin(lab.port('imap'))];
    try {
      await a.command('a SELECT INBOX', imapTagged('a'));
      await b.command('a SELECT INBOX', imapTagged('a'));
      await b.command('b STORE 1 +FLAGS.SILENT ($Fresh)', imapTagged('b'));
      // A client (imaptest among them) refuses a keyword it was never told about in FLAGS.
      const fetch = await a.command('b FETCH 1 (FLAGS)', imapTagged('b'));
      expect(fetch).toMatch(/^\* FLAGS \([^)]*\$Fresh\)\r\n\* OK \[PERMANENTFLAGS [^\r]*\r\n\* 1 FETCH \(FLAGS \([^)]*\$Fresh\)\)\r\n/);
    } finally {
      a.close();
      b.close();
    }
  });
});

describe('a keyword longer than Dovecot allows (mail_max_keyword_length = 50)', () => {
  it('is refused with NO [CANNOT] on STORE and APPEND, and never reaches dovecot-keywords or a FLAGS line', async () => {
    const inbox = maildirPath(lab.dataDir, 'default', 'bob@example.com');
    const r = await imaplib(lab.port('imap'), `
M.login('bob@example.com', 'secret')
M.select('INBOX')
out['long'] = M.store('1', '+FLAGS', '(' + 'k' * P['huge'] + ')')
out['fifty'] = M.store('1', '+FLAGS', '(' + 'f' * 50 + ')')
out['fiftyOne'] = M.store('1', 'FLAGS', '(\\\\Seen ' + 'g' * 51 + ')')
out['append'] = M.append('INBOX', '(' + 'a' * 51 + ')', None, b'Subject: kw\\r\\n\\r\\nhello\\r\\n')
out['fetch'] = M.fetch('1', '(FLAGS)')
out['noop'] = M.noop()
M.logout()
`, { huge: 60_000 });
    // Sliced: on the old code the answer is a FETCH line carrying all 60,000 characters.
    expect([r.long[0], r.long[1][0].slice(0, 200)]).toEqual(['NO', '[CANNOT] Keyword length too long: a keyword has at most 50 characters, this one has 60000. Use a shorter keyword']);
    expect(r.fiftyOne[0]).toBe('NO');
    expect(r.append[0]).toBe('NO');
    expect(r.append[1][0]).toMatch(/^\[CANNOT\] Keyword length too long/);
    expect(r.fifty[0]).toBe('OK');
    // The refused STORE changed nothing, \Seen included.
    expect(r.fetch[1][0]).toMatch(new RegExp(`^1 \\(FLAGS \\((\\\\Recent )?f{50}\\)\\)$`));
    expect(await readFile(join(inbox, 'dovecot-keywords'), 'utf8')).toBe(`0 ${'f'.repeat(50)}\n`);
  });
});
