/**
 * files/noAtimeOpen.ts opens message files with O_NOATIME, which Linux refuses (EPERM) on a file
 * another user owns: a message dropped in by root while the lab runs as a user must still be
 * read. Run as an unprivileged user (nobody) in a process of its own, on a file root owns; that
 * the atime is kept where the flag is allowed is tests/integration/maildir-atime.test.ts.
 */
import { execFile } from 'node:child_process';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';

const run = promisify(execFile);
const NOBODY = 65534;
const MODULE = new URL('../../lab-server/src/files/noAtimeOpen.ts', import.meta.url).pathname;

/** Opens the file twice each way (the first refusal turns the flag off; later opens must not fail either). */
const CHILD = `
import { closeSync, readSync } from 'node:fs';
const { openToRead, openToReadLater } = await import(process.argv[2]);
const bytes = Buffer.alloc(100);
for (let i = 0; i < 2; i++) {
  const fd = openToRead(process.argv[3]);
  process.stdout.write(bytes.toString('latin1', 0, readSync(fd, bytes, 0, 100, 0)));
  closeSync(fd);
}
for (let i = 0; i < 2; i++) {
  const handle = await openToReadLater(process.argv[3]);
  process.stdout.write(await handle.readFile('latin1'));
  await handle.close();
}
`;

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'maillab-quiet-open-'));
  await chmod(dir, 0o755);
  await writeFile(join(dir, 'child.mts'), CHILD);
  await writeFile(join(dir, 'message'), 'Subject: owned by root\n', { mode: 0o644 });
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

it('reads a message file another user owns, where O_NOATIME is refused', async () => {
  expect(process.getuid?.()).toBe(0);
  const { stdout } = await run(process.execPath, ['--import', 'tsx', join(dir, 'child.mts'), MODULE, join(dir, 'message')], {
    uid: NOBODY,
    gid: NOBODY,
    cwd: process.cwd(),
    env: { ...process.env, HOME: dir },
    timeout: 60_000,
  });
  expect(stdout).toBe('Subject: owned by root\n'.repeat(4));
});
