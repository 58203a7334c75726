/**
 * What the receiving servers found when they checked SPF, DKIM and DMARC, one JSON file per
 * received message in <sandbox>/auth/<queue id>.json, about the newest 200 kept. The message view
 * reads them to show each check step by step; graders read them to see what happened.
 */
import { mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Sandbox } from '../world/sandbox.js';
import type { AuthOutcome } from './authCheck.js';

export interface AuthReport extends Omit<AuthOutcome, 'header'> {
  id: string;
  receivedAt: string;
  /** The receiving server. */
  host: string;
  client: { address: string; hostname: string; helo: string; labServer: boolean };
  envelopeFrom: string;
  recipients: string[];
  subject?: string;
  messageId?: string;
  /** Where it went: a folder, or "rejected" (550). */
  outcome: 'INBOX' | 'Junk' | 'rejected';
  header: string;
}

const KEEP = 200;
const ID = /^[0-9A-F]{10}$/;

function dir(sandbox: Sandbox): string {
  return join(sandbox.dir, 'auth');
}

/** Saves since the last pruning, per sandbox directory: the directory is pruned every PRUNE_EVERY saves. */
const savesSincePrune = new Map<string, number>();
const PRUNE_EVERY = 50;

export async function saveAuthReport(sandbox: Sandbox, report: AuthReport): Promise<void> {
  const file = join(dir(sandbox), `${report.id}.json`);
  const data = JSON.stringify(report, null, 1) + '\n';
  await writeFile(file, data).catch(async (err: NodeJS.ErrnoException) => {
    if (err.code !== 'ENOENT') throw err;
    await mkdir(dir(sandbox), { recursive: true });
    await writeFile(file, data);
  });
  const saves = (savesSincePrune.get(sandbox.dir) ?? 0) + 1;
  savesSincePrune.set(sandbox.dir, saves % PRUNE_EVERY);
  if (saves >= PRUNE_EVERY) await prune(sandbox);
}

/** Keeps the newest KEEP reports (by file time: a report is written once). */
async function prune(sandbox: Sandbox): Promise<void> {
  const files = (await readdir(dir(sandbox))).filter((f) => f.endsWith('.json'));
  if (files.length <= KEEP) return;
  const dated = await Promise.all(files.map(async (f) => ({ f, at: (await stat(join(dir(sandbox), f)).catch(() => undefined))?.mtimeMs ?? 0 })));
  dated.sort((a, b) => a.at - b.at);
  for (const { f } of dated.slice(0, files.length - KEEP)) await rm(join(dir(sandbox), f), { force: true });
}

/** The reports of a sandbox, newest first. */
export async function listAuthReports(sandbox: Sandbox): Promise<AuthReport[]> {
  let files: string[];
  try {
    files = (await readdir(dir(sandbox))).filter((f) => ID.test(f.replace(/\.json$/, '')));
  } catch {
    return [];
  }
  const reports: AuthReport[] = [];
  for (const f of files) {
    try {
      reports.push(JSON.parse(await readFile(join(dir(sandbox), f), 'utf8')) as AuthReport);
    } catch {
      // skip a file being written
    }
  }
  return reports.sort((a, b) => b.receivedAt.localeCompare(a.receivedAt));
}

export async function readAuthReport(sandbox: Sandbox, id: string): Promise<AuthReport | undefined> {
  if (!ID.test(id)) return undefined;
  try {
    return JSON.parse(await readFile(join(dir(sandbox), `${id}.json`), 'utf8')) as AuthReport;
  } catch {
    return undefined;
  }
}
