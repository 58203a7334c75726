/**
 * IMAP extensions driven by clients nobody here wrote: Python's imaplib for SORT, THREAD,
 * ESEARCH, SEARCHRES ("$"), live results (CONTEXT=SEARCH) and LIST-EXTENDED; imapflow for
 * LIST-STATUS and STATUS=SIZE; curl for UID THREAD.
 */
import { ImapFlow } from 'imapflow';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../helpers/clients.js';
import { imaplib } from '../helpers/imaplib.js';
import { startTestLab, type TestLab } from '../helpers/lab.js';

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

/** A conversation about lunch (one reply with In-Reply-To only, one with References) and a report. */
const CONVERSATION = [
  ['<t1@lab.test>', '', 'Lunch', '10:00'],
  ['<t2@lab.test>', 'In-Reply-To: <t1@lab.test>', 'Re: Lunch', '11:00'],
  ['<t3@lab.test>', 'References: <t1@lab.test> <t2@lab.test>', 'Re: Lunch', '12:00'],
  ['<t4@lab.test>', '', 'Report', '09:00'],
  ['<t5@lab.test>', 'References: <t1@lab.test>', 'RE: [team] Lunch', '10:30'],
].map(([id, refs, subject, time]) =>
  [`From: Bob <bob@example.com>`, `To: alice@example.com`, `Message-ID: ${id}`, refs, `Subject: ${subject}`, `Date: Mon, 1 Sep 2025 ${time}:00 +0000`, '', 'text', '']
    .filter((line, i) => i !== 3 || line !== '')
    .join('\r\n'),
);

const APPEND_CONVERSATION = `
M.login('alice@example.com', 'secret')
M.create('Threads')
for m in P['messages']:
    M.append('Threads', None, None, m.encode())
M.select('Threads')
`;

describe('SORT and THREAD with imaplib', () => {
  it('sorts by date, subject and reverse criteria, and threads by references and by subject', async () => {
    const out = await imaplib(
      lab.port('imap'),
      `${APPEND_CONVERSATION}
out['date'] = M.sort('(DATE)', 'UTF-8', 'ALL')
out['subject'] = M.sort('(SUBJECT REVERSE DATE)', 'UTF-8', 'ALL')
out['reverse'] = M.sort('(REVERSE SUBJECT)', 'US-ASCII', 'ALL')
out['uidsort'] = M.uid('SORT', '(DATE)', 'UTF-8', 'SUBJECT', 'lunch')
out['refs'] = M.thread('REFERENCES', 'UTF-8', 'ALL')
out['ordered'] = M.thread('ORDEREDSUBJECT', 'UTF-8', 'ALL')
try:
    M.sort('(COLOUR)', 'UTF-8', 'ALL')
except imaplib.IMAP4.error as e:
    out['bad'] = str(e)
`,
      { messages: CONVERSATION },
    );
    expect(out.date).toEqual(['OK', ['4 1 5 2 3']]);
    expect(out.subject).toEqual(['OK', ['3 2 5 1 4']]);
    expect(out.reverse).toEqual(['OK', ['4 1 2 3 5']]);
    expect(out.uidsort).toEqual(['OK', ['1 5 2 3']]);
    // The reply with only In-Reply-To and the one with References both hang under the first.
    expect(out.refs).toEqual(['OK', ['(4)(1 (5)(2 3))']]);
    expect(out.ordered).toEqual(['OK', ['(4)(1 (5)(2)(3))']]);
    expect(out.bad).toMatch(/Unknown sort criterion/);
  });

  it('answers an unknown charset with NO [BADCHARSET]', async () => {
    const out = await imaplib(
      lab.port('imap'),
      `
M.login('alice@example.com', 'secret')
M.select('INBOX')
out['sort'] = M.sort('(DATE)', 'KOI8-R', 'ALL')
`,
    );
    expect(out.sort).toEqual(['NO', ['[BADCHARSET (US-ASCII UTF-8)] Charset "KOI8-R" is not supported here; use UTF-8']]);
  });
});

