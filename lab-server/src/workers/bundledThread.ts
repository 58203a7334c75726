/**
 * A thread's TypeScript entry made into one plain JavaScript script with esbuild, once per
 * process, so a thread can run the lab's own TypeScript code without the TypeScript loader: a
 * thread loading its modules through tsx takes ~400 ms to start, a bundled one a few tens. The
 * entry and what it imports stay the one source of truth; nothing generated is kept on disk.
 */
import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const bundles = new Map<string, Promise<string | undefined>>();
/** Why an entry's bundle could not be made, by entry: for the one log line that says so. */
const failures = new Map<string, string>();

/**
 * The entry's bundle (CommonJS, for a Worker with `eval: true`), started now if not yet:
 * undefined when it cannot be made (esbuild missing or failing), and the caller does without.
 */
export function bundleThread(entry: URL): Promise<string | undefined> {
  let bundle = bundles.get(entry.href);
  if (!bundle) {
    bundle = build(fileURLToPath(entry), (reason) => failures.set(entry.href, reason));
    bundles.set(entry.href, bundle);
  }
  return bundle;
}

/** Why the entry's bundle could not be made (after bundleThread() resolved undefined). */
export function bundleFailure(entry: URL): string | undefined {
  return failures.get(entry.href);
}

/**
 * esbuild's own program, run as a command: its JavaScript API would cost the event loop 60-90 ms
 * of CPU to load and talk to (measured), right when a restarted lab's clients come back.
 */
function build(path: string, failed: (reason: string) => void): Promise<string | undefined> {
  return new Promise((resolve) => {
    const fail = (reason: string): void => {
      failed(reason);
      resolve(undefined);
    };
    let program: string;
    try {
      program = createRequire(import.meta.url).resolve('esbuild/bin/esbuild');
    } catch (err) {
      fail(`esbuild is not installed (${(err as Error).message.split('\n')[0]})`);
      return;
    }
    const args = [path, '--bundle', '--format=cjs', '--platform=node', '--target=node20', '--log-level=error'];
    execFile(program, args, { maxBuffer: 16 * 1024 * 1024, timeout: 60_000 }, (err, stdout, stderr) => {
      // A binary that cannot run here (built for another platform, a noexec mount), a timeout, a compile error.
      if (err) fail(`esbuild failed: ${(stderr.trim() || err.message).split('\n').slice(0, 3).join(' ')}`);
      else if (stdout.length === 0) fail('esbuild made an empty bundle');
      else resolve(stdout);
    });
  });
}
