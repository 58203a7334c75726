/**
 * Folders made as "inbox.Work" before the lab read a first level "inbox" in any case as INBOX:
 * on disk ".inbox.Work", which LIST showed but no command could reach any more. Opening the
 * sandbox again, the lab renames them under INBOX (or, when that name is taken, to a first level of their own),
 * with their messages, flags and UIDVALIDITY. IMAP URLs read "inbox" the same way.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { imaplib as runImaplib } from '../helpers/imaplib.js';
import { startTestLab, type TestLab } from '../helpers/lab.js';
import { listMaildir, maildirPath } from '../helpers/maildir.js';
import { URLAUTH_KEYS_FILE } from '../../lab-server/src/maildir/mailbox.js';

let lab: TestLab;
beforeAll(async () => {
  lab = await startTestLab();
});
afterAll(async () => {
  await lab?.dispose();
});

const imaplib = (body: string): Promise<Record<string, any>> => runImaplib(lab.port('imap'), body);
const home = (): string => maildirPath(lab.dataDir, 'default', 'bob@example.com');

/** A folder as the lab made it before: a Maildir++ directory with one message, flagged. */
async function oldFolder(entry: string, subject: string): Promise<void> {
  const dir = join(home(), entry);
  for (const sub of ['new', 'cur', 'tmp']) await mkdir(join(dir, sub), { recursive: true });
  const raw = `Subject: ${subject}\r\n\r\nkept\r\n`;
  await writeFile(join(dir, 'cur', `1700000000.M1P1Q1.old,S=${raw.length},W=${raw.length}:2,F`), raw);
}