describe('ESEARCH, SEARCHRES and live results with imaplib', () => {
  it('answers RETURN options with ESEARCH and keeps a saved result for "$"', async () => {
    const out = await imaplib(
      lab.port('imap'),
      `${APPEND_CONVERSATION}
out['esearch'] = M._simple_command('UID', 'SEARCH', 'RETURN', '(MIN MAX COUNT ALL)', 'SUBJECT', 'lunch')
out['esearch_data'] = M.untagged_responses.pop('ESEARCH', None)
out['esort'] = M._simple_command('SORT', 'RETURN', '(MIN MAX PARTIAL 2:3)', '(DATE)', 'UTF-8', 'ALL')
out['esort_data'] = M.untagged_responses.pop('ESEARCH', None)
out['save'] = M._simple_command('SEARCH', 'RETURN', '(SAVE)', 'SUBJECT', 'report')
out['save_data'] = M.untagged_responses.pop('ESEARCH', None)
out['fetch'] = M.fetch('$', '(BODY.PEEK[HEADER.FIELDS (SUBJECT)])')
out['store'] = M.uid('STORE', '$', '+FLAGS', '(\\\\Flagged)')
out['flagged'] = M.search(None, 'FLAGGED')
out['in_search'] = M.search(None, 'OR', '$', '1')
`,
      { messages: CONVERSATION },
    );
    expect(out.esearch[0]).toBe('OK');
    expect(out.esearch_data).toEqual([expect.stringMatching(/^\(TAG "\w+"\) UID MIN 1 MAX 5 ALL 1:3,5 COUNT 4$/)]);
    expect(out.esort_data).toEqual([expect.stringMatching(/^\(TAG "\w+"\) MIN 4 MAX 3 PARTIAL \(2:3 1,5\)$/)]);
    // SAVE alone answers nothing but keeps the result.
    expect(out.save[0]).toBe('OK');
    expect(out.save_data).toBeNull();
    expect(out.fetch[1][0][1]).toBe('Subject: Report\r\n\r\n');
    expect(out.store[1]).toEqual([expect.stringMatching(/^4 \(UID 4 FLAGS \(\\Flagged( \\Recent)?\)\)$/)]);
    expect(out.flagged).toEqual(['OK', ['4']]);
    expect(out.in_search).toEqual(['OK', ['1 4']]);
  });

  it('keeps a RETURN (UPDATE) result live: another session\'s changes come as ADDTO and REMOVEFROM', async () => {
    const out = await imaplib(
      lab.port('imap'),
      `
M.login('alice@example.com', 'secret')
M.select('INBOX')
out['search'] = M._simple_command('SEARCH', 'RETURN', '(UPDATE)', 'FLAGGED')
out['first'] = M.untagged_responses.pop('ESEARCH', None)
other = imaplib.IMAP4('127.0.0.1', P['port'], timeout=10)
other.login('alice@example.com', 'secret')
other.select('INBOX')
other.store('2', '+FLAGS', '(\\\\Flagged)')
M.noop()
out['added'] = M.untagged_responses.pop('ESEARCH', None)
other.store('2', '+FLAGS', '(\\\\Deleted)')
other.expunge()
M.noop()
out['removed'] = M.untagged_responses.pop('ESEARCH', None)
import re
imaplib.Commands['CANCELUPDATE'] = ('SELECTED',)
tag = re.search(rb'TAG "(\\w+)"', out['first'][0]).group(1).decode()
out['cancel'] = M._simple_command('CANCELUPDATE', '"%s"' % tag)
other.store('1', '+FLAGS', '(\\\\Flagged)')
M.noop()
out['after_cancel'] = M.untagged_responses.pop('ESEARCH', None)
out['again'] = M._simple_command('CANCELUPDATE', '"%s"' % tag)
`,
    );
    expect(out.search[0]).toBe('OK');
    expect(out.first).toEqual([expect.stringMatching(/^\(TAG "\w+"\)$/)]);
    expect(out.added).toEqual([expect.stringMatching(/^\(TAG "\w+"\) ADDTO \(0 2\)$/)]);
    expect(out.removed).toEqual([expect.stringMatching(/^\(TAG "\w+"\) REMOVEFROM \(0 2\)$/)]);
    expect(out.cancel[0]).toBe('OK');
    expect(out.after_cancel).toBeNull();
    expect(out.again[0]).toBe('NO');
  });
});

