/**
 * Which of a sandbox's mail servers the learner stopped on the world page, kept in
 * <sandbox>/mta-state.json so a restart keeps them stopped (a reset starts them again). The
 * mail world writes it; the world page and the graders read it.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Sandbox } from './sandbox.js';

const stateFile = (sandbox: Sandbox): string => join(sandbox.dir, 'mta-state.json');

/** The domains whose mail servers the learner stopped. */
export async function stoppedMtas(sandbox: Sandbox): Promise<string[]> {
  try {
    return (JSON.parse(await readFile(stateFile(sandbox), 'utf8')) as { stopped?: string[] }).stopped ?? [];
  } catch {
    return [];
  }
}

/** Remembers the stopped domains, unless the world `generation` names was reset since (see Sandbox.writeState). */
export async function saveStoppedMtas(sandbox: Sandbox, generation: number, stopped: string[]): Promise<void> {
  const state = JSON.stringify({ stopped }) + '\n';
  await sandbox.writeState(generation, () => writeFile(stateFile(sandbox), state));
}
