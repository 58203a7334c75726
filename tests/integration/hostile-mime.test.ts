/**
 * A MIME bomb (issue 12, first row): 400,000 empty parts in 4.4 MB, sent to port 25 without a
 * login, then read with ENVELOPE, BODYSTRUCTURE and SEARCH TEXT, and in the web's message
 * inspector and Maildir view. The parse is limited and runs
 * off the event loop: the learner next door keeps getting replies, the attacker gets the
 * structure within the documented limits, and memory goes back down once the message is gone.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cachedBytes } from '../../lab-server/src/imap/mime/cache.js';
import { MIME_LIMITS } from '../../lab-server/src/imap/mime/limits.js';
import { mailWorkers } from '../../lab-server/src/workers/pool.js';
import { python } from '../helpers/clients.js';
import { startTestLab, type TestLab } from '../helpers/lab.js';
import { readAllMessages, maildirPath } from '../helpers/maildir.js';
import { keptMemory, smtpNeighbour, watchEventLoop } from '../helpers/neighbour.js';

let lab: TestLab;
beforeAll(async () => {
  lab = await startTestLab();
});
afterAll(async () => {
  await lab?.dispose();
});

const BOMB_PARTS = 400_000;

describe('a MIME bomb of 400,000 parts', () => {
  it('is accepted, described within the limits, searched and deleted while the neighbour keeps working', { timeout: 180_000 }, async () => {
    // The baseline has a worker thread running, as a lab that has parsed anything has.
    await mailWorkers.run({ module: new URL('../../lab-server/src/imap/mime/jobs.ts', import.meta.url).href, fn: 'describeMessage', args: [Buffer.from('Subject: warm-up\n\nhello\n'), MIME_LIMITS] });
    const before = await keptMemory();
    const cacheBefore = cachedBytes();
    const neighbour = await smtpNeighbour(lab.port('smtp'));
    const loop = watchEventLoop();

    const r = await python(
      `
import smtplib, imaplib, time
body = 'From: mallory@attacker.test\\r\\nTo: bob@example.com\\r\\nSubject: bomb\\r\\nContent-Type: multipart/mixed; boundary=zz\\r\\n\\r\\n' + '--zz\\r\\n\\r\\nx\\r\\n' * P['parts']
s = smtplib.SMTP('127.0.0.1', P['smtp'], timeout=120)
reply = s.sendmail('mallory@attacker.test', ['bob@example.com'], body.encode())
s.quit()
out = {'size': len(body)}
m = imaplib.IMAP4('127.0.0.1', P['imap'], timeout=120)
m.login('bob@example.com', 'secret')
n = m.select('INBOX')[1][0].decode()
t = time.time(); typ, env = m.fetch(n, '(ENVELOPE)'); out['envelope'] = [typ, env[0].decode('latin1')[:300], time.time() - t]
t = time.time(); typ, bs = m.fetch(n, '(BODYSTRUCTURE)')
text = b''.join(x if isinstance(x, bytes) else b''.join(x) for x in bs).decode('latin1')
out['bodystructure'] = [typ, len(text), text.count('("text" "plain"'), text.count('"application" "octet-stream"'), time.time() - t]
t = time.time(); typ, hits = m.search(None, 'TEXT', '"bomb"'); out['search'] = [typ, hits[0].decode(), time.time() - t]
out['uid'] = int(m.fetch(n, '(UID)')[1][0].decode().split('UID ')[1].rstrip(')'))
m.logout()
print(json.dumps(out))
`,
      { smtp: lab.port('smtp'), imap: lab.port('imap'), parts: BOMB_PARTS },
      // Its sockets wait up to 120 s: a loaded machine needed more than the default 20 s in all.
      150_000,
    );
    expect(r.stderr).toBe('');
    const out = JSON.parse(r.stdout) as { size: number; envelope: [string, string, number]; bodystructure: [string, number, number, number, number]; search: [string, string, number]; uid: number };

    // The web's views of the same message: the inspector's MIME tree, and the Maildir view.
    const web = `http://127.0.0.1:${lab.httpPort}`;
    const inspected = await fetch(`${web}/api/inspect?user=bob@example.com&folder=INBOX&uid=${out.uid}`);
    const tree = (await inspected.json()) as { totalParts: number; parts: unknown[] };
    expect(inspected.status).toBe(200);
    expect(tree.parts.length).toBeLessThanOrEqual(MIME_LIMITS.maxParts);
    expect((await fetch(`${web}/api/inspect/part?user=bob@example.com&folder=INBOX&uid=${out.uid}&section=${MIME_LIMITS.maxParts}&download=1`)).status).toBe(200);
    expect((await fetch(`${web}/api/maildir`)).status).toBe(200);

    const expunge = await python(
      `
import imaplib
m = imaplib.IMAP4('127.0.0.1', P['imap'], timeout=120); m.login('bob@example.com', 'secret'); m.select('INBOX')
m.uid('STORE', str(P['uid']), '+FLAGS', '\\\\Deleted'); print(m.expunge()[0]); m.logout()
`,
      { imap: lab.port('imap'), uid: out.uid },
      150_000,
    );
    expect(expunge.stdout.trim()).toBe('OK');
    const worstMs = loop.worstBusyMs();
    loop.stop();
    const report = await neighbour.stop();

    expect(out.size).toBeGreaterThan(4_400_000);
    expect(out.envelope[0]).toBe('OK');
    expect(out.envelope[1]).toContain('"bomb"');
    // The first parts are described, up to the limit; everything after them is one opaque part.
    expect(out.bodystructure[0]).toBe('OK');
    expect(out.bodystructure[2]).toBe(MIME_LIMITS.maxParts - 1);
    expect(out.bodystructure[3]).toBe(1);
    expect(out.search[0]).toBe('OK');
    expect(out.search[1]).not.toBe('');

    // The learner next door: every reply within a second, every message accepted and on disk;
    // the lab's event loop never busy for half a second at a stretch. Parsed on the event loop,
    // the bomb held it 25-30 s; the margins are for a machine busy with other work.
    expect(worstMs).toBeLessThan(500);
    expect(report.failures).toEqual([]);
    expect(report.accepted.length).toBeGreaterThan(5);
    expect(Math.max(...report.latencies)).toBeLessThan(1000);
    const stored = (await readAllMessages(maildirPath(lab.dataDir, 'default', 'alice@example.com'))).join('\n');
    for (const subject of report.accepted) expect(stored).toContain(`Subject: ${subject}\n`);
    expect((await readAllMessages(maildirPath(lab.dataDir, 'default', 'bob@example.com'))).join('\n')).not.toContain('Subject: bomb');

    // Nothing of the bomb stays in memory once it is gone.
    expect(cachedBytes()).toBeLessThanOrEqual(cacheBefore + 64 * 1024);
    const after = await keptMemory();
    expect(after.heapUsed - before.heapUsed).toBeLessThan(40 * 1024 * 1024);
    expect(after.arrayBuffers - before.arrayBuffers).toBeLessThan(8 * 1024 * 1024);
    // What stays is a second worker thread's runtime and memory freed but not given back to the
    // system, not the bomb (once it kept 800 MB): 83 MB on a quiet machine, 142 MB with four
    // busy loops on the two cores (128 MB was the limit; the heap kept 5 MB on the quiet one).
    expect(after.rss - before.rss).toBeLessThan(192 * 1024 * 1024);
  });
});
