/**
 * A thread bundle esbuild cannot make (workers/bundledThread.ts): the lab goes on without the
 * thread, and says why, once (review 14 on 3421f3d: every error was swallowed, so nobody learned
 * why the first FETCH of a big new folder was slow again). Asked of the real esbuild.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { prepareChunkReader } from '../../lab-server/src/workers/chunkReader.js';

const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

describe('a thread bundle that cannot be made', () => {
  it('leaves the work to the caller and says why, once per process', { timeout: 120_000 }, async () => {
    const dir = await mkdtemp(join(tmpdir(), 'maillab-bundle-'));
    dirs.push(dir);
    const broken = join(dir, 'brokenThread.ts');
    await writeFile(broken, 'export const x = ;\n');
    const told: string[] = [];
    expect(await prepareChunkReader(pathToFileURL(broken), (reason) => told.push(reason))).toBe(false);
    expect(told).toHaveLength(1);
    expect(told[0]).toMatch(/^esbuild failed: .*brokenThread\.ts/);
    // Asked again (another listener of the same process): no second line.
    expect(await prepareChunkReader(pathToFileURL(broken), (reason) => told.push(reason))).toBe(false);
    expect(told).toHaveLength(1);

    const missing: string[] = [];
    expect(await prepareChunkReader(pathToFileURL(join(dir, 'noSuchThread.ts')), (reason) => missing.push(reason))).toBe(false);
    expect(missing[0]).toMatch(/^esbuild failed: .*noSuchThread\.ts/);
  });
});
