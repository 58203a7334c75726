/**
 * What the receiving servers found when they checked SPF, DKIM and DMARC: one JSON line per
 * received message, appended to <sandbox>/auth/reports.jsonl, which is rotated to .1 past
 * 1 MB, so the newest few hundred reports are kept. The message view reads them to show each
 * check step by step; graders read them to see what happened. One file appended in batches,
 * rather than a file per message, keeps a busy receiving server from creating and pruning
 * thousands of small files.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AppendLog } from '../files/appendLog.js';
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

const MAX_BYTES = 1024 * 1024;
const ID = /^[0-9A-F]{10}$/;

function reportsFile(sandbox: Sandbox): string {
  return join(sandbox.dir, 'auth', 'reports.jsonl');
}

const logs = new WeakMap<Sandbox, AppendLog>();

/** Saves one report; resolves once it is in the file, so a reader right after sees it. */
export function saveAuthReport(sandbox: Sandbox, report: AuthReport): Promise<void> {
  let log = logs.get(sandbox);
  if (!log) {
    const opened = (log = new AppendLog(reportsFile(sandbox), MAX_BYTES));
    logs.set(sandbox, opened);
    // A reset or deleted sandbox lost its reports directory: the next report starts a new file.
    const drop = (): void => {
      if (logs.get(sandbox) === opened) logs.delete(sandbox);
      void opened.close();
    };
    sandbox.events.once('reset', drop);
    sandbox.events.once('deleted', drop);
  }
  return log.append(JSON.stringify(report));
}

/** The reports of a sandbox, newest first. */
export async function listAuthReports(sandbox: Sandbox): Promise<AuthReport[]> {
  const file = reportsFile(sandbox);
  const reports: AuthReport[] = [];
  for (const path of [`${file}.1`, file]) {
    const text = await readFile(path, 'utf8').catch(() => '');
    for (const line of text.split('\n')) {
      if (!line) continue;
      try {
        reports.push(JSON.parse(line) as AuthReport);
      } catch {
        // the end of a line still being appended
      }
    }
  }
  return reports.sort((a, b) => b.receivedAt.localeCompare(a.receivedAt));
}

export async function readAuthReport(sandbox: Sandbox, id: string): Promise<AuthReport | undefined> {
  if (!ID.test(id)) return undefined;
  return (await listAuthReports(sandbox)).find((r) => r.id === id);
}