describe('THREAD with curl', () => {
  it('sends UID THREAD as a custom request and prints the server\'s answer', async () => {
    await imaplib(lab.port('imap'), APPEND_CONVERSATION, { messages: CONVERSATION });
    const r = await run('curl', ['-s', '--user', 'alice@example.com:secret', `imap://127.0.0.1:${lab.port('imap')}/Threads`, '-X', 'UID THREAD REFERENCES UTF-8 SUBJECT lunch']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('* THREAD (1 (5)(2 3))\r\n');
  });
});

describe('LIST-EXTENDED, LIST-STATUS and STATUS=SIZE', () => {
  it('lists subscribed names, missing levels and CHILDINFO as RFC 5258 tabulates them (imaplib)', async () => {
    const out = await imaplib(
      lab.port('imap'),
      `
M.login('alice@example.com', 'secret')
M.create('Projects.2026.Q1')
M.create('Lists')
M.subscribe('Projects.2026.Q1')
M.subscribe('Old')
def run(*args):
    typ, data = M._simple_command('LIST', *args)
    return [typ, M.untagged_responses.pop('LIST', [])]
out['subscribed'] = run('(SUBSCRIBED)', '""', '*')
out['recursive'] = run('(SUBSCRIBED RECURSIVEMATCH)', '""', '%')
out['patterns'] = run('""', '(Lists Sent P%)', 'RETURN', '(CHILDREN SUBSCRIBED)')
out['special'] = run('(SPECIAL-USE)', '""', '*')
for bad in [('(RECURSIVEMATCH)', '""', '%'), ('(FANCY)', '""', '%'), ('""', '%', 'RETURN', '(FANCY)')]:
    try:
        M._simple_command('LIST', *bad)
        out.setdefault('bad', []).append('accepted')
    except imaplib.IMAP4.error as e:
        out.setdefault('bad', []).append(str(e))
`,
    );
    const subscribed = out.subscribed[1];
    expect(subscribed).toContain('(\\Subscribed) "." INBOX');
    expect(subscribed).toContain('(\\NonExistent \\Subscribed) "." Old');
    expect(subscribed).toContain('(\\Subscribed) "." Projects.2026.Q1');
    expect(subscribed.join('\n')).not.toMatch(/ Lists$/m);
    // Projects is neither there nor subscribed, but a subscribed descendant the pattern skips is.
    expect(out.recursive[1]).toContain('(\\NonExistent) "." Projects ("CHILDINFO" ("SUBSCRIBED"))');
    expect(out.recursive[1].join('\n')).not.toMatch(/Lists/);
    expect(out.patterns[1]).toEqual(['(\\HasNoChildren) "." Lists', '(\\NonExistent \\HasChildren) "." Projects', '(\\Subscribed \\HasNoChildren) "." Sent']);
    expect(out.special[1]).toEqual(['(\\Drafts) "." Drafts', '(\\Sent) "." Sent', '(\\Trash) "." Trash']);
    expect(out.bad).toEqual([
      expect.stringMatching(/BAD .*RECURSIVEMATCH needs another selection option/),
      expect.stringMatching(/BAD .*Unknown LIST selection option "FANCY"/),
      expect.stringMatching(/BAD .*Unknown LIST return option "FANCY"/),
    ]);
  });

  it('gives imapflow each mailbox\'s status with the listing, sizes included', async () => {
    const c = new ImapFlow({ host: '127.0.0.1', port: lab.port('imap'), secure: false, auth: { user: 'alice@example.com', pass: 'secret' }, logger: false, tls: { rejectUnauthorized: false } });
    await c.connect();
    try {
      const boxes = await c.list({ statusQuery: { messages: true, unseen: true, uidNext: true } });
      const inbox = boxes.find((b) => b.path === 'INBOX')!;
      expect(inbox.status).toMatchObject({ messages: 3, unseen: 3, uidNext: 4 });
      expect(inbox.subscribed).toBe(true);
      expect(boxes.find((b) => b.path === 'Sent')!.status).toMatchObject({ messages: 0 });
      const lock = await c.getMailboxLock('INBOX');
      let total = 0;
      for await (const m of c.fetch('1:*', { size: true })) total += m.size!;
      lock.release();
      expect(await c.status('INBOX', { messages: true })).toMatchObject({ messages: 3 });
      // STATUS=SIZE: the sum of the messages' RFC822.SIZE.
      const raw = await imaplib(lab.port('imap'), "M.login('alice@example.com', 'secret')\nout['s'] = M.status('INBOX', '(SIZE MESSAGES DELETED)')");
      expect(raw.s).toEqual(['OK', [`INBOX (SIZE ${total} MESSAGES 3 DELETED 0)`]]);
    } finally {
      await c.logout();
    }
  });
});
