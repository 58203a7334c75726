/**
 * The bytes POP3 RETR and IMAP BODY[] send are exactly the Maildir file's on the wire, whatever
 * the file holds: lines that start with ".", bare LF and CRLF mixed, a lone CR, no final line
 * break, 8-bit bytes, and a message too large for the in-process fast paths. Judged with raw
 * sockets (every octet) and with Python's poplib and imaplib. A POP3 client that stops reading
 * must not make the server buffer the rest of its pipelined RETRs, nor an IMAP client that
 * stops reading during UID FETCH 1:* BODY.PEEK[] the rest of the mailbox.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { python } from '../helpers/clients.js';
import { startTestLab, type TestLab } from '../helpers/lab.js';
import { maildirPath } from '../helpers/maildir.js';
import { keptMemory } from '../helpers/neighbour.js';
import { imapLogin, imapTagged, RawClient } from '../helpers/rawSocket.js';

const USER = 'bob@example.com';

/** In delivery order (the file names sort this way). */
const MESSAGES: Array<[string, Buffer]> = [
  ['dots', Buffer.from('Subject: dots\n\n.\n..\n.hidden\n... three\nend\n')],
  ['mixed', Buffer.from('Subject: mixed\r\n\r\nCRLF line\r\nbare LF line\nlone CR\rsame line\n.after bare LF\r\n.after CRLF\n')],
  ['unterminated', Buffer.from('Subject: no final line break\n\nlast line.\n.last')],
  ['eight-bit', Buffer.concat([Buffer.from('Subject: 8bit\nContent-Transfer-Encoding: 8bit\n\ncaf'), Buffer.from([0xe9, 0x0a]), Buffer.from('日本語\n.日本\n')])],
  // Over a megabyte: past the synchronous read and the unparsed FETCH path.
  ['large', Buffer.from('Subject: large\n\n' + Array.from({ length: 20_000 }, (_, i) => (i % 7 === 0 ? `.line ${i}\n` : `line ${i} ${'x'.repeat(40)}\n`)).join(''))],
];

/** What RFC 3501 and RFC 1939 put on the wire for a stored message: each bare LF as CRLF. */
const onWire = (file: Buffer): Buffer => Buffer.from(file.toString('latin1').replace(/(?<!\r)\n/g, '\r\n'), 'latin1');

let lab: TestLab;
beforeAll(async () => {
  lab = await startTestLab();
  const inbox = maildirPath(lab.dataDir, 'default', USER);
  for (const sub of ['new', 'cur', 'tmp']) await mkdir(join(inbox, sub), { recursive: true });
  // Dropped into new/ as an MDA would, without S= and W= (the server must count them itself).
  await Promise.all(MESSAGES.map(([name, data], i) => writeFile(join(inbox, 'new', `${1_700_000_000 + i}.M${i}P1.${name}`), data)));
});
afterAll(async () => {
  await lab?.dispose();
});

describe('POP3 RETR', () => {
  it('sends every message as its file on the wire, dot-stuffed and terminated, with the size LIST gave', async () => {
    const c = await RawClient.open(lab.port('pop3'));
    await c.until(/^\+OK[^\r\n]*\r\n/);
    await c.command(`USER ${USER}`, /\r\n$/);
    await c.command('PASS secret', /^\+OK[^\r\n]*\r\n/);
    const list = await c.command('LIST', /\r\n\.\r\n$/);
    for (const [i, [name, file]] of MESSAGES.entries()) {
      const wire = onWire(file).toString('latin1');
      expect(list, name).toContain(`\r\n${i + 1} ${wire.length}\r\n`);
      const stuffed = wire.replace(/(^|\n)\./g, '$1..') + (wire.endsWith('\r\n') ? '' : '\r\n') + '.\r\n';
      const reply = await c.command(`RETR ${i + 1}`, /\r\n\.\r\n$/, 20_000);
      expect(reply === `+OK ${wire.length} octets\r\n${stuffed}`, name).toBe(true);
    }
    // TOP goes the same way: the header, the blank line, one body line.
    expect(await c.command('TOP 1 1', /\r\n\.\r\n$/)).toBe('+OK Top of message follows\r\nSubject: dots\r\n\r\n..\r\n.\r\n');
    // A file stored with CRLF line ends has its header cut there too (TOP 2 0 sent it whole).
    expect(await c.command('TOP 2 0', /\r\n\.\r\n$/)).toBe('+OK Top of message follows\r\nSubject: mixed\r\n\r\n.\r\n');
    await c.command('QUIT', /\r\n$/);
    c.close();
  });

  it('gives poplib the original lines of every message', async () => {
    const r = await python(
      `
import poplib, base64
p = poplib.POP3('127.0.0.1', P['port'], timeout=20)
p.user(P['user']); p.pass_('secret')
out = []
for n in range(1, P['count'] + 1):
    resp, lines, octets = p.retr(n)
    out.append({'resp': resp.decode(), 'text': base64.b64encode(b'\\r\\n'.join(lines)).decode()})
p.rset(); p.quit()
print(json.dumps(out))
`,
      { port: lab.port('pop3'), user: USER, count: MESSAGES.length },
    );
    expect(r.stderr).toBe('');
    const got = JSON.parse(r.stdout) as Array<{ resp: string; text: string }>;
    for (const [i, [name, file]] of MESSAGES.entries()) {
      const wire = onWire(file);
      // poplib splits at CRLF and undoes the stuffing: the lines joined are the message without its final CRLF.
      const lines = wire.subarray(0, wire.subarray(-2).toString() === '\r\n' ? -2 : undefined);
      expect(Buffer.from(got[i]!.text, 'base64').equals(lines), name).toBe(true);
      expect(got[i]!.resp).toBe(`+OK ${wire.length} octets`);
    }
  });
});

