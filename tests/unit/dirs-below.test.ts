/**
 * makeDirsBelow makes the levels below a tree's top, never the top: a sandbox removed while a
 * session still wrote into it came back as a half tree when its writers used mkdir -p.
 */
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { makeDirsBelow } from '../../lab-server/src/files/dirsBelow.js';

let dir: string;
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

it('makes every missing level below the top, and is quiet when they are there', async () => {
  dir = await mkdtemp(join(tmpdir(), 'dirs-below-'));
  const leaf = join(dir, 'sandbox', 'vhosts', 'example.com', 'alice', 'cur');
  await makeDirsBelow(dir, leaf);
  expect((await stat(leaf)).isDirectory()).toBe(true);
  await makeDirsBelow(dir, leaf);
  await makeDirsBelow(join(dir, 'sandbox'), join(dir, 'sandbox', 'dkim'), 0o700);
  expect((await stat(join(dir, 'sandbox', 'dkim'))).mode & 0o777).toBe(0o700);
});

it('fails with ENOENT when the top is gone, and does not make it again', async () => {
  dir = await mkdtemp(join(tmpdir(), 'dirs-below-'));
  const top = join(dir, 'sandbox');
  await expect(makeDirsBelow(top, join(top, 'vhosts', 'example.com', 'alice', 'cur'))).rejects.toMatchObject({ code: 'ENOENT' });
  await expect(makeDirsBelow(top, join(top, 'log'))).rejects.toMatchObject({ code: 'ENOENT' });
  expect(await readdir(dir)).toEqual([]);
  await expect(makeDirsBelow(top, dir)).rejects.toThrow(/is not below/);
});
