/**
 * The IMAP server driven by curl: LIST, FETCH by UID and by index, sections and partial
 * fetches, custom commands with -X, upload with -T, and imaps:// with -k.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../helpers/clients.js';
import { startTestLab, type TestLab } from '../helpers/lab.js';
import { listMaildir, maildirPath, readAllMessages } from '../helpers/maildir.js';

let lab: TestLab;
beforeAll(async () => {
  lab = await startTestLab();
});
afterAll(async () => {
  await lab?.dispose();
});

const base = (): string => `imap://127.0.0.1:${lab.port('imap')}`;

async function curl(url: string, ...extra: string[]): Promise<string> {
  const r = await run('curl', ['-sS', '--max-time', '15', '-u', 'alice@example.com:secret', ...extra, url]);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return r.stdout;
}

describe('curl imap://', () => {
  it('lists the mailboxes with their special-use attributes', async () => {
    const out = await curl(`${base()}/`);
    expect(out.split('\r\n')).toEqual(
      expect.arrayContaining(['* LIST (\\HasNoChildren) "." INBOX', '* LIST (\\HasNoChildren \\Sent) "." Sent', '* LIST (\\HasNoChildren \\Trash) "." Trash']),
    );
  });

  it('fetches a message by UID and by index, a section, and a partial range', async () => {
    const byUid = await curl(`${base()}/INBOX/;UID=1`);
    expect(byUid).toMatch(/^Return-Path: <postmaster@example\.com>\r\n/);
    expect(byUid).toContain('Subject: Welcome to MailLab\r\n');
    expect(byUid).toContain('\r\nHello Alice,\r\n');
    const byIndex = await curl(`${base()}/INBOX/;MAILINDEX=2`);
    expect(byIndex).toContain('Subject: The port table, as a file');
    const section = await curl(`${base()}/INBOX/;UID=2/;SECTION=1`);
    expect(section).toBe('Hi, the table of mail ports is attached as ports.csv.\r\nLook at this message with FETCH 2 BODYSTRUCTURE to see its two parts.\r\n');
    const header = await curl(`${base()}/INBOX/;UID=3/;SECTION=HEADER.FIELDS%20(SUBJECT)`);
    expect(header).toBe('Subject: =?UTF-8?B?6YKu5Lu257O757uf5a6e6aqM77ya5Lul54K55byA5aS055qE6KGM?=\r\n\r\n');
    const partial = await curl(`${base()}/INBOX/;UID=1/;PARTIAL=0.11`);
    expect(partial).toBe('Return-Path');
  });

  it('runs custom commands with -X', async () => {
    expect(await curl(`${base()}/INBOX`, '-X', 'SEARCH FROM bob')).toBe('* SEARCH 2\r\n');
    expect(await curl(`${base()}/`, '-X', 'STATUS INBOX (MESSAGES UIDNEXT)')).toBe('* STATUS INBOX (MESSAGES 3 UIDNEXT 4)\r\n');
    expect(await curl(`${base()}/INBOX`, '-X', 'FETCH 1:3 (UID RFC822.SIZE)')).toMatch(/^\* 1 FETCH \(UID 1 RFC822\.SIZE \d+\)\r\n\* 2 FETCH/);
    // A failing command makes curl fail, with the server's words.
    const r = await run('curl', ['-sS', '--max-time', '15', '-u', 'alice@example.com:secret', '-X', 'EXAMINE Nowhere', `${base()}/`]);
    expect(r.code).not.toBe(0);
  });

  it('uploads a message with -T into .Sent/cur', async () => {
    const file = join(lab.dataDir, 'upload.eml');
    await writeFile(file, 'From: alice@example.com\r\nTo: bob@example.com\r\nSubject: uploaded by curl\r\n\r\nHello from curl -T.\r\n');
    await curl(`${base()}/Sent`, '-T', file);
    const dir = maildirPath(lab.dataDir, 'default', 'alice@example.com', 'Sent');
    expect((await listMaildir(dir)).cur).toHaveLength(1);
    expect((await readAllMessages(dir))[0]).toContain('Subject: uploaded by curl\n');
    expect(await curl(`${base()}/Sent/;UID=1/;SECTION=TEXT`)).toBe('Hello from curl -T.\r\n');
  });

  it('speaks imaps:// with -k', async () => {
    const out = await curl(`imaps://127.0.0.1:${lab.port('imaps')}/INBOX/;UID=2/;SECTION=HEADER.FIELDS%20(FROM)`, '-k');
    expect(out).toBe('From: Bob <bob@example.com>\r\n\r\n');
  });

  it('upgrades imap:// with STARTTLS when asked (--ssl-reqd)', async () => {
    const out = await curl(`${base()}/INBOX/;UID=1/;SECTION=HEADER.FIELDS%20(SUBJECT)`, '--ssl-reqd', '-k');
    expect(out).toBe('Subject: Welcome to MailLab\r\n\r\n');
  });
});
