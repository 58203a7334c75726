/**
 * The IMAP server driven by Python's imaplib: login, select, FETCH of ENVELOPE, BODYSTRUCTURE
 * and partial bodies, SEARCH, STORE, COPY, APPEND, EXPUNGE; STARTTLS and LOGINDISABLED.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { python } from '../helpers/clients.js';
import { imaplib as runImaplib } from '../helpers/imaplib.js';
import { startTestLab, type TestLab } from '../helpers/lab.js';
import { listMaildir, maildirPath } from '../helpers/maildir.js';

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

/** Runs imaplib code; `out` is printed as JSON. Bytes are decoded as UTF-8. */
function imaplib(body: string, params: Record<string, unknown> = {}): Promise<Record<string, any>> {
  return runImaplib((params.port as number | undefined) ?? lab.port('imap'), body, params);
}

describe('imaplib', () => {
  it('logs in, selects and fetches ENVELOPE, BODYSTRUCTURE and a partial body', async () => {
    const out = await imaplib(`
out['login'] = M.login('alice@example.com', 'secret')
out['select'] = M.select('INBOX')
out['env'] = M.fetch('1:3', '(ENVELOPE)')
out['bs'] = M.fetch('2', '(BODYSTRUCTURE)')
out['partial'] = M.fetch('1', '(BODY.PEEK[TEXT]<0.12>)')
out['part'] = M.fetch('2', '(BODY.PEEK[2])')
out['flags'] = M.fetch('1', '(FLAGS)')
out['logout'] = M.logout()
`);
    expect(out.login[0]).toBe('OK');
    expect(out.login[1][0]).toMatch(/^\[CAPABILITY IMAP4rev1 .*IDLE.*\] Logged in as alice@example\.com/);
    expect(out.select).toEqual(['OK', ['3']]);
    const envelopes = out.env[1].join('\n');
    expect(envelopes).toContain('"Welcome to MailLab" (("MailLab" NIL "postmaster" "example.com"))');
    expect(envelopes).toContain('"The port table, as a file" (("Bob" NIL "bob" "example.com"))');
    expect(out.bs[1][0]).toMatch(/^2 \(BODYSTRUCTURE \(\("text" "plain" .*\)\("text" "csv" \("charset" "us-ascii" "name" "ports.csv"\) NIL NIL "base64" \d+ \d+ NIL \("attachment" \("filename" "ports.csv"\)\) NIL NIL\) "mixed"/);
    expect(out.partial[1][0]).toEqual(['1 (BODY[TEXT]<0> {12}', 'Hello Alice,']);
    expect(Buffer.from(out.part[1][0][1].replace(/\s/g, ''), 'base64').toString()).toContain('IMAPS,993,implicit TLS');
    expect(out.flags[1]).toEqual(['1 (FLAGS (\\Recent))']); // PEEK left \Seen alone
    expect(out.logout[0]).toBe('BYE');
  });

  it('reads INBOX in any case as the first level of a name too, as Dovecot does', async () => {
    const out = await imaplib(`
M.login('alice@example.com', 'secret')
out['create'] = M.create('inbox.Work')
out['again'] = M.create('INBOX.Work')
out['select'] = M.select('INBOX.Work')
out['append'] = M.append('Inbox.Work', None, None, b'Subject: filed\\r\\n\\r\\nbody\\r\\n')
out['list'] = M.list('""', 'inbox.*')
out['status'] = M.status('iNbOx.Work', '(MESSAGES)')
`);
    expect(out.create[0]).toBe('OK');
    expect(out.again).toEqual(['NO', [expect.stringMatching(/^\[ALREADYEXISTS\]/)]]);
    expect(out.select[0]).toBe('OK');
    expect(out.append[0]).toBe('OK');
    expect(out.list).toEqual(['OK', ['(\\HasNoChildren) "." INBOX.Work']]);
    expect(out.status).toEqual(['OK', ['INBOX.Work (MESSAGES 1)']]);
    // One folder on disk, under INBOX's name: not a ".inbox.Work" beside it.
    const work = await listMaildir(maildirPath(lab.dataDir, 'default', 'alice@example.com', 'INBOX.Work'));
    expect([...work.new, ...work.cur]).toHaveLength(1);
  });

  it('takes only APPEND date-times that exist and that INTERNALDATE can show in four digits', async () => {
    const out = await imaplib(`
M.login('alice@example.com', 'secret')
out['refused'] = []
for date in ['"31-Feb-2024 10:00:00 +0000"', '"29-Feb-2023 10:00:00 +0000"', '"31-Dec-9999 23:59:59 -1259"']:
    try:
        M.append('Drafts', None, date, b'Subject: d\\r\\n\\r\\nx\\r\\n')
    except imaplib.IMAP4.error as e:
        out['refused'].append(str(e))
out['kept'] = [M.append('Drafts', None, date, b'Subject: d\\r\\n\\r\\nx\\r\\n')[0] for date in ['"29-Feb-2024 10:00:00 +0000"', '"01-Jan-0099 00:00:00 +0000"']]
M.select('Drafts')
typ, data = M.fetch('1:*', '(INTERNALDATE)')
out['dates'] = [imaplib.InternalDate.match(line).group('year').decode() for line in data]
out['before'] = M.search(None, 'BEFORE 1-Jan-0100')
try:
    M.search(None, 'SINCE 31-Feb-2024')
except imaplib.IMAP4.error as e:
    out['since'] = str(e)
`);
    expect(out.refused).toHaveLength(3);
    for (const e of out.refused) expect(e).toMatch(/^APPEND command error: BAD \[b'The date-time must look like "01-Sep-2026 08:00:00 \+0000", a day the month has/);
    expect(out.kept).toEqual(['OK', 'OK']);
    // Year 99 is year 0099, not 1999.
    expect(out.dates).toEqual(['2024', '0099']);
    // SEARCH reads its dates the same way.
    expect(out.before).toEqual(['OK', ['2']]);
    expect(out.since).toMatch(/^SEARCH command error: BAD \[b'SINCE needs a date like/);
  });

  it('searches, stores, copies, expunges, and the Maildir shows it', async () => {
    const out = await imaplib(`
M.login('alice@example.com', 'secret')
M.select('INBOX')
out['from'] = M.search(None, 'FROM', '"bob"')
out['since'] = M.search(None, '(SINCE 2-Sep-2026 NOT FROM carol)')
out['utf8'] = M.search('UTF-8', 'SUBJECT', '邮件'.encode('utf8'))
out['store'] = M.store('1', '+FLAGS', '(\\\\Seen \\\\Flagged)')
out['copy'] = M.copy('1:2', 'Trash')
out['uidcopy'] = M.uid('COPY', '3', 'Drafts')
out['copyuid'] = M.response('COPYUID')
out['del'] = M.store('2', '+FLAGS', '\\\\Deleted')
out['expunge'] = M.expunge()
out['unseen'] = M.search(None, 'UNSEEN')
out['uids'] = M.uid('SEARCH', None, 'ALL')
out['trash'] = M.status('Trash', '(MESSAGES UIDNEXT)')
M.logout()
`);
    expect(out.from).toEqual(['OK', ['2']]);
    expect(out.since).toEqual(['OK', ['2']]);
    expect(out.utf8).toEqual(['OK', ['3']]);
    expect(out.store).toEqual(['OK', ['1 (FLAGS (\\Flagged \\Seen \\Recent))']]);
    expect(out.copy[0]).toBe('OK');
    expect(out.uidcopy[0]).toBe('OK');
    // imaplib collects [COPYUID ...] codes: first from COPY 1:2, then from UID COPY 3.
    expect(out.copyuid[1]).toEqual([expect.stringMatching(/^\d+ 1:2 1:2$/), expect.stringMatching(/^\d+ 3 1$/)]);
    expect(out.expunge).toEqual(['OK', ['2']]);
    expect(out.unseen).toEqual(['OK', ['2']]);
    expect(out.uids).toEqual(['OK', ['1 3']]);
    expect(out.trash).toEqual(['OK', ['Trash (MESSAGES 2 UIDNEXT 3)']]);
    // The message only noticed (not flagged) follows into cur/ a moment after (noticedMoves.ts).
    const inboxDir = maildirPath(lab.dataDir, 'default', 'alice@example.com');
    await expect.poll(async () => (await listMaildir(inboxDir)).cur.map((f) => f.slice(f.indexOf(':2,'))).sort()).toEqual([':2,', ':2,FS']);
    const trash = await listMaildir(maildirPath(lab.dataDir, 'default', 'alice@example.com', 'Trash'));
    expect(trash.cur.map((f) => f.slice(f.indexOf(':2,'))).sort()).toEqual([':2,', ':2,FS']);
  });

  it('appends with a synchronising literal and reads the message back', async () => {
    const out = await imaplib(`
M.login('bob@example.com', 'secret')
msg = 'From: Bob <bob@example.com>\\r\\nTo: Alice <alice@example.com>\\r\\nSubject: =?UTF-8?B?5L2g5aW9?=\\r\\n\\r\\nDraft body, caf\\u00e9\\r\\n'.encode('utf8')
out['append'] = M.append('Drafts', '(\\\\Draft \\\\Seen)', imaplib.Time2Internaldate(1788000000), msg)
M.select('Drafts')
out['fetch'] = M.fetch('1', '(FLAGS INTERNALDATE RFC822.SIZE BODY[])')
out['size'] = len(msg)
M.logout()
`);
    expect(out.append[1][0]).toMatch(/^\[APPENDUID \d+ 1\] APPEND completed: stored in "Drafts" as UID 1/);
    const [head, body] = out.fetch[1][0];
    // An appended message is \\Recent for the session that selects the folder next (RFC 3501).
    expect(head).toMatch(new RegExp(`^1 \\(FLAGS \\(\\\\Seen \\\\Draft \\\\Recent\\) INTERNALDATE "\\d{2}-\\w{3}-2026 \\d{2}:\\d{2}:\\d{2} \\+0000" RFC822.SIZE ${out.size} BODY\\[\\] \\{${out.size}\\}$`));
    expect(body).toContain('Draft body, café');
    const drafts = await listMaildir(maildirPath(lab.dataDir, 'default', 'bob@example.com', 'Drafts'));
    expect(drafts.cur).toHaveLength(1);
    expect(drafts.cur[0]).toMatch(/:2,DS$/);
  });

  it('round-trips a 3 MB binary-ish message through APPEND and FETCH byte for byte', async () => {
    const out = await imaplib(`
import hashlib, random
random.seed(7)
lines = [''.join(random.choice('abcdefghij .=-\t') for _ in range(70)) for _ in range(44000)]
msg = ('Subject: big\\r\\nContent-Type: text/plain; charset=utf-8\\r\\n\\r\\n' + '\\r\\n'.join(lines) + '\\r\\n\\u00e9\\r\\n').encode('utf8')
M.login('carol@otherdomain.com', 'secret')
out['append'] = M.append('INBOX', None, None, msg)[0]
M.select('INBOX')
typ, data = M.fetch('4', '(RFC822.SIZE BODY.PEEK[])')
out['head'] = data[0][0]
out['same'] = hashlib.sha256(data[0][1]).hexdigest() == hashlib.sha256(msg).hexdigest()
out['size'] = len(msg)
M.logout()
`);
    expect(out.size).toBeGreaterThan(3_000_000);
    expect(out.append).toBe('OK');
    expect(out.head).toBe(`4 (RFC822.SIZE ${out.size} BODY[] {${out.size}}`);
    expect(out.same).toBe(true);
  });

  it('works over implicit TLS on 993', async () => {
    const out = await imaplib(`
out['login'] = M.login('carol@otherdomain.com', 'secret')
out['list'] = M.list()
M.logout()
`, { implicit: true, port: lab.port('imaps') });
    expect(out.login[0]).toBe('OK');
    expect(out.list[1]).toContain('(\\HasNoChildren \\Sent) "." Sent');
  });
});

describe('--max-message-size', () => {
  let small: TestLab;
  beforeAll(async () => {
    small = await startTestLab({ maxMessageSize: 2048 });
  });
  afterAll(async () => {
    await small?.dispose();
  });

  it('refuses a larger APPEND with NO [TOOBIG] before the client sends it', async () => {
    const r = await python(
      `
import imaplib
M = imaplib.IMAP4('127.0.0.1', P['port'], timeout=10)
M.login('alice@example.com', 'secret')
typ, data = M.append('INBOX', None, None, b'Subject: big\\r\\n\\r\\n' + b'x' * 5000)
out = {'append': typ + ' ' + data[0].decode()}
out['noop'] = M.noop()[0]
out['status'] = M.status('INBOX', '(MESSAGES)')[1][0].decode()
print(json.dumps(out))
`,
      { port: small.port('imap') },
    );
    expect(r.stderr).toBe('');
    const out = JSON.parse(r.stdout);
    expect(out.append).toMatch(/^NO \[TOOBIG\] Literal of 5016 octets is too large: this command accepts at most 2048 octets$/);
    expect(out.noop).toBe('OK');
    expect(out.status).toBe('INBOX (MESSAGES 3)');
  });
});

describe('--require-tls-auth', () => {
  let strict: TestLab;
  beforeAll(async () => {
    strict = await startTestLab({ requireTlsAuth: true });
  });
  afterAll(async () => {
    await strict?.dispose();
  });

  it('advertises LOGINDISABLED and refuses LOGIN until STARTTLS, then allows it', async () => {
    const r = await python(
      `
import imaplib, ssl
ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
M = imaplib.IMAP4('127.0.0.1', P['port'], timeout=10)
out = {'before': sorted(M.capabilities)}
try:
    M.login('alice@example.com', 'secret')
except imaplib.IMAP4.error as e:
    out['refused'] = str(e)
M.starttls(ssl_context=ctx)
out['after'] = sorted(M.capabilities)
out['login'] = M.login('alice@example.com', 'secret')[0]
M.logout()
print(json.dumps(out))
`,
      { port: strict.port('imap') },
    );
    expect(r.stderr).toBe('');
    const out = JSON.parse(r.stdout);
    expect(out.before).toContain('LOGINDISABLED');
    expect(out.before).toContain('STARTTLS');
    expect(out.before).not.toContain('AUTH=PLAIN');
    expect(out.refused).toMatch(/PRIVACYREQUIRED.*Send STARTTLS first/);
    expect(out.after).toContain('AUTH=PLAIN');
    expect(out.after).not.toContain('LOGINDISABLED');
    expect(out.login).toBe('OK');
  });
});
