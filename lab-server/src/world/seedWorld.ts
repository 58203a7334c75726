/**
 * The parts of a sandbox beyond its Maildirs, put in place when it is created and put back
 * when it is reset: the seeded zones, an empty mail queue, both mail servers running, and no
 * history (logs, SPF/DKIM/DMARC reports). A new sandbox has no zones and no DKIM keys yet: they
 * are made when first needed (zonesInPlace, dkimKey); the keys, once made, are kept across resets.
 */
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Sandbox } from './sandbox.js';
import { seedZones } from './seedZones.js';
import { zoneNames } from './zoneStore.js';

/** Files of the mail world that a reset empties: the queue, which MTAs are stopped, armed faults, the history. */
export const WORLD_STATE = ['queue', 'mta-state.json', 'faults.json', 'log', 'auth'];

export async function seedWorld(sandbox: Sandbox): Promise<void> {
  // Zones already made are put back as seeded (over the learner's edits); none made, none yet.
  if ((await zoneNames(sandbox)).length > 0) await seedZones(sandbox);
  for (const name of WORLD_STATE) await rm(join(sandbox.dir, name), { recursive: true, force: true });
}
