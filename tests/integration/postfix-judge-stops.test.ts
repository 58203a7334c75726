/**
 * The real Postfix a judge starts (tests/realtools/postfix.ts) is stopped on every way out:
 * when the judge's conversation throws, when the run passes its deadline with a conversation
 * still waiting, and when the test process itself is killed (SIGKILL: no code of ours runs).
 * A master was once left running after a test. Each case finds the master by its instance
 * directory and then watches its whole process group, daemons included, until it is empty.
 */
import { spawn } from 'node:child_process';
import { readdir, readFile, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { describe, expect, it } from 'vitest';
import { runPostfix } from '../realtools/postfix.js';

/** The live (not zombie) processes of process group `pgid`, read from /proc. */
async function groupMembers(pgid: number): Promise<number[]> {
  const members: number[] = [];
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const stat = await readFile(`/proc/${name}/stat`, 'utf8').catch(() => '');
    // "pid (comm) state ppid pgrp ...": comm may hold spaces and parentheses.
    const [state, , pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(pgrp) === pgid && state !== 'Z') members.push(Number(name));
  }
  return members;
}

/** The pid of the master daemon started on the instance in `dir` (its command line names dir/etc). */
async function masterOf(dir: string): Promise<number> {
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const args = (await readFile(`/proc/${name}/cmdline`, 'utf8').catch(() => '')).split('\0');
    if (args.some((a) => a.endsWith('/master')) && args.includes(join(dir, 'etc'))) return Number(name);
  }
  throw new Error(`no Postfix master for ${dir}`);
}

/** Records the instance directory; stops nothing of its own. */
const noteDir = (seen: { dir?: string }) => async (dir: string): Promise<() => Promise<void>> => {
  seen.dir = dir;
  return async () => undefined;
};

const gone = (pgid: number): Promise<void> => expect.poll(() => groupMembers(pgid), { timeout: 20_000, interval: 100 }).toEqual([]);

/**
 * Waits until master has started a daemon (qmgr, pickup) besides itself. Its port takes
 * connections first: at load 37 master was once still alone in its group then.
 */
const daemonsUp = (pgid: number): Promise<void> => expect.poll(async () => (await groupMembers(pgid)).length, { timeout: 20_000, interval: 100 }).toBeGreaterThan(1);

describe('the judge\'s Postfix', () => {
  it('is stopped, daemons and all, when the judge\'s conversation throws', { timeout: 60_000 }, async () => {
    const seen: { dir?: string; master?: number } = {};
    const run = runPostfix({
      mainCf: '',
      around: noteDir(seen),
      custom: async () => {
        seen.master = await masterOf(seen.dir!);
        // master and at least one daemon it started (qmgr, pickup) are running.
        await daemonsUp(seen.master);
        throw new Error('the judge failed mid-conversation');
      },
    });
    await expect(run).rejects.toThrow('the judge failed mid-conversation');
    await gone(seen.master!);
  });

  it('is stopped at the run\'s deadline while a conversation still waits, and the run then ends', { timeout: 60_000 }, async () => {
    const seen: { dir?: string; master?: number } = {};
    const run = await runPostfix({
      mainCf: '',
      deadlineMs: 3000,
      around: noteDir(seen),
      custom: async () => {
        seen.master = await masterOf(seen.dir!);
        // A conversation that waits for Postfix for ever: only the deadline ends it.
        await gone(seen.master);
        return ['stopped'];
      },
    });
    expect(run.custom).toEqual(['stopped']);
  });

  it('is stopped when the test process running it is killed', { timeout: 60_000 }, async () => {
    const postfix = resolve(import.meta.dirname, '../realtools/postfix.ts');
    const script = `
import { runPostfix } from ${JSON.stringify(postfix)};
setInterval(() => undefined, 1000);
await runPostfix({
  mainCf: '',
  around: async (dir) => { console.log('dir ' + dir); return async () => undefined; },
  custom: async () => { console.log('ready'); await new Promise(() => undefined); return []; },
});`;
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    let dir = '';
    let master = 0;
    try {
      for await (const line of createInterface({ input: child.stdout! })) {
        if (line.startsWith('dir ')) dir = line.slice(4);
        if (line === 'ready') break;
      }
      master = await masterOf(dir);
      await daemonsUp(master);
      child.kill('SIGKILL');
      await gone(master);
    } finally {
      child.kill('SIGKILL');
      // Whatever this test started and the fix failed to stop, stopped here by its own pid.
      if (master && (await groupMembers(master)).length > 0) process.kill(-master, 'SIGKILL');
      if (dir) await rm(dir, { recursive: true, force: true });
    }
  });
});
