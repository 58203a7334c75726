/**
 * Real clients nobody here wrote, run as child processes: Python's smtplib/poplib, curl and dig.
 */
import { execFile, spawn } from 'node:child_process';

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs a program and collects what it printed. The default limit is a minute: a `maillab`
 * command (Node and tsx starting) took 8-16 s of wall at load 30 on this 2-core machine, and
 * 20 s stopped one in a CI run; a program that hangs is still stopped.
 */
export function run(cmd: string, args: string[], input?: string, timeoutMs = 60_000): Promise<RunResult> {
  return new Promise((resolve) => {
    const child = execFile(cmd, args, { timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as NodeJS.ErrnoException & { code?: unknown }).code === 'number' ? ((err as unknown as { code: number }).code) : 1) : 0;
      // Stopped at its time limit, it printed nothing: say so, or the test fails on empty output.
      const killed = (err as { killed?: boolean } | null)?.killed ? `\n(${cmd} was stopped after ${timeoutMs} ms, its time limit here)` : '';
      resolve({ code, stdout: stdout.toString(), stderr: stderr.toString() + killed });
    });
    if (input !== undefined) child.stdin?.end(input);
  });
}

/** BIND's dig asking a lab's DNS server (one try, 2 s): its output; anything it says on stderr fails the test. */
export async function digLab(lab: { dnsPort: number }, ...args: string[]): Promise<string> {
  const r = await run('dig', ['@127.0.0.1', '-p', String(lab.dnsPort), '+time=2', '+tries=1', ...args]);
  if (r.stderr !== '') throw new Error(`dig ${args.join(' ')} said on stderr: ${r.stderr}`);
  return r.stdout;
}

/** Read by every Python script: values are passed as JSON in argv[1] to avoid quoting trouble. */
const PRELUDE = 'import json, sys\nP = json.loads(sys.argv[1])\n';

/** Runs a Python script; `params` are its `P`. */
export async function python(script: string, params: Record<string, unknown> = {}, timeoutMs?: number): Promise<RunResult> {
  return run('python3', ['-c', PRELUDE + script, JSON.stringify(params)], undefined, timeoutMs);
}

/** A Python script stopped at a point of its own choosing (pythonPaused). */
export interface PausedPython {
  /** The line the script printed when it got there. */
  first: string;
  /** Lets the script go on (a line on its stdin) and gives what it printed after `first`. */
  go(): Promise<RunResult>;
}

/**
 * Runs a Python script (params as in `python`) until it prints its first line, where it waits
 * for a line on stdin (`sys.stdin.readline()`): the test acts while the client is at a known
 * point, however long the machine took to get it there.
 */
export function pythonPaused(script: string, params: Record<string, unknown> = {}, timeoutMs = 60_000): Promise<PausedPython> {
  const child = spawn('python3', ['-c', PRELUDE + script, JSON.stringify(params)], { stdio: ['pipe', 'pipe', 'pipe'] });
  const killer = setTimeout(() => child.kill(), timeoutMs);
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8');
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (d: string) => (stderr += d));
  const exited = new Promise<number>((resolve) => child.once('close', (code) => resolve(code ?? 1)));
  void exited.then(() => clearTimeout(killer));
  return new Promise<PausedPython>((resolve, reject) => {
    let paused = false;
    child.stdout.on('data', (d: string) => {
      stdout += d;
      const end = stdout.indexOf('\n');
      if (paused || end < 0) return;
      paused = true;
      const first = stdout.slice(0, end);
      resolve({
        first,
        go: async () => {
          child.stdin.end('go\n');
          const code = await exited;
          return { code, stdout: stdout.slice(end + 1), stderr };
        },
      });
    });
    void exited.then((code) => reject(new Error(`python exited (${code}) before its first line: ${stderr}`)));
  });
}