describe('folders made under another spelling of INBOX', () => {
  it('are renamed under INBOX when the lab opens the Maildir, and reached by every command', async () => {
    await oldFolder('.inbox.Work', 'work');
    await oldFolder('.inbox.Work.2024', 'work 2024');
    // The learner made both "Inbox.Both" and "INBOX.Both": neither may swallow or hide the other.
    await oldFolder('.Inbox.Both', 'lower');
    await oldFolder('.INBOX.Both', 'upper');
    // A subscription outlives its folder (DELETE does not unsubscribe): "inbox.Gone" must stay removable.
    await writeFile(join(home(), 'subscriptions'), 'INBOX\ninbox.Work\ninbox.Gone\n');
    lab = await lab.restart();

    const out = await imaplib(`
M.login('bob@example.com', 'secret')
out['list'] = M.list('""', '*')
out['lsub'] = M.lsub('""', '*')
out['select'] = M.select('INBOX.Work')
out['fetch'] = M.fetch('1', '(FLAGS BODY.PEEK[HEADER.FIELDS (SUBJECT)])')
out['status'] = M.status('inbox.Work.2024', '(MESSAGES)')
out['upper'] = M.status('INBOX.Both', '(MESSAGES)')
out['lower'] = M.status('Inbox-1.Both', '(MESSAGES)')
M.select('Inbox-1.Both')
out['lowerSubject'] = M.fetch('1', '(BODY.PEEK[HEADER.FIELDS (SUBJECT)])')
out['rename'] = M.rename('inbox.Work.2024', 'Archive2024')
out['delete'] = M.delete('Archive2024')
out['unsubscribe'] = M.unsubscribe('inbox.Gone')
`);
    const names = (out.list[1] as string[]).map((line) => line.replace(/^\(([^)]*)\) "\." /, '$1 '));
    expect(names).toEqual(
      expect.arrayContaining(['\\HasChildren INBOX', '\\HasNoChildren INBOX.Both', '\\HasChildren INBOX.Work', '\\HasNoChildren INBOX.Work.2024', '\\HasNoChildren Inbox-1.Both']),
    );
    expect(names.filter((n) => /inbox/i.test(n) && !/INBOX|Inbox-1/.test(n))).toEqual([]);
    expect(out.lsub[1]).toEqual(['() "." INBOX', '() "." INBOX.Gone', '() "." INBOX.Work']);
    expect(out.select).toEqual(['OK', ['1']]);
    expect(out.fetch[1][0][0]).toMatch(/FLAGS \(\\Flagged[ )]/);
    expect(out.fetch[1][0][1]).toBe('Subject: work\r\n\r\n');
    expect(out.status).toEqual(['OK', ['INBOX.Work.2024 (MESSAGES 1)']]);
    expect(out.upper).toEqual(['OK', ['INBOX.Both (MESSAGES 1)']]);
    expect(out.lower).toEqual(['OK', ['Inbox-1.Both (MESSAGES 1)']]);
    expect(out.lowerSubject[1][0][1]).toBe('Subject: lower\r\n\r\n');
    expect(out.rename[0]).toBe('OK');
    expect(out.delete[0]).toBe('OK');
    expect(out.unsubscribe[0]).toBe('OK');
    expect(await readFile(join(home(), 'subscriptions'), 'utf8')).toBe('INBOX\nINBOX.Work\n');
    expect([...(await listMaildir(join(home(), '.INBOX.Both'))).cur]).toHaveLength(1);
  });

  it('keeps UIDVALIDITY and UIDs through the rename', async () => {
    const made = await imaplib(`
M.login('alice@example.com', 'secret')
M.create('Proj')
out['append'] = M.append('Proj', None, None, b'Subject: proj\\r\\n\\r\\nbody\\r\\n')
out['status'] = M.status('Proj', '(UIDVALIDITY UIDNEXT)')
`);
    expect(made.append[0]).toBe('OK');
    lab = await lab.restart();
    // The folder is moved aside as a ".inbox.Proj" made by the old lab would have been.
    await rename(maildirPath(lab.dataDir, 'default', 'alice@example.com', 'Proj'), maildirPath(lab.dataDir, 'default', 'alice@example.com', 'inbox.Proj'));
    lab = await lab.restart();
    const out = await imaplib(`
M.login('alice@example.com', 'secret')
out['status'] = M.status('INBOX.Proj', '(UIDVALIDITY UIDNEXT)')
`);
    expect(out.status[1][0]).toBe(made.status[1][0].replace(/^Proj/, 'INBOX.Proj'));
  });

  it('keeps the URLAUTH key lent under the old spelling: a URL made before the rename still opens its message', async () => {
    const user = 'alice@example.com';
    const lend = await runImaplib(
      lab.port('imap'),
      `
M.login('${user}', 'secret')
M.create('INBOX.Lent')
M.append('INBOX.Lent', None, None, b'Subject: lent\\r\\n\\r\\nbody\\r\\n')
imaplib.Commands['GENURLAUTH'] = ('AUTH', 'SELECTED')
out['gen'] = M._simple_command('GENURLAUTH', '"imap://alice@mail.example.com/inbox.Lent/;UID=1;URLAUTH=anonymous"', 'INTERNAL')
out['url'] = M.untagged_responses.pop('GENURLAUTH')[0].decode().strip('"')
`,
    );
    expect(lend.gen[0]).toBe('OK');
    lab = await lab.restart();
    // As the lab before 28a919b left it: the folder on disk as ".inbox.Lent", its key kept under the name as typed.
    const aliceHome = maildirPath(lab.dataDir, 'default', user);
    await rename(join(aliceHome, '.INBOX.Lent'), join(aliceHome, '.inbox.Lent'));
    const keysFile = join(aliceHome, URLAUTH_KEYS_FILE);
    const keys = JSON.parse(await readFile(keysFile, 'utf8')) as Record<string, string>;
    expect(Object.keys(keys)).toEqual(['INBOX.Lent']);
    await writeFile(keysFile, JSON.stringify({ 'inbox.Lent': keys['INBOX.Lent'] }));
    lab = await lab.restart();
    const out = await runImaplib(
      lab.port('imap'),
      `
M.login('${user}', 'secret')
imaplib.Commands['URLFETCH'] = ('AUTH', 'SELECTED')
out['fetch'] = M._simple_command('URLFETCH', '"${lend.url}"')
out['data'] = str(M.untagged_responses.pop('URLFETCH', None))
`,
    );
    expect(out.fetch[0]).toBe('OK');
    expect(out.data).toContain('Subject: lent');
    expect(JSON.parse(await readFile(keysFile, 'utf8'))).toEqual({ 'INBOX.Lent': keys['INBOX.Lent'] });
  });

  it('reads "inbox" in IMAP URLs as INBOX, as in mailbox names', async () => {
    const out = await imaplib(`
M.login('alice@example.com', 'secret')
M.create('INBOX.Sub')
M.append('INBOX.Sub', None, None, b'Subject: sub\\r\\n\\r\\nbody\\r\\n')
out['catenate'] = M._simple_command('APPEND', 'Drafts', 'CATENATE', '(URL "/inbox.Sub/;UID=1")')
M.select('Drafts')
out['copied'] = M.fetch('*', '(BODY.PEEK[HEADER.FIELDS (SUBJECT)])')
for name in ('GENURLAUTH', 'URLFETCH'):
    imaplib.Commands[name] = ('AUTH', 'SELECTED')
out['gen'] = M._simple_command('GENURLAUTH', '"imap://alice@mail.example.com/inbox.Sub/;UID=1;URLAUTH=anonymous"', 'INTERNAL')
url = M.untagged_responses.pop('GENURLAUTH')[0].decode().strip('"')
out['fetch'] = M._simple_command('URLFETCH', '"%s"' % url)
out['data'] = str(M.untagged_responses.pop('URLFETCH', None))
`);
    expect(out.catenate[0]).toBe('OK');
    expect(out.copied[1][0][1]).toBe('Subject: sub\r\n\r\n');
    expect(out.gen[0]).toBe('OK');
    expect(out.fetch[0]).toBe('OK');
    expect(out.data).toContain('Subject: sub');
  });
});
