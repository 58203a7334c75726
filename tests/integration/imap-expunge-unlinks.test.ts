/**
 * EXPUNGE removes its files off the event loop's thread. On a disk that discards freed blocks
 * each unlink waits for the disk (0.3 to 1.3 ms here): 50,000 of them one after the other on
 * the event loop took 38 s of a 100,000-message EXPUNGE. The lab runs in its own process and
 * strace, attached to all its threads, shows which thread made each unlink: a fact of the
 * system calls, not of timing.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startLabProcess, type LabProcess } from '../helpers/labProcess.js';
import { maildirPath } from '../helpers/maildir.js';
import { imapLogin, imapTagged } from '../helpers/rawSocket.js';

const DROPPED = 300;
let lab: LabProcess;
let strace: ChildProcess | undefined;
const traceFile = join(tmpdir(), `maillab-expunge-strace-${process.pid}.txt`);

beforeAll(async () => {
  lab = await startLabProcess();
}, 60_000);
afterAll(async () => {
  if (strace && strace.exitCode === null && strace.signalCode === null) {
    strace.kill();
    await new Promise((r) => strace!.once('exit', r));
  }
  await lab?.stop();
  await rm(traceFile, { force: true });
});

/** strace on every thread of the lab (-f: those it starts later too), once it says it is attached. */
async function traceUnlinks(pid: number): Promise<ChildProcess> {
  const child = spawn('strace', ['-f', '-e', 'trace=unlink,unlinkat', '-o', traceFile, '-p', String(pid)], { stdio: ['ignore', 'ignore', 'pipe'] });
  let said = '';
  await new Promise<void>((resolve, reject) => {
    child.stderr!.on('data', (d: Buffer) => {
      said += d.toString();
      if (/attached/.test(said)) resolve();
    });
    // No strace (.ci/run installs it), or no right to trace (ptrace needs CAP_SYS_PTRACE where
    // Yama's ptrace_scope is 1): fail at once, saying so, rather than at the test's timeout.
    child.once('error', (err) => reject(new Error(`strace could not start (${err.message}): install Debian's strace`)));
    child.once('exit', (code) => reject(new Error(`strace exited with ${code}: ${said}`)));
  });
  return child;
}

it('unlinks the expunged messages on thread-pool threads, never on the event loop thread', async () => {
  const inbox = maildirPath(lab.dataDir, 'default', 'alice@example.com');
  for (let n = 0; n < DROPPED; n++) {
    await writeFile(join(inbox, 'new', `1780000000.M${n}P1Q${n}.test,S=60`), `From: a@example.com\nSubject: ${n}\n\nbody of message ${n}\n`);
  }
  const c = await imapLogin(lab.ports['imap']!);
  try {
    const selected = await c.command('s SELECT INBOX', imapTagged('s'), 30_000);
    const exists = Number(/^\* (\d+) EXISTS/m.exec(selected)![1]);
    expect(exists).toBeGreaterThanOrEqual(DROPPED);
    await c.command('d STORE 1:* +FLAGS.SILENT (\\Deleted)', imapTagged('d'), 30_000);
    strace = await traceUnlinks(lab.child.pid!);
    const expunged = await c.command('e EXPUNGE', imapTagged('e'), 60_000);
    expect(expunged.match(/^\* \d+ EXPUNGE\r\n/gm)).toHaveLength(exists);
    expect(expunged).toMatch(new RegExp(`^e OK EXPUNGE completed: ${exists} messages removed`, 'm'));
  } finally {
    c.close();
  }
  strace.kill();
  await new Promise((r) => strace!.once('exit', r));
  // "1234 unlink("/…/cur/….test,S=60:2,T") = 0": the thread's id, then the call.
  const unlinks = (await readFile(traceFile, 'utf8')).split('\n').filter((line) => line.includes(`${inbox}/cur/`) && /unlink(at)?\(/.test(line));
  expect(unlinks.length).toBeGreaterThanOrEqual(DROPPED);
  const threads = new Set(unlinks.map((line) => Number(line.split(' ')[0])));
  expect(threads.has(lab.child.pid!)).toBe(false);
}, 120_000);
