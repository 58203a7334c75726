/**
 * The message inspector's API against the real servers: the MIME tree and section numbers it
 * shows are what Python's imaplib gets from the IMAP server (BODYSTRUCTURE, and BODY[n] for
 * every part), a message sent with smtplib is found by the queue id in the 250 reply, the
 * Received: hops, Authentication-Results and DKIM-Signature are taken apart, and hostile
 * messages (10,000 parts, deep nesting, broken encodings, scripts) come back quickly and
 * their HTML only ever with the sandbox policy.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { python, run } from '../helpers/clients.js';
import { startTestLab, type TestLab } from '../helpers/lab.js';
import { LogWatch, submit } from '../helpers/world.js';

let lab: TestLab;
beforeAll(async () => {
  lab = await startTestLab();
});
afterAll(async () => {
  await lab?.dispose();
});

const get = async (path: string) => {
  const res = await fetch(`http://127.0.0.1:${lab.httpPort}${path}`);
  return { status: res.status, headers: res.headers, text: await res.text() };
};
const inspect = async (query: string) => {
  const r = await get(`/api/inspect?${query}`);
  return { status: r.status, body: JSON.parse(r.text) as any };
};

/** Sends a raw message (on smtplib's stdin: it may be large) to port 25; resolves to the queue id of the 250 reply. */
async function sendRaw(to: string, message: string): Promise<string> {
  const script = `
import smtplib, sys
s = smtplib.SMTP('127.0.0.1', ${lab.port('smtp')}, timeout=60)
s.ehlo('sender.test')
s.mail('someone@sender.test'); s.rcpt('${to}')
code, reply = s.data(sys.stdin.buffer.read())
print(reply.decode())
s.quit()`;
  // As long as its socket may wait (60 s): a loaded machine needed more than the default 20 s.
  const r = await run('python3', ['-c', script], message, 70_000);
  expect(r.stderr).toBe('');
  return /queued as ([0-9A-F]{10})/.exec(r.stdout)![1]!;
}

/** BODYSTRUCTURE and BODY[section] of one message, fetched by imaplib from the real IMAP server. */
async function imapFetch(user: string, uid: number, sections: string[]): Promise<{ bodystructure: string; sections: Record<string, string> }> {
  const r = await python(
    `
import imaplib, base64
i = imaplib.IMAP4('127.0.0.1', P['port']); i.login(P['user'], 'secret'); i.select('INBOX', readonly=True)
typ, data = i.uid('FETCH', str(P['uid']), '(BODYSTRUCTURE)')
bs = data[0].decode() if isinstance(data[0], bytes) else data[0][0].decode()
out = {}
for s in P['sections']:
    typ, d = i.uid('FETCH', str(P['uid']), '(BODY.PEEK[%s])' % s)
    out[s] = base64.b64encode(d[0][1]).decode()
print(json.dumps({'bodystructure': bs, 'sections': out}))
i.logout()`,
    { port: lab.port('imap'), user, uid, sections },
  );
  expect(r.stderr).toBe('');
  return JSON.parse(r.stdout);
}

