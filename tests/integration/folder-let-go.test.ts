/**
 * Idle folders let their index in memory go (maildir/idleFolders.ts) and load it again from
 * disk at the next use. A class of learners who each opened a 4,000-message INBOX once kept
 * about 1 MB each for good. Driven by imaplib, poplib and smtplib: every flag, keyword, UID,
 * UIDVALIDITY, modseq, \Recent claim and expunge (QRESYNC's VANISHED) survives the let-go, mail
 * delivered while the folder is let go arrives, and a folder is never let go while an IMAP
 * session has it selected or a POP3 session holds it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MaildirFolder } from '../../lab-server/src/maildir/folder.js';
import { letGoOfIdleFolders } from '../../lab-server/src/maildir/idleFolders.js';
import { mailboxOf } from '../../lab-server/src/maildir/sandboxMaildirs.js';
import { python, pythonPaused } from '../helpers/clients.js';
import { imaplib } from '../helpers/imaplib.js';
import { startTestLab, type TestLab } from '../helpers/lab.js';

/** Short, so the test waits for sweeps of a fraction of a second; `serve` keeps 5 minutes. */
const IDLE_MS = 300;

let lab: TestLab;
let inbox: MaildirFolder;
beforeAll(async () => {
  lab = await startTestLab({ limits: { folderIdleMs: IDLE_MS } });
  const sandbox = await lab.sandboxes.get('default');
  inbox = mailboxOf(sandbox, sandbox.userByAddress('bob@example.com')!).inbox;
});
afterAll(async () => {
  await lab?.dispose();
});

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Waits until the sweeps let INBOX's index go (30 s at most: the sweep runs every 150 ms). */
async function letGo(): Promise<void> {
  for (let waited = 0; inbox.state.isLoaded; waited += 50) {
    if (waited > 30_000) throw new Error('INBOX was never let go');
    await sleep(50);
  }
}

/**
 * With a session holding INBOX (its client paused after SELECT or PASS, so the folder is loaded
 * for that session, not by a late start): the index stays well past the idle time, sweeps
 * running all along, and when every unused folder is let go at once.
 */
async function staysWhileHeld(): Promise<void> {
  expect(inbox.state.isLoaded).toBe(true);
  await sleep(IDLE_MS * 10);
  expect(inbox.state.isLoaded).toBe(true);
  await letGoOfIdleFolders(0);
  expect(inbox.state.isLoaded).toBe(true);
}

/** Delivers a message to bob on port 25 with smtplib. */
async function deliver(subject: string): Promise<void> {
  const r = await python(
    `
import smtplib
s = smtplib.SMTP('127.0.0.1', P['port'], timeout=20)
s.sendmail('alice@example.com', ['bob@example.com'], ('From: alice@example.com\\r\\nTo: bob@example.com\\r\\nSubject: %s\\r\\n\\r\\nHello.\\r\\n' % P['subject']).encode())
s.quit()
print(json.dumps({}))
`,
    { port: lab.port('smtp'), subject },
  );
  expect(r.stderr).toBe('');
}

/** `* n FETCH (UID u FLAGS (...) MODSEQ (m))` lines as { uid: 'FLAGS … MODSEQ …' }, \Recent left out (it is per session). */
const FETCH_ALL = `
typ, lines = M.uid('FETCH', '1:*', '(FLAGS MODSEQ)')
out['fetch'] = [l for l in lines if l]
`;
/** ENVELOPE and BODYSTRUCTURE of every message (served from the field cache once worked out), as one text per line. */
const ENVELOPES = `
typ, lines = M.uid('FETCH', '1:*', '(ENVELOPE BODYSTRUCTURE)')
out['envelopes'] = [l for l in lines if l]
`;

function byUid(lines: string[]): Record<string, { flags: string[]; modseq: number }> {
  const found: Record<string, { flags: string[]; modseq: number }> = {};
  for (const line of lines) {
    const uid = /UID (\d+)/.exec(line)![1]!;
    const flags = /FLAGS \(([^)]*)\)/.exec(line)![1]!.split(' ').filter((f) => f && f !== '\\Recent').sort();
    found[uid] = { flags, modseq: Number(/MODSEQ \((\d+)\)/.exec(line)![1]) };
  }
  return found;
}

