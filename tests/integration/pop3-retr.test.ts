/**
 * POP3 RETR and TOP byte for byte (RFC 1939 §7 and §11): every reply is the stored message with
 * CRLF line ends, a "." doubled at each line start and ".\r\n" after it, whichever way it is sent
 * (small messages in one write, big ones streamed piece by piece), one command at a time or many
 * pipelined in one packet; and a maildrop whose messages another session expunges, flags or
 * another program renames or deletes while the POP3 session is open, also after the session has
 * read the next message ahead (pop3/readAhead.ts). Judged with raw sockets.
 */
import { mkdir, readdir, rename, unlink, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FRESH_MS, readAheadHeld } from '../../lab-server/src/pop3/readAhead.js';
import { startTestLab, type TestLab } from '../helpers/lab.js';
import { maildirPath } from '../helpers/maildir.js';
import { imapLogin, imapTagged, RawClient } from '../helpers/rawSocket.js';

/** In delivery order (the file names sort this way), before the lab's own seed messages. */
const MESSAGES: Array<[string, Buffer]> = [
  ['dots', Buffer.from('.Subject: starts with a dot\n\n.\n..\n.hidden\n\n.\nend\n')],
  ['lone CR', Buffer.from('Subject: lone CR\n\nbefore\rafter\n\r\n.\r.\nlast\r')],
  ['no final line break', Buffer.from('Subject: unterminated\n\nfirst\n.second')],
  ['header only', Buffer.from('Subject: no body, no empty line\nX-Other: yes\n')],
  ['empty body', Buffer.from('Subject: empty body\n\n')],
  ['eight-bit', Buffer.concat([Buffer.from('Subject: 8bit\n\ncaf'), Buffer.from([0xe9, 0x0a, 0x00, 0xff, 0x0a]), Buffer.from('.日本\n')])],
  // Bigger than what is read in one synchronous call: streamed, with dots at piece boundaries.
  ['big', Buffer.from('Subject: big\n\n' + Array.from({ length: 9_000 }, (_, i) => (i % 5 === 0 ? `.${'d'.repeat(i % 97)}\n` : `line ${i} ${'x'.repeat(30)}\n`)).join(''))],
  ['big with CRs', Buffer.from('Subject: big CR\n\n' + 'a line with a lone \r in it\n.dot line\r\n'.repeat(8_000))],
];

const stuffed = (stored: Buffer): string => {
  // RFC 1939 on a stored (LF) message: each bare LF as CRLF, each line-start "." doubled, then the terminator.
  const wire = stored.toString('latin1').replace(/(?<!\r)\n/g, '\r\n');
  return wire.replace(/(^|\n)\./g, '$1..') + (wire === '' || wire.endsWith('\n') ? '' : '\r\n') + '.\r\n';
};

/** RFC 1939 TOP: the header, the empty line after it and `lines` body lines (all of a message without an empty line). */
const topOf = (stored: Buffer, lines: number): Buffer => {
  const text = stored.toString('latin1');
  const blank = text.indexOf('\n\n');
  if (blank === -1) return stored;
  const body = text.slice(blank + 2).split(/(?<=\n)/);
  return Buffer.from(text.slice(0, blank + 2) + body.slice(0, lines).join(''), 'latin1');
};

const retrReply = (stored: Buffer): string => `+OK ${stored.toString('latin1').replace(/(?<!\r)\n/g, '\r\n').length} octets\r\n${stuffed(stored)}`;
const topReply = (stored: Buffer, lines: number): string => `+OK Top of message follows\r\n${stuffed(topOf(stored, lines))}`;

let lab: TestLab;

async function dropMessages(address: string): Promise<string> {
  const inbox = maildirPath(lab.dataDir, 'default', address);
  for (const sub of ['new', 'cur', 'tmp']) await mkdir(join(inbox, sub), { recursive: true });
  await Promise.all(MESSAGES.map(([, data], i) => writeFile(join(inbox, 'new', `${1_600_000_000 + i}.M${i}P1.retr`), data)));
  return inbox;
}

/** Where a message's file is now, in cur/ or new/ (a session noticing it moves it). */
async function fileOf(inbox: string, prefix: string): Promise<string> {
  for (const sub of ['cur', 'new']) {
    const file = (await readdir(join(inbox, sub))).find((f) => f.startsWith(prefix));
    if (file) return join(inbox, sub, file);
  }
  throw new Error(`no file ${prefix}*`);
}

async function pop3Login(address: string): Promise<RawClient> {
  const c = await RawClient.open(lab.port('pop3'));
  await c.until(/^\+OK[^\r\n]*\r\n/);
  await c.command(`USER ${address}`, /\r\n$/);
  await c.command('PASS secret', /^\+OK[^\r\n]*\r\n/);
  return c;
}