describe('the MIME tree is the IMAP server\'s', () => {
  it('shows the BODYSTRUCTURE imaplib fetches, and each section number names the bytes BODY[n] returns', async () => {
    const { body } = await inspect('user=bob@example.com&folder=INBOX&uid=2');
    expect(body.location).toMatchObject({ user: 'bob@example.com', folder: 'INBOX', uid: 2 });
    const sections = body.parts.map((p: { section: string }) => p.section).filter((s: string) => s !== '');
    expect(sections).toEqual(['1', '2']);
    expect(body.parts[2]).toMatchObject({ type: 'text/csv', disposition: 'attachment', filename: 'ports.csv', encoding: expect.any(String) });
    const fetched = await imapFetch('bob@example.com', 2, sections);
    expect(fetched.bodystructure).toContain(`BODYSTRUCTURE ${body.bodyStructure}`);
    const raw = await get('/api/inspect/raw?user=bob@example.com&folder=INBOX&uid=2');
    const wire = Buffer.from(raw.text.replace(/\r?\n/g, '\r\n'), 'utf8');
    for (const p of body.parts.filter((x: { section: string }) => x.section !== '')) {
      expect(Buffer.from(fetched.sections[p.section]!, 'base64').equals(wire.subarray(p.bodyStart, p.end)), `BODY[${p.section}]`).toBe(true);
      expect(p.size).toBe(p.end - p.bodyStart);
    }
    expect(body.rendered).toMatchObject({ textSection: '1', attachments: [{ section: '2', type: 'text/csv', filename: 'ports.csv' }] });
  });

  it('numbers parts inside a forwarded message (message/rfc822) as the server does', async () => {
    const inner = 'Subject: inner\r\nMIME-Version: 1.0\r\nContent-Type: multipart/alternative; boundary="in"\r\n\r\n--in\r\nContent-Type: text/plain\r\n\r\nplain inside\r\n--in\r\nContent-Type: text/html\r\n\r\n<p>html inside</p>\r\n--in--\r\n';
    const message = `Subject: forward\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="out"\r\n\r\n--out\r\nContent-Type: text/plain\r\n\r\nsee below\r\n--out\r\nContent-Type: message/rfc822\r\n\r\n${inner}\r\n--out--\r\n`;
    const queueId = await sendRaw('alice@example.com', message);
    const { body } = await inspect(`queue=${queueId}`);
    expect(body.location.user).toBe('alice@example.com');
    const sections = body.parts.map((p: { section: string; type: string }) => `${p.section} ${p.type}`);
    expect(sections).toEqual([' multipart/mixed', '1 text/plain', '2 message/rfc822', '2.1 text/plain', '2.2 text/html']);
    const fetched = await imapFetch('alice@example.com', body.location.uid, ['2.1', '2.2']);
    expect(Buffer.from(fetched.sections['2.1']!, 'base64').toString()).toBe('plain inside');
    expect(Buffer.from(fetched.sections['2.2']!, 'base64').toString()).toBe('<p>html inside</p>');
    expect(fetched.bodystructure).toContain(body.bodyStructure);
  });
});

describe('headers, hops and the file on disk', () => {
  it('finds a message sent with smtplib by its queue id, and takes its trace and name apart', async () => {
    const log = new LogWatch(lab);
    try {
      await submit(lab, { to: ['carol@otherdomain.com'], subject: '=?UTF-8?B?5rWL6K+V?= inspected', body: 'A line\r\n.A dot line\r\n' });
      const line = await log.next(/mail\.otherdomain\.com postfix\/virtual\[\d+\]: ([0-9A-F]{10}): to=<carol@otherdomain\.com>/);
      const queueId = /: ([0-9A-F]{10}): to=/.exec(line)![1]!;
      const { status, body } = await inspect(`queue=${queueId}&user=carol`);
      expect(status).toBe(200);
      expect(body.location).toMatchObject({ user: 'carol@otherdomain.com', folder: 'INBOX', dir: 'new' });
      // Newest hop first: mail.otherdomain.com received it from mail.example.com over TLS, after the submission hop.
      expect(body.hops[0]).toMatchObject({ from: 'mail.example.com', by: 'mail.otherdomain.com', with: 'ESMTPS', id: queueId, for: 'carol@otherdomain.com', tls: expect.stringMatching(/^TLS/) });
      expect(body.hops[1]).toMatchObject({ by: 'mail.example.com', with: 'ESMTPSA' });
      expect(body.hops[0].delayMs).toBeGreaterThanOrEqual(0);
      expect(body.authReportId).toBe(queueId);
      const ar = body.authResults[0];
      expect(ar.authservId).toBe('mail.otherdomain.com');
      expect(ar.verdicts.map((v: { method: string; result: string }) => `${v.method}=${v.result}`)).toEqual(['dkim=pass', 'spf=pass', 'dmarc=pass']);
      expect(Object.fromEntries(body.dkim[0])).toMatchObject({ v: '1', a: 'rsa-sha256', d: 'example.com', s: 'default', c: 'relaxed/relaxed' });
      const subject = body.headers.find((h: { name: string }) => h.name === 'Subject');
      expect(subject).toMatchObject({ decoded: '测试 inspected', encodedWords: true });
      // The file name, taken apart.
      expect(body.disk.name.unique).toMatchObject({ pid: String(process.pid) });
      expect(body.disk.name.sizeS).toBe(body.disk.size);
      expect(body.disk.name.sizeW).toBe(body.disk.wireSize);
      expect(body.disk.wireSize - body.disk.size).toBe(body.raw.text.split('\n').length - 1);
      expect(body.raw.text).toContain('\n.A dot line\n');
    } finally {
      log.stop();
    }
  });

  it('says what is missing, in both languages', async () => {
    const none = await inspect('queue=0123456789');
    expect(none.status).toBe(404);
    expect(none.body.error['zh-CN']).toMatch(/没有这封邮件/);
    expect((await inspect('uid=abc')).status).toBe(400);
  });
});

