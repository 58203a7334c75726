/**
 * pyspf and dkimpy (Debian's python3-spf and python3-dkim), and RFC 7489's DMARC grammar, run
 * by tests/realtools/mailauth_judge.py on records BIND compiled. All answers of a test run go
 * to one Python process: starting it is the slow part.
 */
import { fileURLToPath } from 'node:url';
import { runTool, SYSTEM_PYTHON } from './process.js';

export type MailauthTask =
  | { kind: 'spf'; domain: string; ip: string }
  | { kind: 'dkim'; domain: string; selector: string; privateKey: string }
  | { kind: 'dkim'; message: string }
  | { kind: 'dmarc'; domain: string };

export interface MailauthResult {
  ok?: boolean;
  result?: string;
  why?: string;
  explanation?: string;
  tags?: Record<string, string>;
}

const SCRIPT = fileURLToPath(new URL('./mailauth_judge.py', import.meta.url));

export async function askMailauth(jobs: Array<{ records: string[]; tasks: MailauthTask[] }>): Promise<MailauthResult[][]> {
  if (jobs.length === 0) return [];
  const out = await runTool(SYSTEM_PYTHON, [SCRIPT], { input: JSON.stringify({ jobs }), timeoutMs: 120_000 });
  if (out.code !== 0) throw new Error(`mailauth_judge.py failed (${out.code}): ${out.stderr}`);
  return JSON.parse(out.stdout) as MailauthResult[][];
}
