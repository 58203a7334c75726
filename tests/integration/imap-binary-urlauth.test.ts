/**
 * BINARY, MULTIAPPEND, CATENATE and URLAUTH: imapflow appends an attachment with NULs as a
 * literal8 and reads it back with BINARY[]; Python's imaplib lends a message with GENURLAUTH
 * that another user fetches with URLFETCH until RESETKEY revokes it; MULTIAPPEND and CATENATE
 * over a raw socket, checked against the files and the octets.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ImapFlow } from 'imapflow';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { imaplib } from '../helpers/imaplib.js';
import { startTestLab, type TestLab } from '../helpers/lab.js';
import { maildirPath, readAllMessages } from '../helpers/maildir.js';
import { imapTagged, RawClient } from '../helpers/rawSocket.js';
import { MAX_FOLDERS, URLAUTH_KEYS_FILE } from '../../lab-server/src/maildir/mailbox.js';

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

async function flow(): Promise<ImapFlow> {
  const c = new ImapFlow({ host: '127.0.0.1', port: lab.port('imap'), secure: false, auth: { user: 'alice@example.com', pass: 'secret' }, logger: false, tls: { rejectUnauthorized: false } });
  await c.connect();
  return c;
}

describe('BINARY with imapflow', () => {
  it('appends octets with NULs as a literal8, keeps them base64 in the Maildir and gives them back with BINARY', async () => {
    const payload = Buffer.from([0, 1, 2, 0x0d, 0x0a, 0x0a, 0xff, 0, 0x0d, 0x41]);
    const message = Buffer.concat([
      Buffer.from('From: alice@example.com\r\nSubject: raw bytes\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nsee attached\r\n--b\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: binary\r\n\r\n'),
      payload,
      Buffer.from('\r\n--b--\r\n'),
    ]);
    const c = await flow();
    try {
      const appended = await c.append('Drafts', message);
      expect(appended && appended.uid).toBe(1);
      const lock = await c.getMailboxLock('Drafts');
      try {
        const binary = await c.fetchOne('1', { bodyParts: ['2'] }, { binary: true });
        expect(binary && binary.bodyParts!.get('2')).toEqual(payload);
        const encoded = await c.fetchOne('1', { bodyParts: ['2'] });
        expect(encoded && encoded.bodyParts!.get('2')!.toString('latin1').trim()).toBe(payload.toString('base64'));
      } finally {
        lock.release();
      }
    } finally {
      await c.logout();
    }
    const [file] = await readAllMessages(maildirPath(lab.dataDir, 'default', 'alice@example.com', 'Drafts'));
    expect(file).toContain('Content-Transfer-Encoding: base64\n\nAAECDQoK/wANQQ==\n');
    expect(file).not.toContain('\0');
  });

  it('answers BINARY.SIZE and partial BINARY of a quoted-printable part, decoded', async () => {
    const c = await RawClient.open(lab.port('imap'));
    await c.until(/^\* OK/m);
    await c.command('a LOGIN alice@example.com secret', /^a OK.*\r\n/m);
    const qp = 'Subject: qp\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\ncaf=C3=A9 au =\r\nlait  \r\n';
    await c.command(`b APPEND INBOX {${qp.length}+}\r\n${qp}`, /^b OK.*\r\n/m);
    await c.command('c SELECT INBOX', /^c OK.*\r\n/m);
    const reply = await c.command('d FETCH 4 (BINARY.SIZE[1] BINARY.PEEK[1]<5.7> BINARY.PEEK[1.MIME])', /^d (OK|NO|BAD).*\r\n/m);
    expect(reply).toMatch(/^d BAD BINARY\.PEEK takes part numbers only/m);
    const ok = await c.command('e FETCH 4 (BINARY.SIZE[1] BINARY.PEEK[1]<5.7>)', /^e OK.*\r\n/m);
    // "café au lait" + CRLF: é is two octets in UTF-8; the padding after "lait" goes. Decoded content
    // goes out as a literal8, as Dovecot sends it.
    expect(ok).toContain('* 4 FETCH (BINARY.SIZE[1] 15 BINARY[1]<5> ~{7}\r\n au lai)');
    c.close();
  });
});

describe('URLAUTH with imaplib', () => {
  it('lends one part to bob, who fetches it while the key stands, and nobody else can', async () => {
    const script = (body: string): string => `
for name in ('GENURLAUTH', 'URLFETCH', 'RESETKEY'):
    imaplib.Commands[name] = ('AUTH', 'SELECTED')
${body}`;
    const lent = await imaplib(
      lab.port('imap'),
      script(`
M.login('alice@example.com', 'secret')
M.select('INBOX')
out['uid'] = M.uid('SEARCH', 'SUBJECT', '"port table"')[1][0].decode()
base = 'imap://alice@mail.example.com/INBOX/;UID=%s/;SECTION=2' % out['uid']
out['gen'] = M._simple_command('GENURLAUTH', '"%s;URLAUTH=user+bob@example.com"' % base, 'INTERNAL')
out['url'] = M.untagged_responses.pop('GENURLAUTH')[0].decode().strip('"')
out['anon'] = M._simple_command('GENURLAUTH', '"%s;URLAUTH=anonymous"' % base, 'INTERNAL')
out['anon_url'] = M.untagged_responses.pop('GENURLAUTH')[0].decode().strip('"')
try:
    M._simple_command('GENURLAUTH', '"imap://bob@mail.example.com/INBOX/;UID=1;URLAUTH=anonymous"', 'INTERNAL')
except imaplib.IMAP4.error as e:
    out['not_mine'] = str(e)
`),
    );
    expect(lent.gen[0]).toBe('OK');
    expect(lent.url).toMatch(/^imap:\/\/alice@mail\.example\.com\/INBOX\/;UID=\d+\/;SECTION=2;URLAUTH=user\+bob@example\.com:internal:[0-9a-f]{64}$/);
    expect(lent.not_mine).toMatch(/You can only lend your own messages/);

    const fetchAs = (user: string, extra = ''): Promise<Record<string, any>> =>
      imaplib(
        lab.port('imap'),
        script(`
M.login('${user}', 'secret')
out['fetch'] = M._simple_command('URLFETCH', '"%s"' % P['url'], '("%s" BINARY BODYPARTSTRUCTURE)' % P['anon'])
out['data'] = M.untagged_responses.pop('URLFETCH', None)
${extra}`),
        { url: lent.url, anon: lent.anon_url },
      );
    const bob = await fetchAs('bob@example.com');
    expect(bob.fetch[0]).toBe('OK');
    const text = (bob.data as unknown[]).flat().join('');
    // The part as stored (base64) for the plain form; decoded, with its structure, for the extended one.
    expect(text).toContain(Buffer.from('service,standard port').toString('base64'));
    expect(text).toContain('IMAPS,993,implicit TLS');
    expect(text).toContain('BODYPARTSTRUCTURE ("text" "csv"');
    // carol may use the anonymous URL, but not the one lent to bob.
    const carol = await fetchAs('carol@otherdomain.com');
    expect((carol.data as unknown[]).flat().join('')).toMatch(/^"imap:[^"]*user\+bob[^"]*" NIL "imap:[^"]*anonymous[^"]*" \(BODYPARTSTRUCTURE/);

    await imaplib(lab.port('imap'), script(`M.login('alice@example.com', 'secret')\nout['reset'] = M._simple_command('RESETKEY', 'INBOX')`));
    const after = await fetchAs('bob@example.com');
    expect((after.data as unknown[]).flat().join('')).toMatch(/^"imap:[^"]*user\+bob[^"]*" NIL "imap:[^"]*anonymous[^"]*" NIL$/);
  });
});

describe('URLAUTH keys under careless names, with imaplib', () => {
  it('revokes a URL lent as /inbox/ with RESETKEY INBOX, lends from a mailbox called "constructor", and answers a broken access escape without a server error', async () => {
    const out = await imaplib(
      lab.port('imap'),
      `
for name in ('GENURLAUTH', 'URLFETCH', 'RESETKEY'):
    imaplib.Commands[name] = ('AUTH', 'SELECTED')
def lend(url):
    typ, data = M._simple_command('GENURLAUTH', '"%s"' % url, 'INTERNAL')
    return M.untagged_responses.pop('GENURLAUTH')[0].decode().strip('"') if typ == 'OK' else None
def fetch(url):
    typ, data = M._simple_command('URLFETCH', '"%s"' % url)
    return [typ, b''.join(x if isinstance(x, bytes) else b''.join(x) for x in M.untagged_responses.pop('URLFETCH', []))]
M.login('alice@example.com', 'secret')
lower = lend('imap://alice@mail.example.com/inbox/;UID=1;URLAUTH=anonymous')
out['before'] = fetch(lower)
out['reset'] = M._simple_command('RESETKEY', 'INBOX')
out['after'] = fetch(lower)
M.create('constructor')
M.append('constructor', None, None, b'Subject: named after a prototype\\r\\n\\r\\nhello\\r\\n')
out['prototype_named'] = fetch(lend('imap://alice@mail.example.com/constructor/;UID=1;URLAUTH=anonymous'))
try:
    M._simple_command('GENURLAUTH', '"imap://alice@mail.example.com/INBOX/;UID=1;URLAUTH=user+%ZZ"', 'INTERNAL')
except imaplib.IMAP4.error as e:
    out['broken_lend'] = str(e)
out['broken_fetch'] = fetch('imap://alice@mail.example.com/INBOX/;UID=1;URLAUTH=user+%ZZ:INTERNAL:' + '0' * 64)
`,
    );
    expect(out.before[0]).toBe('OK');
    expect(out.before[1]).toContain('Subject:');
    expect(out.reset[0]).toBe('OK');
    // The same URL, once the key of INBOX (whatever its case in the URL) is replaced: NIL.
    expect(out.after).toEqual(['OK', expect.stringMatching(/^"imap:[^"]+" NIL$/)]);
    expect(out.prototype_named[0]).toBe('OK');
    expect(out.prototype_named[1]).toContain('Subject: named after a prototype');
    expect(out.broken_lend).toMatch(/Unknown access "user\+%ZZ"/);
    expect(out.broken_fetch).toEqual(['OK', expect.stringMatching(/^"imap:[^"]+" NIL$/)]);
  });
});

describe('URLAUTH and a mailbox made again under the same name, with imaplib', () => {
  it('does not open the new mailbox with URLs lent from one deleted or renamed away', async () => {
    const out = await imaplib(
      lab.port('imap'),
      `
for name in ('GENURLAUTH', 'URLFETCH'):
    imaplib.Commands[name] = ('AUTH', 'SELECTED')
def lend(url):
    typ, data = M._simple_command('GENURLAUTH', '"%s"' % url, 'INTERNAL')
    return M.untagged_responses.pop('GENURLAUTH')[0].decode().strip('"')
def fetch(url):
    typ, data = M._simple_command('URLFETCH', '"%s"' % url)
    return b''.join(x if isinstance(x, bytes) else b''.join(x) for x in M.untagged_responses.pop('URLFETCH', [])).decode()
def fill(name, subject):
    M.create(name)
    M.append(name, None, None, ('Subject: %s\\r\\n\\r\\nhello\\r\\n' % subject).encode())
M.login('alice@example.com', 'secret')
fill('Lent', 'first of its name')
deleted = lend('imap://alice@mail.example.com/Lent/;UID=1;URLAUTH=anonymous')
out['before'] = fetch(deleted)
M.delete('Lent')
fill('Lent', 'second of its name')
out['deleted'] = fetch(deleted)
fill('Box', 'renamed away')
renamed = lend('imap://alice@mail.example.com/Box/;UID=1;URLAUTH=anonymous')
M.rename('Box', 'Kept')
fill('Box', 'new under the old name')
out['renamed'] = fetch(renamed)
out['back'] = [M.delete('Box')[0], M.rename('Kept', 'Box')[0]]
out['renamed_back'] = fetch(renamed)
out['fresh'] = fetch(lend('imap://alice@mail.example.com/Lent/;UID=1;URLAUTH=anonymous'))
`,
    );
    expect(out.before).toContain('Subject: first of its name');
    expect(out.deleted).toMatch(/^"imap:[^"]+" NIL$/);
    expect(out.renamed).toMatch(/^"imap:[^"]+" NIL$/);
    // The mailbox the URL was lent from, back under its name: the URL opens it again.
    expect(out.back).toEqual(['OK', 'OK']);
    expect(out.renamed_back).toContain('Subject: renamed away');
    expect(out.fresh).toContain('Subject: second of its name');
  });
});

describe('the URLAUTH key table', () => {
  it('drops the keys of mailboxes long deleted once it holds as many as a user may have folders', async () => {
    // 1,000 keys of mailboxes created, lent from and deleted before (written as the lab writes them).
    const file = join(maildirPath(lab.dataDir, 'default', 'bob@example.com'), URLAUTH_KEYS_FILE);
    await writeFile(file, JSON.stringify(Object.fromEntries(Array.from({ length: MAX_FOLDERS }, (_, i) => [`gone-${i}`, '0'.repeat(32)]))));
    const out = await imaplib(
      lab.port('imap'),
      `
imaplib.Commands['GENURLAUTH'] = ('AUTH', 'SELECTED')
M.login('bob@example.com', 'secret')
M.create('Lent')
M.append('Lent', None, None, b'Subject: lent\\r\\n\\r\\nhello\\r\\n')
out['gen'] = M._simple_command('GENURLAUTH', '"imap://bob@mail.example.com/Lent/;UID=1;URLAUTH=anonymous"', 'INTERNAL')[0]
`,
    );
    expect(out.gen).toBe('OK');
    const keys = Object.keys(JSON.parse(await readFile(file, 'utf8')) as Record<string, string>);
    expect(keys).toEqual(['Lent']);
  });
});

describe('MULTIAPPEND and CATENATE over a raw socket', () => {
  const tagged = imapTagged;

  it('stores several messages in one APPEND, or none of them', async () => {
    const c = await RawClient.open(lab.port('imap'));
    await c.until(/^\* OK/m);
    await c.command('a LOGIN alice@example.com secret', tagged('a'));
    const one = 'Subject: one\r\n\r\n1\r\n';
    const two = 'Subject: two\r\n\r\n2\r\n';
    const reply = await c.command(`b APPEND Drafts (\\Seen) {${one.length}+}\r\n${one} (\\Flagged) "05-Sep-2026 12:00:00 +0200" {${two.length}+}\r\n${two}`, tagged('b'));
    expect(reply).toMatch(/^b OK \[APPENDUID \d+ 1:2\] APPEND completed: stored in "Drafts" as UIDs 1:2/m);
    // The third part names a message that is not there: nothing of this APPEND is stored.
    const bad = await c.command(`c APPEND Drafts {${one.length}+}\r\n${one} CATENATE (URL "/Drafts/;UID=99")`, tagged('c'));
    expect(bad).toMatch(/^c NO \[BADURL \/Drafts\/;UID=99\]/m);
    await c.command('d SELECT Drafts', tagged('d'));
    expect(await c.command('e FETCH 1:* (FLAGS INTERNALDATE)', tagged('e'))).toMatch(/\* 1 FETCH \(FLAGS \(\\Seen[^)]*\) INTERNALDATE "[^"]+"\)\r\n\* 2 FETCH \(FLAGS \(\\Flagged[^)]*\) INTERNALDATE "05-Sep-2026 10:00:00 \+0000"\)\r\ne OK/);
    c.close();
    const files = await readAllMessages(maildirPath(lab.dataDir, 'default', 'alice@example.com', 'Drafts'));
    expect(files.sort()).toEqual(['Subject: one\n\n1\n', 'Subject: two\n\n2\n']);
  });

  it('builds a message from a new header and the body of one already here', async () => {
    const c = await RawClient.open(lab.port('imap'));
    await c.until(/^\* OK/m);
    await c.command('a LOGIN alice@example.com secret', tagged('a'));
    const header = 'From: alice@example.com\r\nSubject: Fwd: welcome\r\n\r\n';
    const reply = await c.command(`b APPEND Drafts CATENATE (TEXT {${header.length}+}\r\n${header} URL "/INBOX/;UID=1/;SECTION=TEXT")`, tagged('b'));
    expect(reply).toMatch(/^b OK \[APPENDUID \d+ 1\]/m);
    await c.command('c SELECT INBOX', tagged('c'));
    const original = await c.command('d FETCH 1 BODY.PEEK[TEXT]', tagged('d'));
    const body = /\{(\d+)\}\r\n/.exec(original)!;
    const text = original.slice(body.index + body[0].length, body.index + body[0].length + Number(body[1]));
    c.close();
    const [file] = await readAllMessages(maildirPath(lab.dataDir, 'default', 'alice@example.com', 'Drafts'));
    expect(file).toBe(`${header}${text}`.replace(/\r\n/g, '\n'));
  });

  it('counts CATENATE parts as they come: URLs repeating a message past the size limit stop at the first one too many, and nothing is stored', async () => {
    const small = await startTestLab({ maxMessageSize: 4096 });
    try {
      const c = await RawClient.open(small.port('imap'));
      await c.until(/^\* OK/m);
      await c.command('a LOGIN alice@example.com secret', tagged('a'));
      const big = `Subject: big\r\n\r\n${'x'.repeat(3000)}\r\n`;
      expect(await c.command(`b APPEND Drafts {${big.length}+}\r\n${big}`, tagged('b'))).toMatch(/^b OK \[APPENDUID \d+ 1\]/m);
      // The second URL goes past 4096 octets: the answer comes then, not after the third
      // (which names nothing) was looked up; thousands of URLs to a 10 MB message held gigabytes.
      const again = await c.command('c APPEND INBOX CATENATE (URL "/Drafts/;UID=1" URL "/Drafts/;UID=1" URL "/Drafts/;UID=99")', tagged('c'));
      expect(again).toMatch(/^c NO \[TOOBIG\] The message is larger than the 4096 octets this server accepts/m);
      // MULTIAPPEND of many such messages, each small enough alone: together no more than the
      // literals of one APPEND may carry (4096 + 64 KiB here).
      const many = Array.from({ length: 30 }, () => 'CATENATE (URL "/Drafts/;UID=1")').join(' ');
      expect(await c.command(`d APPEND INBOX ${many}`, tagged('d'))).toMatch(/^d NO \[TOOBIG\] These messages together are larger than the 69632 octets one APPEND may carry/m);
      expect(await c.command('e STATUS INBOX (MESSAGES)', tagged('e'))).toContain('* STATUS INBOX (MESSAGES 3)');
      c.close();
    } finally {
      await small.dispose();
    }
  });
});