beforeAll(async () => {
  lab = await startTestLab();
  // Before any session opens these maildrops: ours are messages 1 to 8, the seed messages after.
  await dropMessages('alice@example.com');
  await dropMessages('bob@example.com');
  await dropMessages('carol@otherdomain.com');
});
afterAll(async () => {
  await lab?.dispose();
});

describe('POP3 RETR and TOP', () => {
  it('send every message byte for byte, one command at a time', async () => {
    const c = await pop3Login('alice@example.com');
    for (const [i, [name, stored]] of MESSAGES.entries()) {
      const n = i + 1;
      expect(await c.command(`RETR ${n}`, /\r\n\.\r\n$/, 20_000) === retrReply(stored), `RETR ${name}`).toBe(true);
      for (const lines of [0, 1, 3, 100_000]) {
        expect(await c.command(`TOP ${n} ${lines}`, /\r\n\.\r\n$/, 20_000) === topReply(stored, lines), `TOP ${name} ${lines}`).toBe(true);
      }
    }
    await c.command('RSET', /\r\n$/);
    await c.command('QUIT', /signing off[^\r\n]*\r\n$/);
    c.close();
  });

  it('answer a hundred pipelined commands in one packet in order, byte for byte', async () => {
    const commands: string[] = [];
    let expected = '';
    for (let round = 0; round < 8; round++) {
      for (const [i, [, stored]] of MESSAGES.entries()) {
        if ((round + i) % 2 === 0) {
          commands.push(`RETR ${i + 1}`);
          expected += retrReply(stored);
        } else {
          commands.push(`TOP ${i + 1} ${round}`);
          expected += topReply(stored, round);
        }
      }
      commands.push('NOOP', 'LIST 9999');
      expected += '+OK\r\n-ERR No message 9999';
    }
    const socket = connect({ port: lab.port('pop3'), host: '127.0.0.1' });
    const chunks: Buffer[] = [];
    socket.on('data', (d: Buffer) => chunks.push(d));
    socket.write(`USER alice@example.com\r\nPASS secret\r\n${commands.join('\r\n')}\r\nQUIT\r\n`);
    await new Promise((r) => socket.once('close', r));
    const got = Buffer.concat(chunks).toString('latin1');
    // Greeting, USER and PASS replies first; the QUIT reply last. The -ERR lines end differently per lab: compare up to them.
    const replies = got.split(/^(?=\+OK (?:Send PASS|Logged in))/m).pop()!.replace(/^\+OK Logged in[^\r\n]*\r\n/, '');
    const normalised = replies.replace(/-ERR No message 9999[^\r\n]*\r\n/g, '-ERR No message 9999');
    expect(normalised.endsWith('signing off (deleted: 0)\r\n')).toBe(true);
    expect(normalised.slice(0, expected.length) === expected).toBe(true);
  });

  it('answer every one of many short pipelined commands, past the few dozen answered in one turn', async () => {
    // Short replies never wait for the client, so the session goes on to yield its turn mid-packet.
    const commands = Array.from({ length: 100 }, (_, i) => (i % 2 === 0 ? 'NOOP' : `LIST ${(i % MESSAGES.length) + 1}`));
    const socket = connect({ port: lab.port('pop3'), host: '127.0.0.1' });
    const chunks: Buffer[] = [];
    socket.on('data', (d: Buffer) => chunks.push(d));
    socket.write(`USER alice@example.com\r\nPASS secret\r\n${commands.join('\r\n')}\r\nQUIT\r\n`);
    await new Promise((r) => socket.once('close', r));
    const lines = Buffer.concat(chunks).toString('latin1').split('\r\n');
    const answers = lines.slice(lines.findIndex((l) => l.startsWith('+OK Logged in')) + 1, -2);
    const size = (n: number): number => MESSAGES[n - 1]![1].toString('latin1').replace(/(?<!\r)\n/g, '\r\n').length;
    expect(answers).toEqual(commands.map((c) => (c === 'NOOP' ? '+OK' : `+OK ${c.slice(5)} ${size(Number(c.slice(5)))}`)));
    expect(lines.at(-2)).toMatch(/signing off \(deleted: 0\)$/);
  });
});

