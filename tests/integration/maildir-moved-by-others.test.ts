/**
 * Files another program renames or removes in a Maildir while the lab moves noticed messages
 * from new/ to cur/ (noticedMoves.ts): a learner's shell, a second mail program. A real lab in its
 * own process; Python's imaplib selects 2,000 messages just dropped into new/, and at once a third
 * of the files are renamed into cur/ as \Seen and one in eleven deleted behind the lab's back.
 * The lab must find where the files went (no message read as NIL), drop the deleted ones, and
 * still stop on SIGTERM: the moves once retried the missing files in every slice for ever,
 * spinning a core, and the shutdown that waits for them never came.
 */
import { spawn } from 'node:child_process';
import { readdirSync, renameSync, unlinkSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { python } from '../helpers/clients.js';
import { startLabProcess, type LabProcess } from '../helpers/labProcess.js';
import { maildirPath } from '../helpers/maildir.js';

const COUNT = 2000;
let lab: LabProcess | undefined;

afterAll(async () => {
  if (lab && lab.child.exitCode === null && lab.child.signalCode === null) lab.child.kill('SIGKILL');
  await lab?.stop();
});

const login = (port: number): string => `import imaplib, sys\nM = imaplib.IMAP4('127.0.0.1', ${port})\nM.login('alice@example.com', 'secret')\n`;

/** SELECTs INBOX with imaplib, keeps the session open, and resolves once the reply is in. */
async function selectAndHold(port: number): Promise<() => void> {
  const child = spawn('python3', ['-c', `${login(port)}M.select('INBOX')\nprint('selected', flush=True)\nsys.stdin.read()\n`], { stdio: ['pipe', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => d.toString().includes('selected') && resolve());
    child.once('exit', (code) => reject(new Error(`imaplib exited with ${code}`)));
  });
  return () => child.kill();
}

describe('files moved and removed by another program during the moves to cur/', () => {
  it('are found where they went, the removed ones dropped, and the lab still stops on SIGTERM', { timeout: 180_000 }, async () => {
    lab = await startLabProcess();
    const inbox = maildirPath(lab.dataDir, 'default', 'alice@example.com');
    for (let n = 0; n < COUNT; n++) {
      const body = `Message-ID: <moved.${n}@example.com>\nSubject: moved ${n}\n\nbody ${n}\n`;
      await writeFile(join(inbox, 'new', `1790000000.M${n}P1Q${n}.others,S=${body.length},W=${body.length + 4}`), body);
    }
    const release = await selectAndHold(lab.ports.imap!);
    // Behind the lab's back, from the moment the SELECT reply is in, a few at a time, so that
    // some land while the lab's own moves are under way (they start ~50 ms after the reply).
    let removed = 0;
    const files = readdirSync(join(inbox, 'new')).filter((f) => f.includes('.others'));
    for (const [i, f] of files.entries()) {
      if (i % 16 === 0) await new Promise((resolve) => setTimeout(resolve, 1));
      try {
        if (i % 11 === 5) {
          unlinkSync(join(inbox, 'new', f));
          removed++;
        } else if (i % 3 === 0) renameSync(join(inbox, 'new', f), join(inbox, 'cur', `${f}:2,S`));
      } catch {
        // The lab moved it first: then it knows where it is.
      }
    }
    release();

    // Every message left is read from its file, wherever it went; the removed ones are gone.
    const read = await python(
      `${login(lab.ports.imap!)}import re\nM.select('INBOX')\n` +
        `typ, data = M.uid('FETCH', '1:*', '(BODY.PEEK[HEADER.FIELDS (SUBJECT)])')\n` +
        `parts = [d for d in data if isinstance(d, tuple)]\n` +
        `subjects = [p[1].decode().strip() for p in parts if b'moved' in p[1]]\n` +
        `nil = sum(1 for d in data if isinstance(d, bytes) and b'NIL' in d)\n` +
        `print(len(subjects), nil)\n`,
    );
    expect(read.stderr).toBe('');
    expect(read.stdout.trim()).toBe(`${COUNT - removed} 0`);
    // The files the lab noticed all reach cur/.
    await expect.poll(() => readdirSync(join(inbox, 'new')).filter((f) => f.includes('.others')).length, { timeout: 30_000 }).toBe(0);

    const stopped = await Promise.race([lab.kill('SIGTERM').then(() => true), new Promise<false>((resolve) => setTimeout(resolve, 20_000, false))]);
    expect(stopped, 'the lab still running 20 s after SIGTERM').toBe(true);
  });
});
