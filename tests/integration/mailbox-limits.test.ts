/**
 * What one learner's mailbox may grow to. Names asked about but never created (STATUS, SELECT on
 * made-up names, one new name a command) keep no memory; and a user has at most MAX_FOLDERS
 * folders, as Dovecot's quota_mailbox_count caps them: CREATE, and RENAME of INBOX, then get
 * NO [LIMIT] until a mailbox is deleted.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_FOLDERS } from '../../lab-server/src/maildir/mailbox.js';
import { python } from '../helpers/clients.js';
import { imaplib } from '../helpers/imaplib.js';
import { startTestLab, type TestLab } from '../helpers/lab.js';
import { maildirPath } from '../helpers/maildir.js';
import { keptMemory } from '../helpers/neighbour.js';

let lab: TestLab;
let port: number;

beforeAll(async () => {
  lab = await startTestLab();
  port = lab.port('imap');
});

afterAll(async () => {
  await lab?.dispose();
});

describe('mailbox names and counts', () => {
  it('keeps no memory for 10,000 made-up mailbox names a client asks about', async () => {
    const ask = (from: number): Promise<{ code: number; stdout: string; stderr: string }> =>
      python(
        `
import socket
s = socket.create_connection(('127.0.0.1', P['port'])); f = s.makefile('rb'); f.readline()
s.sendall(b'a LOGIN bob@example.com secret\\r\\n')
while not f.readline().startswith(b'a '): pass
n = 5000
s.sendall(b''.join(b'x%d STATUS made-up-%d (MESSAGES)\\r\\n' % (i, P['from'] + i) for i in range(n)))
answers = [l for l in (f.readline() for _ in range(n)) if l.startswith(b'x')]
print(sum(b' NO [NONEXISTENT] ' in l for l in answers))`,
        { port, from },
      );
    // A first round brings every code path and lazy structure in; the second is what is kept per name.
    expect((await ask(0)).stdout.trim()).toBe('5000');
    const before = (await keptMemory()).heapUsed;
    const second = await ask(5000);
    expect(second.stdout.trim()).toBe('5000');
    const grown = (await keptMemory()).heapUsed - before;
    // An object kept per name was some 3 KB each: 15 MB for these 5,000.
    expect(grown).toBeLessThan(3 * 1024 * 1024);
    // The names that are let go can still be created and used.
    const out = await imaplib(port, `M.login('bob@example.com', 'secret'); out['create'] = M.create('made-up-7')[0]; out['select'] = M.select('made-up-7')[0]`);
    expect(out).toEqual({ create: 'OK', select: 'OK' });
  }, 120_000);

  it(`stops CREATE at ${MAX_FOLDERS} mailboxes with NO [LIMIT], and RENAME INBOX too, until one is deleted`, async () => {
    // alice has INBOX, Sent, Drafts and Trash; folders made on disk count like any other.
    const home = maildirPath(lab.dataDir, 'default', 'alice@example.com');
    for (let i = 0; i < MAX_FOLDERS - 5; i++) await Promise.all(['cur', 'new', 'tmp'].map((d) => mkdir(join(home, `.F${i}`, d), { recursive: true })));
    const out = await imaplib(
      port,
      `M.login('alice@example.com', 'secret')
out['last'] = M.create('Last')
out['over'] = M.create('Over')
out['rename'] = M.rename('INBOX', 'Old-inbox')
out['delete'] = M.delete('F0')
out['again'] = M.create('Over')
out['count'] = len(M.list()[1])`,
    );
    expect(out.last[0]).toBe('OK');
    expect(out.over).toEqual(['NO', [`[LIMIT] Maximum number of mailboxes reached (${MAX_FOLDERS}): "Over" was not created. DELETE mailboxes you do not need, then try again`]]);
    expect(out.rename[0]).toBe('NO');
    expect(out.rename[1][0]).toMatch(/^\[LIMIT\] Maximum number of mailboxes reached/);
    expect(out.delete[0]).toBe('OK');
    expect(out.again[0]).toBe('OK');
    expect(out.count).toBe(MAX_FOLDERS);
  }, 60_000);
});