describe('a maildrop changed under an open POP3 session', () => {
  it('answers expunged and deleted messages with -ERR, finds flagged and renamed ones, and marks what it sent \\Seen at QUIT', async () => {
    const address = 'bob@example.com';
    const inbox = maildirPath(lab.dataDir, 'default', address);
    const pop = await pop3Login(address);
    expect(await pop.command('STAT', /\r\n$/)).toMatch(/^\+OK \d+ \d+\r\n$/);

    // Another session expunges message 1 (small) and message 7 (big) and flags message 2.
    const imap = await imapLogin(lab.port('imap'), address);
    await imap.command('s SELECT INBOX', imapTagged('s'));
    await imap.command('d UID STORE 1,7 +FLAGS.SILENT (\\Deleted)', imapTagged('d'));
    await imap.command('e EXPUNGE', imapTagged('e'));
    await imap.command('f UID STORE 2 +FLAGS.SILENT (\\Flagged)', imapTagged('f'));
    // Another program renames message 3's file (new flags in its name) and deletes message 4's.
    const third = await fileOf(inbox, '1600000002.');
    await rename(third, join(inbox, 'cur', `${third.split('/').pop()!.split(':')[0]}:2,F`));
    await unlink(await fileOf(inbox, '1600000003.'));

    for (const n of [1, 7, 4]) {
      expect(await pop.command(`RETR ${n}`, /\r\n$/)).toBe(`-ERR Message ${n} was removed by another session. Type LIST to see what is left\r\n`);
      expect(await pop.command(`TOP ${n} 1`, /\r\n$/)).toMatch(new RegExp(`^-ERR Message ${n} was removed`));
    }
    for (const n of [2, 3, 5, 6, 8]) {
      const stored = MESSAGES[n - 1]![1];
      expect(await pop.command(`RETR ${n}`, /\r\n\.\r\n$/, 20_000) === retrReply(stored), MESSAGES[n - 1]![0]).toBe(true);
      expect(await pop.command(`TOP ${n} 2`, /\r\n\.\r\n$/, 20_000) === topReply(stored, 2), MESSAGES[n - 1]![0]).toBe(true);
    }
    expect(await pop.command('QUIT', /\r\n$/)).toMatch(/^\+OK [^\r\n]*signing off/);
    pop.close();

    // What was sent is \Seen (with the flags others set); what could not be sent is not there to mark.
    const reply = await imap.command('g UID FETCH 1:8 (FLAGS)', imapTagged('g'));
    imap.close();
    const flags = new Map([...reply.matchAll(/^\* \d+ FETCH \((?:UID (\d+) FLAGS \(([^)]*)\)|FLAGS \(([^)]*)\) UID (\d+))\)/gm)].map((m) => [Number(m[1] ?? m[4]), m[2] ?? m[3]!]));
    for (const uid of [2, 3, 5, 6, 8]) expect(flags.get(uid), `UID ${uid}`).toContain('\\Seen');
    expect(flags.get(2)).toContain('\\Flagged');
    expect(flags.get(3)).toContain('\\Flagged');
    expect(flags.has(1) || flags.has(7)).toBe(false);
  });
});

describe('a download in order, read ahead', () => {
  it('answers each RETR as the maildrop is when it comes, not as it was when the message was read ahead', async () => {
    const address = 'carol@otherdomain.com';
    const inbox = maildirPath(lab.dataDir, 'default', address);
    const pop = await pop3Login(address);
    const sent = async (n: number): Promise<void> => {
      const stored = MESSAGES[n - 1]![1];
      expect(await pop.command(`RETR ${n}`, /\r\n\.\r\n$/, 20_000) === retrReply(stored), MESSAGES[n - 1]![0]).toBe(true);
    };
    const removed = async (n: number): Promise<void> => {
      expect(await pop.command(`RETR ${n}`, /\r\n$/)).toBe(`-ERR Message ${n} was removed by another session. Type LIST to see what is left\r\n`);
    };
    const imap = await imapLogin(lab.port('imap'), address);
    await imap.command('s SELECT INBOX', imapTagged('s'));

    // The lab runs in this process: the reply to RETR 3 is made before this test reads RETR 2's.
    await sent(1);
    await sent(2);
    expect(readAheadHeld()).toBeGreaterThan(0);
    // Expunged by another session after it was read ahead.
    await imap.command('d UID STORE 3 +FLAGS.SILENT (\\Deleted)', imapTagged('d'));
    await imap.command('e EXPUNGE', imapTagged('e'));
    await removed(3);
    // Flagged (its file renamed) after it was read ahead: its bytes are the same, and sent.
    await sent(4);
    await imap.command('f UID STORE 5 +FLAGS.SILENT (\\Flagged)', imapTagged('f'));
    await sent(5);
    // Deleted by another program once the reply read ahead is older than FRESH_MS.
    await new Promise((r) => setTimeout(r, FRESH_MS + 100));
    await unlink(await fileOf(inbox, '1600000005.'));
    await removed(6);
    await sent(7);
    await sent(8);

    expect(await pop.command('QUIT', /\r\n$/)).toMatch(/^\+OK [^\r\n]*signing off \(deleted: 0\)/);
    pop.close();
    imap.close();
    // Whatever was read ahead last is let go with the session.
    expect(readAheadHeld()).toBe(0);
  });
});
