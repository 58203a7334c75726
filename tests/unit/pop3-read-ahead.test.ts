/**
 * POP3 read-ahead's bounds (pop3/readAhead.ts) on a real Maildir in a temp dir: only in-order
 * downloads are read ahead, only small messages, a reply is used once and only while the folder
 * still holds the message, and all sessions together never hold more than BUDGET octets,
 * stale replies giving way to a session that needs the room.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Mailbox } from '../../lab-server/src/maildir/mailbox.js';
import { Maildrop } from '../../lab-server/src/pop3/maildrop.js';
import { BUDGET, FRESH_MS, MAX_MESSAGE, ReadAhead, readAheadHeld } from '../../lab-server/src/pop3/readAhead.js';

let dir: string;
let box: Mailbox;
let drop: Maildrop;
/** Message 2, a little under MAX_MESSAGE, as RETR sends it. */
let secondReply: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'maillab-read-ahead-'));
  box = new Mailbox('a@example.com', join(dir, 'a'));
  await box.create();
  const line = `${'x'.repeat(78)}\n`;
  const body = line.repeat(Math.floor((MAX_MESSAGE - 100) / line.length));
  await box.inbox.deliver(Buffer.from('Subject: one\n\nfirst\n'));
  await box.inbox.deliver(Buffer.from(`Subject: two\n\n${body}`));
  await box.inbox.deliver(Buffer.from(`Subject: three\n\n${body}${body}`));
  const messages = [...(await box.inbox.sync())];
  drop = new Maildrop(box, box.inbox, messages, () => undefined);
  const wire = `Subject: two\r\n\r\n${body.replaceAll('\n', '\r\n')}`;
  secondReply = `+OK ${wire.length} octets\r\n${wire}.\r\n`;
  expect(messages[1]!.wireSize).toBe(wire.length);
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A session that has just sent message `number` and answered everything: it reads the next ahead. */
function after(number: number, session = new ReadAhead()): ReadAhead {
  session.sent(number);
  session.prepare(drop);
  return session;
}

describe('POP3 read-ahead', () => {
  it('reads the next message after an in-order RETR, and gives it once to the RETR of that number', () => {
    const session = after(1);
    expect(readAheadHeld()).toBe(secondReply.length);
    expect(session.take(2, box.inbox)).toBe(secondReply);
    expect(readAheadHeld()).toBe(0);
    expect(session.take(2, box.inbox)).toBeUndefined();

    // Another number lets it go unused.
    expect(after(1).take(3, box.inbox)).toBeUndefined();
    expect(readAheadHeld()).toBe(0);
  });

  it('does not read ahead out of order, past the end, or a message over MAX_MESSAGE', () => {
    const session = after(1);
    session.release();
    after(3, session); // 1 then 3: not in order
    expect(readAheadHeld()).toBe(0);
    after(2, after(1)).release();
    const third = after(2, after(1)).take(3, box.inbox);
    expect(third).toBeUndefined(); // message 3 is twice MAX_MESSAGE
    const last = new ReadAhead();
    for (const n of [1, 2, 3]) last.sent(n);
    last.prepare(drop);
    expect(readAheadHeld()).toBe(0);
  });

  it('gives nothing once the message is expunged; new flags leave its bytes as they were', async () => {
    const flagged = after(1);
    await box.inbox.storeFlags([{ uid: drop.messages[1]!.uid, flags: 'F' }]);
    expect(flagged.take(2, box.inbox)).toBe(secondReply);
    const expunged = after(1);
    await box.inbox.expunge([drop.messages[1]!.uid]);
    expect(expunged.take(2, box.inbox)).toBeUndefined();
    expect(readAheadHeld()).toBe(0);
  });

  it(`holds at most BUDGET octets across sessions; stale ones give way after FRESH_MS`, async () => {
    const sessions = Array.from({ length: Math.ceil(BUDGET / secondReply.length) + 20 }, () => after(1));
    const fits = Math.floor(BUDGET / secondReply.length);
    expect(readAheadHeld()).toBe(fits * secondReply.length);

    await new Promise((r) => setTimeout(r, FRESH_MS + 50));
    // A new session finds room: the stale replies are let go, and none of them is given.
    const fresh = after(1);
    expect(readAheadHeld()).toBe(secondReply.length);
    expect(fresh.take(2, box.inbox)).toBe(secondReply);
    expect(sessions.map((s) => s.take(2, box.inbox)).filter((r) => r !== undefined)).toEqual([]);
    for (const s of sessions) s.release();
    expect(readAheadHeld()).toBe(0);
  });
});
