/**
 * The IMAP server driven by imapflow, a full client library: STARTTLS, LIST with special-use,
 * envelopes, structures and bodies, APPEND to Sent, MOVE to Trash, and IDLE woken by a message
 * sent through the lab's SMTP listener with nodemailer.
 */
import { ImapFlow } from 'imapflow';
import nodemailer from 'nodemailer';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startTestLab, type TestLab } from '../helpers/lab.js';
import { listMaildir, maildirPath } from '../helpers/maildir.js';

let lab: TestLab;
const clients: ImapFlow[] = [];

beforeAll(async () => {
  lab = await startTestLab();
});
afterAll(async () => {
  await lab?.dispose();
});
afterEach(async () => {
  for (const c of clients.splice(0)) await c.logout().catch(() => c.close());
  await lab.sandboxes.reset('default');
});

async function client(user = 'alice@example.com', secure = false): Promise<ImapFlow> {
  const c = new ImapFlow({
    host: '127.0.0.1',
    port: secure ? lab.port('imaps') : lab.port('imap'),
    secure,
    auth: { user, pass: 'secret' },
    logger: false,
    tls: { rejectUnauthorized: false },
  });
  clients.push(c);
  await c.connect();
  return c;
}

describe('imapflow', () => {
  it('upgrades with STARTTLS and lists mailboxes with special-use flags', async () => {
    const c = await client();
    expect(c.secureConnection).toBe(true);
    const boxes = await c.list();
    const byPath = Object.fromEntries(boxes.map((b) => [b.path, b]));
    expect(Object.keys(byPath).sort()).toEqual(['Drafts', 'INBOX', 'Sent', 'Trash']);
    expect(byPath.Sent!.specialUse).toBe('\\Sent');
    expect(byPath.Sent!.specialUseSource).toBe('extension');
    expect(byPath.Trash!.specialUse).toBe('\\Trash');
    expect(byPath.Drafts!.specialUse).toBe('\\Drafts');
    expect(byPath.INBOX!.subscribed).toBe(true);
    expect(byPath.INBOX!.delimiter).toBe('.');
  });

  it('fetches envelopes, decoded by the client, body structures and bodies', async () => {
    const c = await client();
    const box = await c.mailboxOpen('INBOX');
    expect(box.exists).toBe(3);
    const messages = [];
    for await (const m of c.fetch('1:*', { uid: true, envelope: true, bodyStructure: true, flags: true, size: true })) messages.push(m);
    expect(messages.map((m) => m.envelope?.subject)).toEqual(['Welcome to MailLab', 'The port table, as a file', '邮件系统实验：以点开头的行']);
    expect(messages[2]!.envelope?.from?.[0]).toEqual({ name: '卡罗尔', address: 'carol@otherdomain.com' });
    expect(messages[1]!.bodyStructure?.childNodes?.map((n) => `${n.type} ${n.disposition ?? ''}`)).toEqual(['text/plain ', 'text/csv attachment']);
    expect(messages[1]!.bodyStructure?.childNodes?.[1]?.dispositionParameters).toEqual({ filename: 'ports.csv' });
    const one = await c.fetchOne('3', { source: true, bodyParts: ['1'] });
    expect(one && one.source?.toString('utf8')).toContain('\r\n..two dots\r\n');
    expect(one && one.bodyParts?.get('1')?.toString('utf8')).toContain('—— 卡罗尔 / Carol');
    const { content } = await c.download('2', '2');
    const chunks: Buffer[] = [];
    for await (const chunk of content!) chunks.push(chunk as Buffer);
    expect(Buffer.concat(chunks).toString()).toContain('IMAP,143,STARTTLS');
  });

  it('appends to Sent (a file in .Sent/cur) and moves a message to Trash', async () => {
    const c = await client('bob@example.com', true);
    const raw = 'From: Bob <bob@example.com>\r\nTo: Alice <alice@example.com>\r\nSubject: sent copy\r\n\r\nkept in Sent\r\n';
    const appended = await c.append('Sent', raw, ['\\Seen']);
    expect(appended && appended.uid).toBe(1);
    expect(appended && appended.uidValidity).toBeGreaterThan(0n);
    const sent = await listMaildir(maildirPath(lab.dataDir, 'default', 'bob@example.com', 'Sent'));
    expect(sent.cur).toEqual([expect.stringMatching(/:2,S$/)]);
    await c.mailboxOpen('INBOX');
    const moved = await c.messageMove('1', 'Trash');
    expect(moved && [...moved.uidMap!.entries()]).toEqual([[1, 1]]);
    expect(c.mailbox && c.mailbox.exists).toBe(2);
    const trash = await c.status('Trash', { messages: true });
    expect(trash && trash.messages).toBe(1);
  });

  it('is woken from IDLE by a message sent with nodemailer through the lab SMTP listener', async () => {
    const c = await client();
    await c.mailboxOpen('INBOX');
    const arrived = new Promise<{ count: number; prevCount: number }>((resolve) => c.on('exists', resolve));
    const idling = c.idle();
    await new Promise((r) => setTimeout(r, 100));
    const transport = nodemailer.createTransport({ host: '127.0.0.1', port: lab.port('smtp'), secure: false, ignoreTLS: true });
    await transport.sendMail({ from: 'bob@example.com', to: 'alice@example.com', subject: 'IDLE wake-up', text: 'new mail' });
    transport.close();
    const event = await Promise.race([arrived, new Promise<never>((_, reject) => setTimeout(() => reject(new Error('no EXISTS while idling')), 5000))]);
    expect(event).toMatchObject({ count: 4, prevCount: 3 });
    const latest = await c.fetchOne('*', { envelope: true });
    expect(latest && latest.envelope?.subject).toBe('IDLE wake-up');
    await idling.catch(() => undefined);
  });
});
