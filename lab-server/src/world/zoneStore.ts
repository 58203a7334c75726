/**
 * Where a sandbox keeps its zones: one zone file per zone, <sandbox>/zones/<zone>.zone, in
 * BIND's master-file syntax. Learners' edits replace a file whole (write, fsync, rename), so
 * the DNS server never reads half a zone.
 */
import { readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../files/atomicWrite.js';
import { makeDirsBelow } from '../files/dirsBelow.js';
import type { Sandbox } from './sandbox.js';

const ZONE_NAME = /^(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)+$/;

/** "Example.COM." -> "example.com"; undefined when it cannot be a zone name. */
export function zoneName(name: string): string | undefined {
  const lower = name.trim().toLowerCase().replace(/\.$/, '');
  return ZONE_NAME.test(lower) ? lower : undefined;
}

function zonesDir(sandbox: Sandbox): string {
  return join(sandbox.dir, 'zones');
}

/** The zones of a sandbox, sorted. */
export async function zoneNames(sandbox: Sandbox): Promise<string[]> {
  try {
    const files = await readdir(zonesDir(sandbox));
    return files
      .filter((f) => f.endsWith('.zone'))
      .map((f) => f.slice(0, -'.zone'.length))
      .filter((n) => zoneName(n) === n)
      .sort();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
}

/** A zone's text, or undefined when the sandbox has no such zone. */
export async function readZoneText(sandbox: Sandbox, name: string): Promise<string | undefined> {
  const zone = zoneName(name);
  if (!zone) return undefined;
  try {
    return await readFile(join(zonesDir(sandbox), `${zone}.zone`), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/** Replaces a zone's text atomically. */
export async function writeZoneText(sandbox: Sandbox, name: string, text: string): Promise<void> {
  const zone = zoneName(name);
  if (!zone) throw new Error(`Invalid zone name "${name}"`);
  await makeDirsBelow(sandbox.dir, zonesDir(sandbox));
  await writeFileAtomic(join(zonesDir(sandbox), `${zone}.zone`), text);
}

/** Removes a zone's file (nothing happens when there is none). */
export async function removeZoneFile(sandbox: Sandbox, name: string): Promise<void> {
  const zone = zoneName(name);
  if (!zone) throw new Error(`Invalid zone name "${name}"`);
  await rm(join(zonesDir(sandbox), `${zone}.zone`), { force: true });
}
