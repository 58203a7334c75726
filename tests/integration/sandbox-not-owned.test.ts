/**
 * A sandbox directory the lab's user does not own (an admin-made mount point, root:maillab 0775,
 * written through the group): chmod is the owner's alone (EPERM), so the lab cannot make it
 * private. Once creating into it threw, and a start with it in the data dir stopped; now the lab
 * says so in one log line naming the directory and its mode, and goes on. The lab runs as
 * nobody (setpriv) on a data dir nobody owns; the directory (and the TLS key's) is root's, group
 * nobody, 0775.
 */
import { chown, chmod, mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startLabProcess, type LabProcess } from '../helpers/labProcess.js';

const NOBODY = 65534;
const AS_NOBODY = ['setpriv', `--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups'];

let dataDir: string | undefined;
let lab: LabProcess | undefined;

afterAll(async () => {
  await lab?.kill();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

describe('a sandbox directory another user owns', () => {
  it('is seeded and opened, its mode left as it is and said in the log', { timeout: 180_000 }, async () => {
    const parent = await mkdtemp(join(tmpdir(), 'maillab-not-owned-'));
    await chmod(parent, 0o755);
    dataDir = join(parent, 'data');
    const sandbox = join(dataDir, 'sandboxes', 'default');
    await mkdir(sandbox, { recursive: true });
    for (const d of [dataDir, join(dataDir, 'sandboxes')]) await chown(d, NOBODY, NOBODY);
    await chown(sandbox, 0, NOBODY);
    await chmod(sandbox, 0o775);
    // The TLS key's folder too, made the same way: the lab writes its key there, and says so.
    const tls = join(dataDir, 'tls');
    await mkdir(tls);
    await chown(tls, 0, NOBODY);
    await chmod(tls, 0o775);

    lab = await startLabProcess([], dataDir, AS_NOBODY);
    const line = await lab.logLine(`${sandbox} `);
    expect(line).toMatch(/belongs to another user.*0775/);
    expect((await stat(join(sandbox, 'world.json'))).uid).toBe(NOBODY);
    expect((await stat(sandbox)).mode & 0o777).toBe(0o775);
    expect(await lab.logLine(`${tls} `)).toMatch(/belongs to another user.*0775/);
    await lab.kill();

    // A start with it among the sandboxes mends the others' modes and leaves this one, saying so.
    lab = await startLabProcess([], dataDir, AS_NOBODY);
    expect(await lab.logLine(`${sandbox} `)).toMatch(/belongs to another user/);
    const zones = await fetch(`http://127.0.0.1:${lab.httpPort}/api/zones/example.com`);
    expect(zones.status).toBe(200);
  });
});
