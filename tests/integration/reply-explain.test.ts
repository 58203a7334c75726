/**
 * The terminal's reply explanations against the lab's real servers: lines are sent as a
 * learner (or a pasted "Try it" block) sends them, all at once, and every reply the servers
 * really give is explained in the light of the command that caused it — a typo gets "did you
 * mean", STARTTLS's 220 is not a greeting, a refused DATA does not derail the pairing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { explainReply } from '../../site/lib/replyExplain.js';
import { ReplyMatcher } from '../../site/lib/replyMatcher.js';
import type { Protocol } from '../../site/lib/commandVerbs.js';
import { startTestLab, type TestLab } from '../helpers/lab.js';
import { python } from '../helpers/clients.js';
import { RawClient } from '../helpers/rawSocket.js';
import { TerminalClient } from '../helpers/terminal.js';
import { ServerStream } from '../../site/lib/serverStream.js';
import { DEFAULT_SANDBOX } from '../../lab-server/src/world/sandboxes.js';

let lab: TestLab;
beforeAll(async () => {
  lab = await startTestLab();
});
afterAll(async () => {
  await lab?.dispose();
});

interface Explained {
  line: string;
  command: string;
  en: string;
  zh: string;
}

/**
 * Sends every line at once (as a paste does), reads until `end`, and returns each reply line
 * with the command the matcher paired it with and its explanation.
 */
async function session(protocol: Protocol, port: number, lines: string[], end: RegExp): Promise<Explained[]> {
  const client = await RawClient.open(port);
  const matcher = new ReplyMatcher(protocol);
  // The greeting is answered to no command of the learner's.
  for (const line of (await client.until(/\r\n/)).split('\r\n').filter(Boolean)) expect(matcher.received(line)?.command).toBe('');
  for (const line of lines) matcher.sent(line);
  client.send(lines.map((l) => `${l}\r\n`).join(''));
  const received = await client.until(end, 10_000);
  client.socket.destroy();
  return received
    .split('\r\n')
    .filter(Boolean)
    .flatMap((line) => {
      const reply = matcher.received(line);
      const note = reply && explainReply(protocol, line, reply.command);
      return reply && note ? [{ line, command: reply.command, en: note.en, zh: note['zh-CN'] }] : [];
    });
}

