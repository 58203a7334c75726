/**
 * IMAP literals are held in memory until their command is done, within the budget SMTP's DATA
 * has (per address and for the whole lab): APPENDs stopped one octet short on many connections
 * used to hold 10 MB a connection, 2,000 connections an address. The budget is taken as the
 * octets arrive, as DATA takes it: a literal that was only announced ({10485760}, then nothing)
 * used to take its whole size at once, so a few idle connections refused every SMTP message and
 * APPEND in the lab for free.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { python } from '../helpers/clients.js';
import { startTestLab, type TestLab } from '../helpers/lab.js';
import { imapTagged as tagged, RawClient } from '../helpers/rawSocket.js';

const MB = 1024 * 1024;
const NO_ROOM = 'NO [UNAVAILABLE] Too much mail is being received from your address at once; nothing of this command was kept. Send it again in a minute\r\n';

let lab: TestLab;
const open: RawClient[] = [];
beforeAll(async () => {
  lab = await startTestLab({ limits: { mailDataBytes: 24 * MB, mailDataBytesPerAddress: 8 * MB } });
});
afterAll(async () => {
  for (const c of open) c.close();
  await lab?.dispose();
});

async function login(from: string): Promise<RawClient> {
  const c = await RawClient.open(lab.port('imap'), false, from);
  open.push(c);
  await c.until(/^\* OK [^\r\n]*\r\n/m);
  await c.command('l LOGIN alice@example.com secret', tagged('l'));
  return c;
}

/** Announces `{size}` on `c` until the answer is `wanted` ("+" or NO): the octets others sent are counted as the lab reads them. */
async function announceUntil(c: RawClient, tag: string, size: number, wanted: '+' | 'NO'): Promise<string> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const reply = await c.command(`${tag} APPEND INBOX {${size}}`, new RegExp(`^(\\+ |${tag} NO)[^\\r\\n]*\\r\\n`, 'm'));
    if (reply.startsWith('+') === (wanted === '+') || Date.now() > deadline) return reply;
    // A "+" we did not want: finish the literal with octets nobody counts on (the budget had room for them).
    if (reply.startsWith('+')) {
      c.send(Buffer.concat([Buffer.alloc(size, 'r'), Buffer.from('\r\n')]));
      await c.until(tagged(tag), 20_000);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Sends a message of about `size` octets on port 25 from 127.0.0.1 with Python's smtplib; what sendmail returned. */
async function sendOnPort25(size: number): Promise<string> {
  const sent = await python(
    `
import smtplib
s = smtplib.SMTP('127.0.0.1', P['port'], source_address=('127.0.0.1', 0), timeout=30)
body = 'Subject: from outside\\r\\n\\r\\n' + ('y' * 76 + '\\r\\n') * (P['size'] // 78)
try:
    print(s.sendmail('carol@example.net', ['bob@example.com'], body))
except smtplib.SMTPDataError as e:
    print(e.smtp_code, e.smtp_error.decode())
s.quit()
`,
    { port: lab.port('smtp'), size },
    // As long as its socket may wait: the default 20 s is less.
    40_000,
  );
  expect(sent.stderr).toBe('');
  return sent.stdout.trim();
}

describe('literals announced and never sent', () => {
  it('hold nothing of the budget: mail on port 25 and APPENDs from elsewhere still go in, and the literal is taken when its octets come', async () => {
    // Four addresses announce 6 MB each and send nothing: the whole lab's 24 MB if announcing took it.
    const idle: RawClient[] = [];
    for (let i = 11; i <= 14; i++) {
      const c = await login(`127.0.0.${i}`);
      expect(await c.command(`a APPEND INBOX {${6 * MB}}`, /^(\+ |a NO)[^\r\n]*\r\n/m)).toMatch(/^\+ /);
      idle.push(c);
    }
    expect(await sendOnPort25(MB)).toBe('{}');
    const neighbour = await login('127.0.0.1');
    const message = `Subject: neighbour\r\n\r\n${'z'.repeat(MB)}\r\n`;
    neighbour.send(`a APPEND INBOX {${message.length}+}\r\n${message}\r\n`);
    expect(await neighbour.until(tagged('a'), 20_000)).toMatch(/^a OK \[APPENDUID/);
    // The octets come after all: counted as they arrive, and the APPEND is done.
    idle[0]!.send(Buffer.concat([Buffer.from(`Subject: late\r\n\r\n`), Buffer.alloc(6 * MB - 17, 'x'), Buffer.from('\r\n')]));
    expect(await idle[0]!.until(tagged('a'), 20_000)).toMatch(/^a OK \[APPENDUID/);
  });
});

describe('APPENDs held open on many connections', () => {
  it('are refused past the memory budget of their address with NO [UNAVAILABLE], give it back, and the learner next door still appends', async () => {
    const size = 3 * MB;
    // Two 3 MB APPENDs from one address, each stopped one octet short: 6 of its 8 MB.
    const held = [await login('127.0.0.2'), await login('127.0.0.2')];
    for (const c of held) {
      await c.command(`a APPEND INBOX {${size}}`, /^\+ [^\r\n]*\r\n/m);
      c.send(Buffer.alloc(size - 1, 'x'));
    }
    const third = await login('127.0.0.2');
    // No "+" once the lab has read those octets: the client waits and sends nothing, and nothing of it is held.
    expect(await announceUntil(third, 'a', size, 'NO')).toBe(`a ${NO_ROOM}`);
    // LITERAL+: the octets come anyway; they are read, dropped, and the session goes on.
    third.send(Buffer.concat([Buffer.from(`b APPEND INBOX {${size}+}\r\n`), Buffer.alloc(size, 'y'), Buffer.from('\r\n')]));
    expect(await third.until(tagged('b'), 20_000)).toMatch(/^b NO \[UNAVAILABLE\] Too much mail/);
    expect(await third.command('n NOOP', tagged('n'))).toMatch(/^n OK/);
    // A learner at another address has a budget of its own.
    const learner = await login('127.0.0.1');
    const message = `Subject: neighbour\r\n\r\n${'z'.repeat(MB)}\r\n`;
    learner.send(`a APPEND INBOX {${message.length}+}\r\n${message}\r\n`);
    expect(await learner.until(tagged('a'), 20_000)).toMatch(/^a OK \[APPENDUID/);
    // One held APPEND finishes, the other hangs up: both shares come back, and 7 MB needs both.
    held[0]!.send('x\r\n');
    expect(await held[0]!.until(tagged('a'), 20_000)).toMatch(/^a OK \[APPENDUID/);
    held[1]!.close();
    const big = 7 * MB;
    expect(await announceUntil(third, 'c', big, '+')).toMatch(/^\+ /);
    third.send(Buffer.concat([Buffer.alloc(big, 'w'), Buffer.from('\r\n')]));
    expect(await third.until(tagged('c'), 20_000)).toMatch(/^c OK \[APPENDUID/);
  });

  it('drop a literal whose octets come after others took the room it was announced into, and the session goes on', async () => {
    const size = 3 * MB;
    const late = await login('127.0.0.3');
    expect(await late.command(`a APPEND INBOX {${size}}`, /^(\+ |a NO)[^\r\n]*\r\n/m)).toMatch(/^\+ /);
    // Meanwhile two others at the address send 3 MB each (one octet short): 6 of its 8 MB.
    for (let i = 0; i < 2; i++) {
      const c = await login('127.0.0.3');
      expect(await c.command(`a APPEND INBOX {${size}}`, /^(\+ |a NO)[^\r\n]*\r\n/m)).toMatch(/^\+ /);
      c.send(Buffer.alloc(size - 1, 'x'));
    }
    const probe = await login('127.0.0.3');
    expect(await announceUntil(probe, 'p', size, 'NO')).toBe(`p ${NO_ROOM}`);
    // The late octets no longer fit: read to the end, dropped, refused; the session goes on.
    late.send(Buffer.concat([Buffer.alloc(size, 'l'), Buffer.from('\r\n')]));
    expect(await late.until(tagged('a'), 20_000)).toBe(`a ${NO_ROOM}`);
    expect(await late.command('n NOOP', tagged('n'))).toMatch(/^n OK/);
  });
});