describe('IMAP BODY[]', () => {
  it('gives imaplib literals equal to the files on the wire, sized as RFC822.SIZE says; BODY[] sets \\Seen and BODY.PEEK[] does not', async () => {
    const r = await python(
      `
import imaplib, base64, re
m = imaplib.IMAP4('127.0.0.1', P['port'])
m.login(P['user'], 'secret')
m.select('INBOX')
# What POP3 retrieved and kept is \\Seen (marked at its QUIT); start again from unseen.
popped = [x.decode() for x in m.uid('FETCH', '1:*', '(FLAGS)')[1]]
m.uid('STORE', '1:*', '-FLAGS.SILENT', '(\\Seen)')
def fetch(what):
    typ, data = m.uid('FETCH', '1:*', what)
    assert typ == 'OK', (typ, data)
    out = []
    for d in data:
        if isinstance(d, tuple):
            out.append([d[0].decode('latin1'), base64.b64encode(d[1]).decode(), ''])
        elif out:
            out[-1][2] += d.decode('latin1')  # what follows the literal
    return out
out = {'peek': fetch('(RFC822.SIZE FLAGS BODY.PEEK[])'), 'binary': fetch('(BINARY.SIZE[] BINARY.PEEK[])'),
       'partial': fetch('(BODY.PEEK[]<5.10>)'), 'seen': fetch('(BODY[])'), 'after': m.uid('FETCH', '1:*', '(FLAGS)')[1]}
out['after'] = [x.decode() for x in out['after']]
out['popped'] = popped
m.logout()
print(json.dumps(out))
`,
      { port: lab.port('imap'), user: USER },
    );
    expect(r.stderr).toBe('');
    const got = JSON.parse(r.stdout) as Record<string, Array<[string, string, string]>> & { after: string[]; popped: string[] };
    // The lab's own seed messages come after ours; POP3 never retrieved them.
    expect(got.popped.length).toBeGreaterThan(MESSAGES.length);
    got.popped.forEach((flags, i) => expect(flags.includes('\\Seen'), flags).toBe(i < MESSAGES.length));
    for (const [i, [name, file]] of MESSAGES.entries()) {
      const wire = onWire(file);
      const [peekHead, peek] = got.peek![i]!;
      expect(Buffer.from(peek, 'base64').equals(wire), name).toBe(true);
      expect(peekHead).toContain(`RFC822.SIZE ${wire.length} `);
      expect(peekHead).not.toContain('\\Seen');
      const [binaryHead, binary] = got.binary![i]!;
      expect(Buffer.from(binary, 'base64').equals(wire), name).toBe(true);
      expect(binaryHead).toContain(`BINARY.SIZE[] ${wire.length}`);
      expect(Buffer.from(got.partial![i]![1], 'base64').equals(wire.subarray(5, 15)), name).toBe(true);
      const [seenHead, seen] = got.seen![i]!;
      expect(Buffer.from(seen, 'base64').equals(wire), name).toBe(true);
      // RFC 3501 §6.4.5: the \\Seen that BODY[] set is reported in the same response, before the literal as Dovecot writes it.
      expect(seenHead).toContain('FLAGS (\\Seen');
      expect(got.after[i]).toContain('\\Seen');
    }
  });

  it('answers a message expunged by another session with NIL, and the rest in full', async () => {
    const c = await imapLogin(lab.port('imap'), USER);
    await c.command('s SELECT INBOX', imapTagged('s'));
    const other = await imapLogin(lab.port('imap'), USER);
    await other.command('s SELECT INBOX', imapTagged('s'));
    await other.command('d UID STORE 1 +FLAGS.SILENT (\\Deleted)', imapTagged('d'));
    await other.command('e EXPUNGE', imapTagged('e'));
    const reply = await c.command('f UID FETCH 1:2 BODY.PEEK[]', imapTagged('f'));
    expect(reply).toMatch(/^\* 1 FETCH \(UID 1 BODY\[\] NIL\)\r\n/m);
    const second = onWire(MESSAGES[1]![1]).toString('latin1');
    expect(reply).toContain(`* 2 FETCH (UID 2 BODY[] {${second.length}}\r\n${second})\r\n`);
    expect(reply).toMatch(/^f OK \[EXPUNGEISSUED\]/m);
    c.close();
    other.close();
  });
});

/**
 * Sends `commands` on a connection that has stopped reading and says how much the memory of
 * this process (the lab runs in it) grew while the replies waited.
 */