describe('hostile messages', () => {
  it('10,000 parts, 60 levels of nesting, broken base64 and <script> everywhere: answered quickly, bounded, never run', { timeout: 120_000 }, async () => {
    const many = Array.from({ length: 10_000 }, (_, i) => `--b\r\nContent-Type: text/html\r\n\r\n<script>alert(${i})</script>`).join('\r\n');
    let nested = '<script>deep()</script>';
    for (let d = 0; d < 60; d++) nested = `Content-Type: multipart/mixed; boundary="n${d}"\r\n\r\n--n${d}\r\n${nested.startsWith('Content-Type') ? nested : `Content-Type: text/html\r\n\r\n${nested}`}\r\n--n${d}--`;
    const message = [
      'Subject: <script>alert("subject")</script>',
      'MIME-Version: 1.0',
      'Content-Type: multipart/mixed; boundary="b"',
      '',
      '--b',
      'Content-Type: text/html',
      '',
      '<img src="http://tracker.example/pixel.gif"><script>fetch("http://evil.example/")</script><form action="http://evil.example/"><input></form>',
      '--b',
      'Content-Type: text/html; charset=utf-8',
      'Content-Transfer-Encoding: base64',
      '',
      '!!!not base64 at all???',
      '--b',
      nested,
      many,
      '--b--',
      '',
    ].join('\r\n');
    const queueId = await sendRaw('bob@example.com', message);
    const cpuBefore = process.cpuUsage();
    const { status, body } = await inspect(`queue=${queueId}`);
    expect(status).toBe(200);
    // Bounded work, judged by the CPU time the lab's threads spent on it (the parse runs in a
    // worker thread), not by the time it took: that also counts the waits for a CPU other
    // processes held (6.4 s against a limit of 5 once on a loaded machine; 2.7 s in another run
    // for 0.5 s of CPU).
    const cpu = process.cpuUsage(cpuBefore);
    expect((cpu.user + cpu.system) / 1000).toBeLessThan(5000);
    expect(body.totalParts).toBeGreaterThan(10_000);
    expect(body.parts.length).toBeLessThanOrEqual(500);
    expect(body.headers.find((h: { name: string }) => h.name === 'Subject').decoded).toBe('<script>alert("subject")</script>');
    const html = await get(`/api/inspect/part?queue=${queueId}&section=1`);
    expect(html.status).toBe(200);
    expect(html.headers.get('content-security-policy')).toMatch(/^sandbox; default-src 'none'; img-src data:/);
    expect(html.headers.get('x-content-type-options')).toBe('nosniff');
    expect(html.text).toContain('<script>fetch(');
    expect(body.rendered).toMatchObject({ htmlSection: '1', remoteReferences: 2 });
    const download = await get(`/api/inspect/part?queue=${queueId}&section=2&download=1`);
    expect(download.headers.get('content-type')).toBe('application/octet-stream');
    expect(download.headers.get('content-disposition')).toMatch(/^attachment;/);
    // The lab still answers everyone else.
    expect((await get('/healthz')).status).toBe(200);
  });
});
