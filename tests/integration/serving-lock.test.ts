/**
 * One serving lab per data directory: a second `maillab serve`, or a `maillab reset`, on the
 * directory of a running lab is refused in both languages and touches nothing; a lab killed
 * with SIGKILL (its maillab.pid left behind), or a PID file naming some other program, does
 * not keep the directory from the next lab; a clean stop frees it.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { run } from '../helpers/clients.js';
import { startLabProcess, type LabProcess } from '../helpers/labProcess.js';

const ports = ['smtp', 'submission', 'submissions', 'pop3', 'pop3s', 'imap', 'imaps', 'smtp-otherdomain', 'dns'].flatMap((s) => [`--${s}-port`, '0']);
/** Each test starts up to three lab processes: room for a machine busy with other work. */
const LAB_STARTS_MS = 120_000;
const maillab = (...args: string[]) => run(process.execPath, ['bin/maillab.mjs', ...args], undefined, 60_000);

describe('the data directory of a running lab', () => {
  const labs: LabProcess[] = [];
  afterEach(async () => {
    for (const lab of labs.splice(0).reverse()) await lab.stop();
  });

  it('is refused to a second serve and to reset, which leave the mail as it is', async () => {
    const lab = await startLabProcess();
    labs.push(lab);
    const lock = join(lab.dataDir, 'maillab.pid');
    expect(await readFile(lock, 'latin1')).toBe(`${lab.child.pid}\n`);
    // A message only this lab's world has: a reset would put the seeded mailbox back.
    const inbox = join(lab.dataDir, 'sandboxes', 'default', 'vhosts', 'example.com', 'alice', 'new');
    await writeFile(join(inbox, '1700000000.M1P1.learner'), 'From: a@example.com\nSubject: kept\n\nkept\n');
    const before = (await readdir(inbox)).sort();

    const second = await maillab('serve', '--data', lab.dataDir, '--http-port', '0', ...ports);
    expect(second.code).toBe(2);
    expect(second.stderr).toContain(`Another MailLab (PID ${lab.child.pid}) is already using ${lab.dataDir}`);
    expect(second.stderr).toContain(`另一个 MailLab（PID ${lab.child.pid}）正在使用数据目录`);

    const reset = await maillab('reset', '--data', lab.dataDir);
    expect(reset.code).toBe(2);
    expect(reset.stderr).toContain(`A MailLab (PID ${lab.child.pid}) is serving ${lab.dataDir}`);
    expect(reset.stderr).toContain('请先停止它');
    expect((await readdir(inbox)).sort()).toEqual(before);
    // The running lab still holds the directory.
    expect(await readFile(lock, 'latin1')).toBe(`${lab.child.pid}\n`);
  }, LAB_STARTS_MS);

  it('is free again after a SIGKILL, and after a clean stop, and a PID of another program holds nothing', async () => {
    const first = await startLabProcess();
    const dataDir = first.dataDir;
    await first.kill('SIGKILL');
    const lock = join(dataDir, 'maillab.pid');
    expect(existsSync(lock)).toBe(true);

    // The stale file names a PID that no longer runs: the next lab takes over.
    const second = await startLabProcess([], dataDir);
    labs.push(second);
    expect(await readFile(lock, 'latin1')).toBe(`${second.child.pid}\n`);
    await second.kill('SIGTERM');
    expect(existsSync(lock)).toBe(false);
    expect((await maillab('reset', '--data', dataDir)).code).toBe(0);
    expect(existsSync(lock)).toBe(false);

    // A live PID that is not a lab (a sleep) does not hold the directory either.
    const sleeper = spawn('sleep', ['30'], { stdio: 'ignore' });
    try {
      await writeFile(lock, `${sleeper.pid}\n`);
      const third = await startLabProcess([], dataDir);
      labs.push(third);
      expect(await readFile(lock, 'latin1')).toBe(`${third.child.pid}\n`);
    } finally {
      sleeper.kill();
    }
  }, LAB_STARTS_MS);
});
