/**
 * What the receiving servers found when they checked SPF, DKIM and DMARC: one JSON line per
 * received message, appended to <sandbox>/auth/reports.jsonl, which is rotated to .1 past
 * 1 MB, so the newest few hundred reports are kept. The message view reads them to show each
 * check step by step; graders read them to see what happened. One file appended in batches,
 * rather than a file per message, keeps a busy receiving server from creating and pruning
 * thousands of small files. The checks themselves are smtp/authCheck.ts; what they found is
 * described here, beside the file, so every reader can take it from below the SMTP server.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AppendLog } from '../files/appendLog.js';
import type { Text } from '../feedbackLine.js';
import type { Sandbox } from './sandbox.js';

/** Something that looked up a name: for the step-by-step view of SPF/DKIM/DMARC checks. */
export interface LookupTrace {
  name: string;
  type: string;
  /** NOERROR, NXDOMAIN, NODATA, SERVFAIL */
  status: string;
  /** The answers as zone-file text ("example.com. 3600 IN TXT ..."). */
  answers: string[];
}

export type Disposition = 'deliver' | 'quarantine' | 'reject';

export interface AuthStep {
  check: 'spf' | 'dkim' | 'dmarc';
  result: string;
  /** What the receiver looked up and what the lab DNS answered. */
  lookups: LookupTrace[];
  explain: Text[];
}

/** What the receiving server's checks found for one message. */
export interface AuthOutcome {
  /** "Authentication-Results: ...\r\n" to put on top of the message. */
  header: string;
  spf: string;
  dkim: string;
  dmarc: string;
  /** The DMARC policy that applies when DMARC failed: none, quarantine or reject. */
  policy?: string;
  disposition: Disposition;
  /** False when the policy was not applied (the client is the learner's own machine). */
  policyApplied: boolean;
  headerFrom?: string;
  steps: AuthStep[];
}

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
