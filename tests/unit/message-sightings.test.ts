/**
 * Which terminal moments offer a link into the message inspector: a 250 "queued as" in SMTP,
 * and the end of a POP3 RETR or IMAP FETCH that printed a Message-ID.
 */
import { describe, expect, it } from 'vitest';
import { MessageSightings } from '../../site/lib/messageSightings';
import { inspectHref } from '../../site/lib/inspectLinks';

describe('MessageSightings', () => {
  it('links an SMTP 250 queued-as reply by its queue id, and nothing else', () => {
    const s = new MessageSightings('smtp');
    expect(s.server('250-mail.example.com')).toBeUndefined();
    expect(s.server('354 End data with <CR><LF>.<CR><LF>')).toBeUndefined();
    expect(s.server('250 2.0.0 Ok: queued as 3F2A1B0C7D')).toEqual({ queue: '3F2A1B0C7D' });
  });

  it('links a POP3 RETR once its final dot arrives, in the mailbox of the USER', () => {
    const s = new MessageSightings('pop3');
    s.client('USER bob@example.com');
    expect(s.server('Message-ID: <before@x>')).toBeUndefined();
    s.client('RETR 2');
    for (const line of ['+OK 120 octets', 'Subject: hi', 'Message-ID: <m1@example.com>', '', '..dot-stuffed']) expect(s.server(line)).toBeUndefined();
    expect(s.server('.')).toEqual({ messageId: '<m1@example.com>', user: 'bob@example.com' });
    s.client('RETR 9');
    expect(s.server('-ERR no such message')).toBeUndefined();
  });

  it('links an IMAP FETCH when its tagged OK arrives, in the mailbox of the LOGIN user', () => {
    const s = new MessageSightings('imap');
    s.client('a1 LOGIN "alice" secret');
    s.client('a2 UID FETCH 4 BODY[]');
    expect(s.server('* 1 FETCH (UID 4 BODY[] {300}')).toBeUndefined();
    expect(s.server('Message-Id: <m2@example.com>')).toBeUndefined();
    expect(s.server('a2 OK Fetch completed')).toEqual({ messageId: '<m2@example.com>', user: 'alice' });
    s.client('a3 FETCH 1 FLAGS');
    expect(s.server('a3 OK done')).toBeUndefined();
  });

  it('builds links in the page language', () => {
    expect(inspectHref('en', { queue: '3F2A1B0C7D' })).toBe('/en/inspect/?queue=3F2A1B0C7D');
    expect(inspectHref('zh-CN', { user: 'bob@example.com', folder: 'INBOX', uid: 4 })).toBe('/inspect/?user=bob%40example.com&folder=INBOX&uid=4');
  });
});