describe('an idle folder let go and loaded again', () => {
  it('keeps every flag, keyword, UID, modseq, \\Recent claim and expunge, and takes mail delivered meanwhile', async () => {
    for (let i = 0; i < 3; i++) await deliver(`before ${i}`);
    const first = await imaplib(
      lab.port('imap'),
      `
M.login('bob@example.com', 'secret')
M.enable('QRESYNC')
typ, data = M.select('INBOX')
out['recent'] = int(M.response('RECENT')[1][0])
uids = M.uid('SEARCH', 'ALL')[1][0].split()
out['kept'], out['expunged'] = uids[0], uids[1]
M.uid('STORE', uids[0], '+FLAGS', '(\\\\Seen $Forwarded)')
M.uid('STORE', uids[1], '+FLAGS', '(\\\\Deleted)')
${FETCH_ALL}
out['before_expunge'] = out['fetch']
M.expunge()
${FETCH_ALL}
${ENVELOPES}
M.select('INBOX', readonly=True)
out['uidvalidity'] = int(M.response('UIDVALIDITY')[1][0])
out['uidnext'] = int(M.response('UIDNEXT')[1][0])
out['highestmodseq'] = int(M.response('HIGHESTMODSEQ')[1][0])
M.logout()
`,
    );
    expect(first.recent).toBeGreaterThanOrEqual(3);
    const beforeExpunge = Math.max(...Object.values(byUid(first.before_expunge)).map((m) => m.modseq));
    await letGo();
    expect(inbox.list()).toHaveLength(0);
    // Delivered while nothing of INBOX is in memory.
    await deliver('while let go');
    const second = await imaplib(
      lab.port('imap'),
      `
M.login('bob@example.com', 'secret')
M.enable('QRESYNC')
typ, data = M._simple_command('SELECT', 'INBOX', '(QRESYNC (%d %d))' % (P['uidvalidity'], P['modseq']))
M.state = 'SELECTED'
for key in ('UIDVALIDITY', 'UIDNEXT', 'HIGHESTMODSEQ', 'RECENT', 'VANISHED', 'FLAGS'):
    out[key] = M.response(key)[1]
${FETCH_ALL}
${ENVELOPES}
M.logout()
`,
      { uidvalidity: first.uidvalidity, modseq: beforeExpunge },
    );
    expect(Number(second.UIDVALIDITY[0])).toBe(first.uidvalidity);
    // The message expunged before the let-go is reported vanished from the expunge history.
    expect(second.VANISHED.join(' ')).toMatch(new RegExp(`\\(EARLIER\\) (.*,)?${first.expunged}(,|$|:)`));
    // The one delivered meanwhile took the next UID, and only it is \Recent (the first session claimed the rest).
    expect(Number(second.UIDNEXT[0])).toBe(first.uidnext + 1);
    expect(Number(second.RECENT[0])).toBe(1);
    expect(Number(second.HIGHESTMODSEQ[0])).toBeGreaterThan(first.highestmodseq);
    expect(second.FLAGS[0]).toContain('$Forwarded');
    const was = byUid(first.fetch);
    const now = byUid(second.fetch);
    expect(now[first.kept]!.flags).toEqual(['$Forwarded', '\\Seen']);
    expect(now[first.expunged]).toBeUndefined();
    // Every message from before has its flags and modseq as they were; the new one is there too.
    expect(Object.fromEntries(Object.entries(now).filter(([uid]) => Number(uid) < first.uidnext))).toEqual(was);
    expect(now[String(first.uidnext)]).toBeDefined();
    // The fields worked out before the let-go come back the same (the cache file, by the index's offsets).
    expect(second.envelopes.slice(0, first.envelopes.length).map(String)).toEqual(first.envelopes.map(String));
    expect(second.envelopes).toHaveLength(first.envelopes.length + 1);
  }, 120_000);

  it('is never let go while an IMAP session has it selected or a POP3 session holds it', async () => {
    await letGo();
    const imap = await pythonPaused(
      `
import imaplib
M = imaplib.IMAP4('127.0.0.1', P['port'], timeout=20)
M.login('bob@example.com', 'secret')
print(M.select('INBOX')[0], flush=True)
sys.stdin.readline()
out = {}
${FETCH_ALL}
M.logout()
print(json.dumps({'fetch': [l.decode() for l in out['fetch']]}))
`,
      { port: lab.port('imap') },
    );
    expect(imap.first).toBe('OK');
    await staysWhileHeld();
    const selected = await imap.go();
    expect(selected.stderr).toBe('');
    expect(JSON.parse(selected.stdout).fetch.length).toBeGreaterThan(0);
    // Let go once the session ended.
    await letGo();

    const pop = await pythonPaused(
      `
import poplib
p = poplib.POP3('127.0.0.1', P['port'], timeout=20)
p.user('bob@example.com'); welcome = p.pass_('secret')
first = p.uidl()[1]
print(welcome.decode(), flush=True)
sys.stdin.readline()
print(json.dumps({'first': [x.decode() for x in first], 'later': [x.decode() for x in p.uidl()[1]], 'retr': len(p.retr(1)[1])}))
p.quit()
`,
      { port: lab.port('pop3') },
    );
    expect(pop.first).toMatch(/^\+OK/);
    await staysWhileHeld();
    const r = await pop.go();
    expect(r.stderr).toBe('');
    const popped = JSON.parse(r.stdout) as { first: string[]; later: string[]; retr: number };
    expect(popped.later).toEqual(popped.first);
    expect(popped.retr).toBeGreaterThan(3);
    // Let go once the session ended; a new POP3 session sees the same UIDLs, loaded from disk.
    await letGo();
    const again = await python(
      `
import poplib
p = poplib.POP3('127.0.0.1', P['port'], timeout=20)
p.user('bob@example.com'); p.pass_('secret')
print(json.dumps([x.decode() for x in p.uidl()[1]]))
p.quit()
`,
      { port: lab.port('pop3') },
    );
    expect(JSON.parse(again.stdout)).toEqual(popped.first);
  }, 120_000);
});
