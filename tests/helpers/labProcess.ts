/**
 * A lab server in its own process, as a user runs it (`maillab serve`), on free ports: for
 * benchmarks (the client load stays outside the server's event loop) and for tests that kill
 * it (kill -9) and start it again on the same data.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface LabProcess {
  child: ChildProcess;
  ports: Record<string, number>;
  httpPort: number;
  dataDir: string;
  /** The end of what the lab wrote to stderr: its log. */
  log(): string;
  /** The first log line holding `text`, as soon as it comes; throws with the log's end when none came within `timeoutMs`. */
  logLine(text: string, timeoutMs?: number): Promise<string>;
  rssMb(): Promise<number>;
  /** Stops the process (its data dir stays). */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** Stops it and removes its data dir. */
  stop(): Promise<void>;
}

/**
 * Starts a lab; with `dataDir`, on that data (a restart), else on a fresh one. With `wrapper`,
 * that command runs the lab: node and its arguments follow it (unshare, for a mount namespace).
 */
export async function startLabProcess(extraFlags: string[] = [], dataDir?: string, wrapper: string[] = []): Promise<LabProcess> {
  dataDir ??= await mkdtemp(join(tmpdir(), 'maillab-bench-'));
  const portFlags = ['smtp', 'submission', 'submissions', 'pop3', 'pop3s', 'imap', 'imaps', 'smtp-otherdomain', 'dns'].flatMap((s) => [`--${s}-port`, '0']);
  const argv = [process.execPath, ...(process.env.BENCH_NODE_ARGS?.split(' ').filter(Boolean) ?? []), 'bin/maillab.mjs', 'serve', '--data', dataDir, '--http-port', '0', ...portFlags, ...extraFlags];
  const [command, ...args] = [...wrapper, ...argv];
  // The lab's log, and a wrapper's own complaints (unshare refused, a mount failed), come on stderr.
  const child = spawn(command!, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let errors = '';
  child.stderr!.on('data', (d: Buffer) => (errors = (errors + d.toString()).slice(-64_000)));
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('Press Ctrl+C')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`lab exited with ${code}: ${out}${errors.slice(-4000)}`)));
  });
  const kill = async (signal: NodeJS.Signals = 'SIGTERM'): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill(signal);
    await new Promise((r) => child.once('exit', r));
  };
  const ports: Record<string, number> = {};
  for (const m of out.matchAll(/^([\w-]+)\s+\d+\s+(\d+)\s/gm)) ports[m[1]!] = Number(m[2]);
  const httpPort = Number(/http:\/\/[^:]+:(\d+)\//.exec(out)?.[1]);
  return {
    child,
    ports,
    httpPort,
    dataDir,
    log: () => errors,
    logLine(text, timeoutMs = 30_000) {
      const find = (): string | undefined => errors.split('\n').find((line) => line.includes(text));
      return new Promise<string>((resolve, reject) => {
        const look = (): void => {
          const line = find();
          if (line === undefined) return;
          done();
          resolve(line);
        };
        const fail = (why: string) => (): void => {
          done();
          reject(new Error(`no log line with ${JSON.stringify(text)}: ${why}. The log ends:\n${errors.slice(-2000)}`));
        };
        const timedOut = fail(`none within ${timeoutMs} ms`);
        const exited = fail('the lab exited');
        const timer = setTimeout(timedOut, timeoutMs);
        const done = (): void => {
          clearTimeout(timer);
          child.stderr!.off('data', look);
          child.off('exit', exited);
        };
        // Its own listener runs after the one above has added the new bytes.
        child.stderr!.on('data', look);
        child.once('exit', exited);
        look();
      });
    },
    async rssMb() {
      const status = await readFile(`/proc/${child.pid}/status`, 'utf8');
      return Math.round(Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 102.4) / 10;
    },
    kill,
    async stop() {
      await kill();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
