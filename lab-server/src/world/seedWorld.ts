/**
 * The parts of a sandbox beyond its Maildirs, put in place when it is created and put back
 * when it is reset: DKIM keys (made once, kept across resets), the seeded zones, an empty mail
 * queue, both mail servers running, and no history (logs, SPF/DKIM/DMARC reports).
 */
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { ensureDkimKeys } from './dkimKeys.js';
import type { Sandbox } from './sandbox.js';
import { seedZones } from './seedZones.js';

/** Files of the mail world that a reset empties: the queue, which MTAs are stopped, armed faults, the history. */
export const WORLD_STATE = ['queue', 'mta-state.json', 'faults.json', 'log', 'auth'];

export async function seedWorld(sandbox: Sandbox): Promise<void> {
  await ensureDkimKeys(sandbox);
  await seedZones(sandbox);
  for (const name of WORLD_STATE) await rm(join(sandbox.dir, name), { recursive: true, force: true });
}
