/**
 * Where a sandbox keeps its mail servers' logs — <sandbox>/log/<host>.log, rotated to .1 — and
 * how the last lines are read back. The lab MTAs write them (mta/mailLog.ts); the world page
 * and the graders read them.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Sandbox } from './sandbox.js';

/** Where a sandbox keeps the log of one of its mail servers. */
export function mtaLogFile(sandbox: Sandbox, host: string): string {
  return join(sandbox.dir, 'log', `${host}.log`);
}

/** The last `count` lines of a mail server's log, oldest first (also for graders). */
export async function readMtaLog(sandbox: Sandbox, host: string, count = 1000): Promise<string[]> {
  return readMtaLogFile(mtaLogFile(sandbox, host), count);
}

/** The last `count` lines of a log file and the one rotated before it, oldest first. */
export async function readMtaLogFile(file: string, count: number): Promise<string[]> {
  const read = async (path: string): Promise<string[]> => {
    try {
      return (await readFile(path, 'utf8')).split('\n').filter((l) => l !== '');
    } catch {
      return [];
    }
  };
  let lines = await read(file);
  if (lines.length < count) lines = [...(await read(`${file}.1`)), ...lines];
  return lines.slice(-count);
}
