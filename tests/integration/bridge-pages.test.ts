/**
 * The browser-terminal bridge against a page that misbehaves, over a real WebSocket: one that
 * stops reading its answers, one that floods without reading them, over-long lines, messages
 * that are JSON but no object, and a session that fails inside the lab. The service and the
 * lab go on, and the learner is told in both languages.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { python, pythonPaused } from '../helpers/clients.js';
import { startTestLab, type TestLab } from '../helpers/lab.js';
import { keptMemory } from '../helpers/neighbour.js';
import { TerminalClient } from '../helpers/terminal.js';

let lab: TestLab;
const logLines: string[] = [];

beforeAll(async () => {
  // No typing rate to speak of (it has a test of its own), so a flood is over quickly.
  lab = await startTestLab({ log: (component, message) => logLines.push(`${component}: ${message}`), bridgeLimits: { perLearner: 3, maxLineLength: 2000, bytesPerSecond: 1 << 30, burstBytes: 1 << 30 } });
});
afterAll(async () => {
  await lab?.dispose();
});

describe('terminal bridge', () => {
  it('stops reading a service for a page that stops reading, and hands it every byte once it reads again', async () => {
    const sent = await python(
      "import smtplib\ns = smtplib.SMTP('127.0.0.1', P['port']); s.sendmail('a@example.com', ['alice@example.com'], ('Subject: big\\r\\n\\r\\n' + ('y' * 998 + '\\r\\n') * 1024).encode()); s.quit()",
      { port: lab.port('smtp') },
    );
    expect(sent.stderr).toBe('');
    const t = await TerminalClient.open(lab.httpPort, 'pop3');
    await t.expect(/^\+OK .*\r\n/);
    await t.send('USER alice@example.com', /^\+OK/);
    const login = await t.send('PASS secret', /^\+OK Logged in as alice@example\.com: \d+ messages?/);
    const last = Number(/: (\d+) messages?/.exec(login)![1]);
    const before = await keptMemory();
    // A page that stops reading asks for its 1 MB message 40 times.
    t.ws.pause();
    for (let i = 0; i < 40; i++) t.line(`RETR ${last}`);
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const during = await keptMemory();
    const kept = during.heapUsed + during.arrayBuffers - (before.heapUsed + before.arrayBuffers);
    // Held by the lab (as JSON text and its frames), the answers were some 40 MB.
    expect(kept).toBeLessThan(16 * 1024 * 1024);
    // Counted as it comes (the text is 40 MB), each pattern with the end of the text before
    // it, so one cut in two is counted once.
    const count = (text: string, pattern: string): number => text.split(pattern).length - 1;
    const patterns = { answers: '+OK 1024485 octets\r\n', lines: 'y'.repeat(998) + '\r\n', ends: '\r\n.\r\n' };
    const seen = { answers: 0, lines: 0, ends: 0 };
    let tail = '';
    t.ws.on('message', (data) => {
      const msg = JSON.parse(data.toString()) as { type: string; text?: string };
      if (msg.type !== 'data') return;
      const text = tail + msg.text!;
      for (const [name, pattern] of Object.entries(patterns)) seen[name as keyof typeof seen] += count(text, pattern) - count(tail, pattern);
      tail = text.slice(-1000);
    });
    t.ws.resume();
    await t.waitFor(() => seen.ends === 40, '40 whole RETR answers', 30_000);
    expect(seen).toEqual({ answers: 40, lines: 40 * 1024, ends: 40 });
    t.close();
  }, 60_000);

  it('stops reading a page that floods it without reading the answers, and answers every message once it reads', async () => {
    const before = await keptMemory();
    // A raw WebSocket client: 100,000 binary messages (each answered with an error), then it
    // reads nothing until the test has looked at the lab's memory, then reads until every answer came.
    const flood = await pythonPaused(
      `
import socket, os, base64, sys
s = socket.create_connection(('127.0.0.1', P['port']))
s.sendall(('GET /api/terminal?service=pop3 HTTP/1.1\\r\\nHost: 127.0.0.1:%d\\r\\nOrigin: http://127.0.0.1:%d\\r\\nUpgrade: websocket\\r\\nConnection: Upgrade\\r\\nSec-WebSocket-Key: %s\\r\\nSec-WebSocket-Version: 13\\r\\n\\r\\n' % (P['port'], P['port'], base64.b64encode(os.urandom(16)).decode())).encode())
s.sendall((b'\\x82\\x81' + b'\\x00\\x00\\x00\\x00' + b'x') * P['n']) # masked binary frames, mask 0
print('sent', flush=True)
sys.stdin.readline()
tail = b''; errors = 0; s.settimeout(20)
while errors < P['n']:
    chunk = s.recv(1 << 20)
    if not chunk: break
    errors += (tail + chunk).count(b'does not understand') - tail.count(b'does not understand')
    tail = (tail + chunk)[-40:]
print(errors)
`,
      { port: lab.httpPort, n: 100_000 },
      40_000,
    );
    // Time for the lab to work through what it read of the flood while nobody reads its answers.
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const during = await keptMemory();
    const kept = during.heapUsed + during.arrayBuffers - (before.heapUsed + before.arrayBuffers);
    // Kept by the lab, the unread answers were some 40 MB (JSON text and its frames).
    expect(kept).toBeLessThan(12 * 1024 * 1024);
    const r = await flood.go();
    expect(r.stderr).toBe('');
    expect(Number(r.stdout)).toBe(100_000);
  }, 60_000);

  it('refuses over-long lines without sending them, and keeps the session', async () => {
    const t = await TerminalClient.open(lab.httpPort, 'smtp');
    await t.expect(/^220 /);
    t.line('X'.repeat(2001));
    expect((await t.message('error')).message?.en).toMatch(/at most 2000 characters/);
    await t.send('NOOP', /^250 /);
    t.close();
  });
  it('answers a message that is JSON but no object (null, 1, "x", []) with an explanation, and keeps the session', async () => {
    const t = await TerminalClient.open(lab.httpPort, 'smtp');
    await t.expect(/^220 /m);
    for (const raw of ['null', '1', '"x"', '[]', 'true']) t.ws.send(raw);
    await t.waitFor(() => t.messages.filter((m) => m.type === 'error').length === 5, 'five explanations');
    expect(t.messages.find((m) => m.type === 'error')!.message).toEqual({ en: 'The terminal sent a message the bridge does not understand. Reload the page.', 'zh-CN': '终端发送了无法识别的消息，请刷新页面。' });
    await t.send('NOOP', /^250 /m);
    t.close();
  });
  it('tells the learner in both languages when a session fails inside the lab, logs it, and the lab goes on', async () => {
    // A fault inside the session's run (here the hand-off registry throwing once): nothing caught
    // it, and the unhandled rejection ended the whole lab process.
    const smtpOpen = async (): Promise<string> => /^maillab_connections_open\{service="smtp"\} (\d+)$/m.exec(await (await fetch(`http://127.0.0.1:${lab.httpPort}/metrics`)).text())?.[1] ?? '0';
    const openBefore = Number(await smtpOpen());
    const expectHandoff = lab.handoffs.expect.bind(lab.handoffs);
    lab.handoffs.expect = () => {
      lab.handoffs.expect = expectHandoff;
      throw new Error('injected fault');
    };
    const failed = await TerminalClient.open(lab.httpPort, 'smtp');
    const error = await failed.message('error');
    expect(error.message?.en).toMatch(/internal error.*Reconnect/);
    expect(error.message?.['zh-CN']).toMatch(/内部错误.*重新连接/);
    expect((await failed.message('closed')).reason).toBe('lab error');
    expect(logLines.some((l) => /^bridge: terminal session failed: Error: injected fault/.test(l))).toBe(true);
    await expect.poll(() => lab.bridge.sessions.size).toBe(0);
    // The connection the failed session had opened to the SMTP service is closed, not left behind.
    // (Not more than before: an earlier test's connection may close meanwhile.)
    await expect.poll(async () => Number(await smtpOpen()) <= openBefore, { timeout: 5000 }).toBe(true);
    const next = await TerminalClient.open(lab.httpPort, 'smtp');
    await next.expect(/^220 /m);
    await next.send('NOOP', /^250 /m);
    next.close();
  });
});