describe('reply explanations from real servers', () => {
  it('SMTP: pairs pipelined replies with their commands and answers a typo with "did you mean"', async () => {
    const replies = await session(
      'smtp',
      lab.port('smtp'),
      ['EHLO me.example', 'MAIL FROM:<alice@example.com>', 'RCPT TO:<bob@example.com>', 'DTAA', 'DATA', 'Subject: paired', '', 'hello', '.', 'QUIT'],
      /^221 /m,
    );
    const by = (command: string): Explained => replies.find((r) => r.command === command)!;
    expect(by('EHLO me.example').en).toMatch(/extensions/);
    expect(by('MAIL FROM:<alice@example.com>').en).toMatch(/Next: RCPT TO/);
    expect(by('RCPT TO:<bob@example.com>').zh).toMatch(/可以再加一个 RCPT TO/);
    expect(by('DTAA').line).toMatch(/^5\d\d /);
    expect(by('DTAA').en).toBe('DTAA is not an SMTP command. Did you mean DATA?');
    expect(by('DTAA').zh).toBe('DTAA 不是 SMTP 命令。你是想输入 DATA 吗？');
    expect(by('.').line).toMatch(/^250 .*queued as/);
    expect(by('.').en).toMatch(/responsible for delivering it/);
    expect(by('QUIT').line).toMatch(/^221 /);
    // The message's lines got no reply of their own and were not mistaken for commands.
    expect(replies.some((r) => r.command === 'Subject: paired' || r.command === 'hello')).toBe(false);
  });

  it('SMTP: the 220 after STARTTLS is "go ahead with TLS", not the greeting', async () => {
    const client = await RawClient.open(lab.port('submission'));
    const matcher = new ReplyMatcher('smtp');
    const greeting = (await client.until(/^220 .*\r\n/m)).trim();
    expect(explainReply('smtp', greeting, matcher.received(greeting)!.command)?.en).toMatch(/^The greeting/);
    for (const line of ['EHLO me.example', 'STARTTLS']) matcher.sent(line);
    client.send('EHLO me.example\r\nSTARTTLS\r\n');
    const lines = (await client.until(/^220 .*\r\n/m)).split('\r\n').filter(Boolean);
    client.socket.destroy();
    const last = lines.at(-1)!;
    const reply = lines.map((l) => matcher.received(l)).at(-1)!;
    expect(reply.command).toBe('STARTTLS');
    expect(explainReply('smtp', last, reply.command)?.en).toMatch(/^Go ahead with TLS/);
  });

  it('SMTP: when DATA is refused, the lines after it are commands the server answers', async () => {
    const replies = await session('smtp', lab.port('smtp'), ['EHLO me.example', 'DATA', 'NOOP', 'QUIT'], /^221 /m);
    expect(replies.map((r) => r.command)).toEqual(['EHLO me.example', 'DATA', 'NOOP', 'QUIT']);
    expect(replies[1]!.line).toMatch(/^503 /);
  });

  it('IMAP: a mistyped command is a typo, a missing tag is a missing tag', async () => {
    const replies = await session('imap', lab.port('imap'), ['a1 LOGIN alice secret', 'a2 SELECT INBOX', 'a5 FECTH 1 FLAGS', 'LOGIN alice secret', 'a6 FETCH 1', 'a9 LOGOUT'], /^a9 OK/m);
    const tagged = (tag: string): Explained => replies.find((r) => r.line.startsWith(`${tag} `) && !/^\* (OK|BYE|FLAGS)/.test(r.line))!;
    expect(tagged('a5').line).toMatch(/^a5 BAD/);
    expect(tagged('a5').en).toBe('FECTH is not an IMAP command. Did you mean FETCH?');
    expect(tagged('a5').en).not.toMatch(/tag/);
    expect(tagged('*').line).toMatch(/^\* BAD/);
    expect(tagged('*').en).toMatch(/^BAD: every IMAP command starts with a tag/);
    expect(tagged('a6').en).toMatch(/^BAD: FETCH is a command, but its arguments were not understood\. Example: a3 FETCH 1/);
    expect(tagged('a2').en).toMatch(/command a2 \(SELECT\) completed/);
  });

  it('IMAP: a command the session is not ready for is told what to do first, not that its arguments were wrong', async () => {
    const replies = await session('imap', lab.port('imap'), ['b1 SELECT INBOX', 'b2 LOGIN alice@example.com secret', 'b3 FETCH 1 FLAGS', 'b5 LOGIN bob@example.com secret', 'b4 LOGOUT'], /^b4 OK/m);
    const tagged = (tag: string): Explained => replies.find((r) => r.line.startsWith(`${tag} `))!;
    expect(tagged('b1').line).toMatch(/^b1 BAD/);
    expect(tagged('b1').en).toMatch(/^BAD: SELECT needs you to be logged in\. Log in first, e\.g\. "a1 LOGIN/);
    expect(tagged('b1').zh).toMatch(/^BAD：SELECT 需要先登录。/);
    expect(tagged('b3').line).toMatch(/^b3 BAD/);
    expect(tagged('b3').en).toMatch(/^BAD: FETCH works on a selected mailbox, and none is selected\. Select one first, e\.g\. "a1 SELECT INBOX"/);
    expect(tagged('b3').zh).toMatch(/请先选中一个/);
    expect(tagged('b5').line).toMatch(/^b5 BAD LOGIN is only allowed before login; you are logged in as alice@example\.com\. To send it, LOGOUT, connect again/);
    expect(tagged('b5').en).toMatch(/^BAD: LOGIN is only for before login, and this session is logged in already\. To send it, send LOGOUT, connect again/);
    expect(tagged('b5').zh).toMatch(/请先发送 LOGOUT，重新连接/);
  });

  it('IMAP: the lesson\'s SORT, THREAD and ESEARCH answers are explained, each under its command', async () => {
    const lines = ['a1 LOGIN alice@example.com secret', 'a2 SELECT INBOX', 'a3 SORT (REVERSE DATE) UTF-8 ALL', 'a4 THREAD REFERENCES UTF-8 ALL', 'a5 SEARCH RETURN (MIN MAX COUNT) FROM bob', 'a6 SORT (DATE) KOI8-R ALL', 'a9 LOGOUT'];
    const replies = await session('imap', lab.port('imap'), lines, /^a9 OK/m);
    const data = (word: string): Explained => replies.find((r) => r.line.startsWith(`* ${word} `))!;
    expect(data('SORT')).toMatchObject({ line: '* SORT 3 2 1', command: 'a3 SORT (REVERSE DATE) UTF-8 ALL' });
    expect(data('SORT').en).toMatch(/order you asked for/);
    expect(data('THREAD')).toMatchObject({ line: '* THREAD (1)(2)(3)', command: 'a4 THREAD REFERENCES UTF-8 ALL' });
    expect(data('THREAD').zh).toMatch(/会话/);
    expect(data('ESEARCH').line).toBe('* ESEARCH (TAG "a5") MIN 2 MAX 2 COUNT 1');
    expect(data('ESEARCH').en).toMatch(/COUNT how many/);
    const refused = replies.find((r) => r.line.startsWith('a6 '))!;
    expect(refused.line).toMatch(/^a6 NO \[BADCHARSET/);
    expect(refused.en).toMatch(/use UTF-8/);
  });

  it('IMAP: a keyword a learner makes up is explained where the server lists it', async () => {
    const lines = ['a1 LOGIN bob@example.com secret', 'a2 SELECT INBOX', 'a3 STORE 1 +FLAGS ($Important)', 'a9 LOGOUT'];
    const replies = await session('imap', lab.port('imap'), lines, /^a9 OK/m);
    const flags = replies.find((r) => r.line.startsWith('* FLAGS ') && r.line.includes('$Important'))!;
    expect(flags.command).toBe('a3 STORE 1 +FLAGS ($Important)');
    expect(flags.en).toMatch(/keywords, which clients invent and share/);
    const permanent = replies.find((r) => r.line.startsWith('* OK [PERMANENTFLAGS') && r.line.includes('$Important'))!;
    expect(permanent.line).toMatch(/\\\*\)\]/);
    expect(permanent.zh).toMatch(/自己创建关键字/);
  });

  it('IMAP: the lines of a fetched message are mail, never replies, whatever they look like', async () => {
    // Anyone can mail such lines to port 25; taken for replies they were explained ("Tagged OK:
    // command <the line's first word> completed"), woke pasted commands early, and quoted into
    // the explanation, their control characters reached the screen.
    const body = ['a3 OK not the server', '\x1b[2J OK wiped', '* BYE not either', 'x {5}', 'a9 NO last line'].join('\r\n');
    const sent = await python(
      `
import smtplib
s = smtplib.SMTP('127.0.0.1', P['port'], timeout=20)
s.sendmail('someone@outside.test', ['carol@otherdomain.com'], ('Subject: lookalikes\\r\\n\\r\\n' + P['body'] + '\\r\\n').encode())
s.quit()`,
      { port: lab.port('smtp-otherdomain'), body },
    );
    expect(sent.stderr).toBe('');
    const lines = ['a1 LOGIN carol@otherdomain.com secret', 'a2 SELECT INBOX', 'a3 FETCH * (BODY[TEXT] BODY[HEADER.FIELDS (SUBJECT)])', 'a4 FETCH * BINARY.PEEK[1]', 'a9 LOGOUT'];
    const replies = await session('imap', lab.port('imap'), lines, /^a9 OK/m);
    // Each tagged reply is the server's own, explained under its own command.
    for (const tag of ['a3', 'a4', 'a9']) {
      const tagged = replies.filter((r) => r.line.startsWith(`${tag} `));
      expect(tagged).toHaveLength(1);
      expect(tagged[0]!.line).toMatch(new RegExp(`^${tag} OK`));
      expect(tagged[0]!.command).toBe(lines.find((l) => l.startsWith(`${tag} `)));
    }
    expect(replies.some((r) => /not the server|wiped|not either|last line|\x1b/.test(r.line))).toBe(false);
  });

  it('IMAP: a fetched message in an 8-bit charset ends its literal where its octets end, not sooner', async () => {
    // The bridge decodes the wire as UTF-8; a Latin-1 byte (é is 0xE9) that is no UTF-8 became
    // U+FFFD, which the page counted as three octets: ten of them ended the literal 20 octets
    // early, and the message's last line "a3 OK fake" was explained as the server's reply.
    const body = Buffer.concat([Buffer.from('Subject: latin-1\r\nContent-Type: text/plain; charset=iso-8859-1\r\n\r\n'), Buffer.from('caf\xe9 '.repeat(10) + '\r\nx {99}\r\na3 OK fake\r\n', 'latin1')]);
    const sent = await python(
      `
import smtplib, base64
s = smtplib.SMTP('127.0.0.1', P['port'], timeout=20)
s.sendmail('someone@outside.test', ['carol@otherdomain.com'], base64.b64decode(P['body']))
s.quit()`,
      { port: lab.port('smtp-otherdomain'), body: body.toString('base64') },
    );
    expect(sent.stderr).toBe('');
    const term = await TerminalClient.open(lab.httpPort, 'imap');
    await term.expect(/^\* OK .*\r\n/m);
    const stream = new ServerStream();
    const matcher = new ReplyMatcher('imap');
    const lines = ['a1 LOGIN carol@otherdomain.com secret', 'a2 SELECT INBOX', 'a3 FETCH * BODY[TEXT]', 'a9 LOGOUT'];
    for (const line of lines) {
      matcher.sent(line);
      term.line(line);
    }
    await term.expect(/^a9 OK/m);
    term.close();
    const replies = term.messages
      .filter((m) => m.type === 'data')
      .flatMap((m) => stream.take(m.text!))
      .flatMap((piece) => (piece.line === undefined ? [] : [{ line: piece.line, reply: matcher.received(piece.line) }]))
      .filter((r) => r.reply && /^a\d /.test(r.line));
    expect(replies.map((r) => [r.line.slice(0, 5), r.reply!.command])).toEqual(lines.map((l) => [`${l.slice(0, 2)} OK`, l]));
  });

  it('POP3: each +OK says what the command did, an unknown one gets "did you mean"', async () => {
    const replies = await session('pop3', lab.port('pop3'), ['USER bob', 'PASS secret', 'RTER 1', 'RETR 1', 'DELE 1', 'RSET', 'QUIT'], /signing off.*\r\n/);
    const by = (command: string): Explained => replies.find((r) => r.command === command)!;
    expect(by('PASS secret').en).toMatch(/logged in/);
    expect(by('RTER 1').en).toBe('RTER is not a POP3 command. Did you mean RETR?');
    expect(by('RETR 1').en).toMatch(/message follows/);
    // The message's own lines (including "+OK" written inside it, if any) are no replies.
    expect(by('DELE 1').zh).toMatch(/QUIT 之后才真正删除/);
    expect(by('QUIT').line).toMatch(/^\+OK/);
  });

  it('a login refused because a drain moves the mailbox, or another node holds it, is explained in both languages', async () => {
    // What the cluster tells the mail servers (cluster/joinCluster.ts) while `maillab node drain` copies this mailbox.
    lab.access.elsewhere = async () => 'moving';
    try {
      const imap = await session('imap', lab.port('imap'), ['a1 LOGIN bob@example.com secret', 'a9 LOGOUT'], /^a9 OK/m);
      const refused = imap.find((r) => r.command === 'a1 LOGIN bob@example.com secret')!;
      expect(refused.line).toMatch(/^a1 NO \[UNAVAILABLE\] Your lab is being moved to another lab node/);
      expect(refused.en).toMatch(/Wait a moment, then log in again/);
      expect(refused.zh).toBe('你的实验环境正在迁移到另一个实验节点。请稍等片刻，然后重新登录（你的邮件会一起迁移过去）。');
      const pop3 = await session('pop3', lab.port('pop3'), ['USER bob', 'PASS secret', 'QUIT'], /signing off.*\r\n/);
      const pass = pop3.find((r) => r.command === 'PASS secret')!;
      expect(pass.line).toMatch(/^-ERR \[SYS\/TEMP\] Your lab is being moved/);
      expect(pass.zh).toMatch(/正在迁移到另一个实验节点/);
      // Another node holds it: the reply names that node, and so does the explanation, in zh-CN too.
      lab.access.elsewhere = async () => ({ id: 'n2', host: 'n2.lab.example', ports: { imap: 3143 } });
      const wrong = await session('imap', lab.port('imap'), ['a1 LOGIN bob@example.com secret', 'a9 LOGOUT'], /^a9 OK/m);
      const other = wrong.find((r) => r.command === 'a1 LOGIN bob@example.com secret')!;
      expect(other.line).toMatch(/This mailbox is on lab node n2: connect your mail client to n2\.lab\.example port 3143 instead/);
      expect(other.en).toBe('This mailbox is on lab node n2: connect your mail client to n2.lab.example port 3143 instead');
      expect(other.zh).toBe('这个邮箱在实验节点 n2 上：请把邮件客户端改为连接 n2.lab.example 的 3143 端口。');
    } finally {
      lab.access.elsewhere = async () => undefined;
    }
  });

  it('a session open while a drain takes its sandbox to another node is told so, in both languages', async () => {
    const imap = await RawClient.open(lab.port('imap'));
    const pop3 = await RawClient.open(lab.port('pop3'));
    await imap.until(/\r\n/);
    await pop3.until(/\r\n/);
    imap.send('a1 LOGIN bob@example.com secret\r\na2 SELECT INBOX\r\n');
    pop3.send('USER bob\r\nPASS secret\r\n');
    await imap.until(/^a2 OK/m);
    await pop3.until(/^\+OK Logged in/m);
    // What the drain's freeze (cluster/internalRoutes.ts) says to the sandbox first.
    (await lab.sandboxes.get(DEFAULT_SANDBOX)).events.emit('moving');
    const bye = (await imap.until(/^\* BYE .*\r\n/m)).split('\r\n').find((l) => l.startsWith('* BYE'))!;
    const err = (await pop3.until(/^-ERR .*\r\n/m)).split('\r\n').find((l) => l.startsWith('-ERR'))!;
    imap.socket.destroy();
    pop3.socket.destroy();
    expect(bye).toBe('* BYE Your lab is being moved to another lab node. Wait a moment, then log in again (your mail moves with it)');
    expect(err).toBe('-ERR [SYS/TEMP] Your lab is being moved to another lab node. Wait a moment, then log in again (your mail moves with it)');
    expect(explainReply('imap', bye)?.['zh-CN']).toBe('你的实验环境正在迁移到另一个实验节点。请稍等片刻，然后重新登录（你的邮件会一起迁移过去）。');
    expect(explainReply('pop3', err)?.en).toMatch(/Wait a moment, then log in again/);
  });
});
