/**
 * Real clients nobody here wrote, run as child processes: Python's smtplib/poplib and curl.
 */
import { execFile } from 'node:child_process';

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function run(cmd: string, args: string[], input?: string, timeoutMs = 20_000): Promise<RunResult> {
  return new Promise((resolve) => {
    const child = execFile(cmd, args, { timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as NodeJS.ErrnoException & { code?: unknown }).code === 'number' ? ((err as unknown as { code: number }).code) : 1) : 0;
      resolve({ code, stdout: stdout.toString(), stderr: stderr.toString() });
    });
    if (input !== undefined) child.stdin?.end(input);
  });
}

/** Runs a Python script; values are passed as JSON in argv[1] to avoid quoting trouble. */
export async function python(script: string, params: Record<string, unknown> = {}, timeoutMs?: number): Promise<RunResult> {
  const prelude = 'import json, sys\nP = json.loads(sys.argv[1])\n';
  return run('python3', ['-c', prelude + script, JSON.stringify(params)], undefined, timeoutMs);
}
