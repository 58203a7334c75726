/**
 * IMAP APPEND of messages of many megabytes: each is stored whole, and converting it to the
 * stored form (LF line ends) and counting its wire size is done a slice per turn, so the
 * learner next door keeps getting answers and the lab's event loop is never busy 100 ms at a
 * stretch. In one turn, three 9 MB APPENDs kept it busy 102-126 ms (load ~30; 42-48 ms since).
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startBystander, unhurt } from '../helpers/bystander.js';
import { pythonPaused } from '../helpers/clients.js';
import { startTestLab, type TestLab } from '../helpers/lab.js';
import { RawClient } from '../helpers/rawSocket.js';

let lab: TestLab;
beforeAll(async () => {
  lab = await startTestLab();
});
afterAll(async () => {
  await lab?.dispose();
});

it('stores three 9 MB messages sent by APPEND whole, while the learner next door keeps working', async () => {
  // Started (and logged in) before the watch: starting a process forks this one, the lab's,
  // and costs its next turns a page fault for every page they write (tls-flood.test.ts).
  const client = await pythonPaused(
    `
import imaplib, hashlib, sys
M = imaplib.IMAP4('127.0.0.1', P['imap'], timeout=120)
M.login('alice@example.com', 'secret')
lines = [('line %07d ' % i) + 'y' * 64 for i in range(9 * 1024 * 1024 // 78)]
messages = [('Subject: big %d\\r\\nFrom: a@example.com\\r\\n\\r\\n' % n + '\\r\\n'.join(lines) + '\\r\\n').encode() for n in range(3)]
print('ready', flush=True)
sys.stdin.readline()
out = {'appended': [], 'fetched': []}
for m in messages:
    typ, data = M.append('INBOX', None, None, m)
    out['appended'].append([typ, data[0].decode()])
M.select('INBOX', readonly=True)
for (typ, text), m in zip(out['appended'], messages):
    uid = text.split()[-1].rstrip(']')
    typ, data = M.uid('FETCH', uid, '(BODY.PEEK[])')
    body = data[0][1]
    out['fetched'].append([len(m), hashlib.sha256(m).hexdigest(), len(body), hashlib.sha256(body).hexdigest()])
M.logout()
print(json.dumps(out))
`,
    { imap: lab.port('imap') },
    150_000,
  );
  expect(client.first).toBe('ready');

  const learner = await RawClient.open(lab.port('smtp'), false, '127.0.0.1');
  await learner.until(/^220 /m);
  await learner.command('EHLO learner.test', /^250 /m);
  const watch = startBystander(async () => {
    await learner.command('NOOP', /^250 /m, 5000);
  });
  let result;
  let report;
  try {
    result = await client.go();
  } finally {
    report = await watch.stop();
    learner.close();
  }
  expect(result.stderr).toBe('');
  const out = JSON.parse(result.stdout) as { appended: Array<[string, string]>; fetched: Array<[number, string, number, string]> };
  expect(out.appended.map(([typ, text]) => [typ, /APPENDUID/.test(text)])).toEqual([['OK', true], ['OK', true], ['OK', true]]);
  // Each comes back exactly as it was sent: no octet lost, doubled or changed at a slice's edge.
  for (const [sentSize, sentHash, gotSize, gotHash] of out.fetched) {
    expect(sentSize).toBeGreaterThan(9_000_000);
    expect([gotSize, gotHash]).toEqual([sentSize, sentHash]);
  }
  expect(unhurt(report)).toEqual([]);
}, 180_000);
