/**
 * The mail servers' warm-up at start (lab/warmUp.ts): real IMAP and POP3 sessions on a sandbox
 * of its own before the lab says it is ready. It must leave nothing behind, count nowhere,
 * touch no learner's mail, and never keep a lab from starting.
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Logger } from '../../lab-server/src/log.js';
import { python } from '../helpers/clients.js';
import { imaplib } from '../helpers/imaplib.js';
import { startTestLab, type TestLab } from '../helpers/lab.js';
import { sampleValue, scrapeMetrics } from '../helpers/metrics.js';

let lab: TestLab | undefined;
afterEach(async () => {
  await lab?.dispose();
  lab = undefined;
});

function capture(): { log: Logger; lines: string[] } {
  const lines: string[] = [];
  return { lines, log: (component, message, level) => void lines.push(`${level ?? 'info'} ${component}: ${message}`) };
}

/** What alice's POP3 maildrop holds, by Python's poplib: its STAT and the subject of message 1. */
async function aliceOverPop3(port: number): Promise<{ stat: number[]; subject: string }> {
  const r = await python(
    `import poplib
p = poplib.POP3('127.0.0.1', P['port'], timeout=10); p.user('alice@example.com'); p.pass_('secret')
stat = p.stat()
lines = p.retr(1)[1] if stat[0] else []
subject = next((l.decode() for l in lines if l.lower().startswith(b'subject:')), '')
p.quit()
print(json.dumps({'stat': list(stat), 'subject': subject}))`,
    { port },
  );
  expect(r.stderr).toBe('');
  return JSON.parse(r.stdout) as { stat: number[]; subject: string };
}

describe('the mail servers warm up before the lab is ready', () => {
  it('runs real IMAP and POP3 sessions, then leaves no directory, no count and no mail of its own', async () => {
    const { log, lines } = capture();
    lab = await startTestLab({ warmUp: true, log });
    expect(lines.filter((l) => l.includes('warmed up in'))).toHaveLength(1);
    expect(lines.filter((l) => l.includes('warm-up') || l.startsWith('error'))).toEqual([]);
    expect(existsSync(join(lab.dataDir, 'warm-up'))).toBe(false);
    // Nothing of it is written after it is over (a folder index flushed late would make the directory again).
    await new Promise((r) => setTimeout(r, 1500));
    expect(existsSync(join(lab.dataDir, 'warm-up'))).toBe(false);

    // Counted nowhere: the warm-up's 5,000 RETRs and 500 FETCHes are not the class's commands.
    const metrics = await scrapeMetrics(lab);
    expect(sampleValue(metrics.text, 'maillab_commands_total', { service: 'pop3', command: 'RETR' })).toBe(0);
    expect(sampleValue(metrics.text, 'maillab_commands_total', { service: 'imap', command: 'FETCH' })).toBe(0);

    // No learner's world knows its user, and learners' mail is served as ever.
    const users = await readdir(join(lab.dataDir, 'sandboxes', 'default', 'vhosts', 'example.com'));
    expect(users.sort()).toEqual(['alice', 'bob']);
    const pop3 = await aliceOverPop3(lab.port('pop3'));
    expect(pop3.stat[0]).toBeGreaterThan(0);
    expect(pop3.subject).not.toContain('Note ');
    const imap = await imaplib(lab.port('imap'), `
try:
    M.login('warm-up@example.com', 'secret')
except imaplib.IMAP4.error as e:
    out['error'] = str(e)
`);
    expect(imap.error).toContain('AUTHENTICATIONFAILED');
  });

  it('gives up at its deadline and the lab starts and serves without it', async () => {
    const { log, lines } = capture();
    lab = await startTestLab({ warmUp: true, log, limits: { warmUpMs: 1 } });
    expect(lines.filter((l) => l.includes('warm-up of the mail servers stopped: not done within 1 ms'))).toHaveLength(1);
    expect(lines.filter((l) => l.includes('warmed up in'))).toEqual([]);
    expect(existsSync(join(lab.dataDir, 'warm-up'))).toBe(false);
    const pop3 = await aliceOverPop3(lab.port('pop3'));
    expect(pop3.stat[0]).toBeGreaterThan(0);
  });

  it('removes what a lab killed during its warm-up left', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'maillab-test-'));
    const left = join(dataDir, 'warm-up', 'vhosts', 'example.com', 'warm-up', 'new');
    await mkdir(left, { recursive: true });
    await writeFile(join(left, '1.M1P1.warm-up'), 'Subject: left\n\nbody\n');
    const { log, lines } = capture();
    lab = await startTestLab({ warmUp: true, log }, dataDir);
    expect(lines.filter((l) => l.includes('warmed up in'))).toHaveLength(1);
    expect(existsSync(join(dataDir, 'warm-up'))).toBe(false);
  });
});