async function growthWhileStalled(socket: Socket, commands: string): Promise<number> {
  // Settled figures (the least of several samples, each after a full collection): the files
  // just written for the test, or a buffer whose release waits for a later collection, must not
  // count. One sample each way read 11 MB, or -18 MB, in 2 runs of 10 on a busy machine.
  const before = (await keptMemory(4)).arrayBuffers;
  socket.pause();
  socket.removeAllListeners('data');
  socket.write(commands);
  await new Promise((r) => setTimeout(r, 1500));
  return (await keptMemory()).arrayBuffers - before;
}

/** Reads again until the server closes: how many octets came, and the last ones. */
async function readToEnd(socket: Socket): Promise<{ total: number; tail: string }> {
  let total = 0;
  let tail = Buffer.alloc(0);
  socket.on('data', (d: Buffer) => {
    total += d.length;
    tail = Buffer.concat([tail, d]).subarray(-256);
  });
  socket.resume();
  await new Promise((r) => socket.once('close', r));
  return { total, tail: tail.toString('latin1') };
}

/** Connects, sends the login commands and waits until the replies so far match `done`. */
async function connectAndLogIn(port: number, login: string, done: RegExp): Promise<Socket> {
  const socket = connect({ port, host: '127.0.0.1' });
  let text = '';
  socket.on('data', (d: Buffer) => (text += d.toString('latin1')));
  await new Promise((r) => socket.once('connect', r));
  socket.write(login);
  while (!done.test(text)) await new Promise((r) => setTimeout(r, 10));
  return socket;
}

describe('a client that stops reading', () => {
  it('holds the POP3 server to about one reply in memory, then gets every reply once it reads again', async () => {
    const address = 'carol@otherdomain.com';
    const inbox = maildirPath(lab.dataDir, 'default', address);
    for (const sub of ['new', 'cur', 'tmp']) await mkdir(join(inbox, sub), { recursive: true });
    const big = Buffer.from('Subject: big\n\n' + `${'y'.repeat(76)}\n`.repeat(40_000)); // about 3 MB
    await writeFile(join(inbox, 'new', '1700000100.M1P1.big'), big);
    const replyLength = `+OK ${onWire(big).length} octets\r\n`.length + onWire(big).length + 3;
    const retrs = 20;

    const socket = await connectAndLogIn(lab.port('pop3'), `USER ${address}\r\nPASS secret\r\n`, /^(\+OK[^\r\n]*\r\n){3}$/);
    // Twenty pipelined RETRs of 3 MB: 60 MB if the server kept writing into its buffers.
    expect(await growthWhileStalled(socket, `${'RETR 1\r\n'.repeat(retrs)}QUIT\r\n`)).toBeLessThan(16 * 1024 * 1024);

    const { total, tail } = await readToEnd(socket);
    const quitLine = tail.slice(tail.lastIndexOf('\r\n.\r\n') + 5);
    expect(quitLine).toMatch(/^\+OK [^\r\n]*signing off[^\r\n]*\r\n$/);
    expect(total).toBe(retrs * replyLength + quitLine.length);
  });

  it('holds the IMAP server to a few messages in memory during UID FETCH 1:* BODY.PEEK[], then sends them all', async () => {
    const address = 'alice@example.com';
    const inbox = maildirPath(lab.dataDir, 'default', address);
    const count = 800;
    // 30 KB each: small enough for the unparsed path, 24 MB in all.
    const body = `${'z'.repeat(76)}\n`.repeat(390);
    for (let n = 0; n < count; n++) await writeFile(join(inbox, 'new', `${1_700_001_000 + n}.M${n}P1.bulk`), `Subject: bulk ${n}\n\n${body}`);

    const socket = await connectAndLogIn(lab.port('imap'), `l LOGIN ${address} secret\r\ns SELECT INBOX\r\n`, /\r\ns OK [^\r\n]*\r\n$/);
    expect(await growthWhileStalled(socket, 'f UID FETCH 1:* BODY.PEEK[]\r\nq LOGOUT\r\n')).toBeLessThan(8 * 1024 * 1024);

    // Only the response lines are kept (the literals are 'z' lines); a line cut between two
    // chunks is matched once the rest has come.
    let pending = '';
    const lines: string[] = [];
    socket.on('data', (d: Buffer) => {
      pending += d.toString('latin1');
      let end = 0;
      for (const m of pending.matchAll(/\* \d+ FETCH \(UID \d+ BODY\[\] \{\d+\}\r\n|f OK [^\r\n]*\r\n|\* BYE [^\r\n]*\r\n/g)) {
        lines.push(m[0]);
        end = m.index + m[0].length;
      }
      pending = pending.slice(Math.max(end, pending.length - 200));
    });
    const { total } = await readToEnd(socket);
    expect(total).toBeGreaterThan(count * body.length);
    expect(lines.filter((l) => l.includes(' FETCH (')).length).toBeGreaterThanOrEqual(count);
    expect(lines.slice(-2).join('')).toMatch(/^f OK [^\r\n]*\r\n\* BYE /);
  });
});
