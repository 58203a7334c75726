/**
 * A daemon of a judge run (Postfix's master, a Dovecot), started in a process group of its own
 * and stopped with every process it started, at once. Three ways out are covered: the run's own
 * end (its finally block stops it, failure or not); a run past its deadline, stopped by a timer;
 * and the death of this test process (a crash, vitest ending a worker, SIGKILL), where no code
 * of ours runs at all: a watchdog shell holds a pipe from this process, and when the kernel
 * closes it without a word, the watchdog stops the group. (The kernel's parent-death signal
 * does not do: both masters change their effective ids, which clears it.)
 *
 * SIGKILL, not SIGTERM: the judge has asked all it wanted by then, and an orderly stop costs
 * Dovecot 2.3's master a fixed second (it sends its log process SIGQUIT, then sleeps 1 s) and,
 * about one time in three, 5 s more waiting for anvil (strace; dovecot-judge-stops.test.ts).
 */
import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';

export class DaemonGroup {
  readonly child: ChildProcess;
  private readonly exited: Promise<void>;
  private readonly deadline: NodeJS.Timeout | undefined;
  private readonly watchdog: ChildProcess | undefined;
  /** Why it could not start (the program is missing), if it could not. */
  failed: Error | undefined;

  constructor(command: string, args: string[], options: { stdio: StdioOptions; deadlineMs?: number }) {
    this.child = spawn(command, args, { stdio: options.stdio, detached: true });
    this.child.once('error', (err) => (this.failed = err));
    this.exited = new Promise((resolve) => this.child.once('close', () => resolve()));
    if (this.child.pid) this.watchdog = watch(this.child.pid);
    // Once the daemon has exited (and been reaped) its id may be reused: the watchdog must let go.
    this.child.once('exit', () => this.release());
    if (options.deadlineMs !== undefined) {
      this.deadline = setTimeout(() => this.kill(), options.deadlineMs);
      // A test process waiting for nothing else may end: the watchdog then stops the group.
      this.deadline.unref();
    }
  }

  /** The daemon's process id, which is also its process group's. */
  get pid(): number | undefined {
    return this.child.pid;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null && !this.failed;
  }

  /** Stops the daemon and every process of its group, and waits (a while) until the daemon has exited. */
  async stop(): Promise<void> {
    clearTimeout(this.deadline);
    if (this.kill()) await Promise.race([this.exited, new Promise((r) => setTimeout(r, 5000))]);
    this.release();
  }

  /** Tells the watchdog its work is done, so that it exits without a signal. */
  private release(): void {
    if (this.watchdog?.stdin?.writable) this.watchdog.stdin.end('done\n');
  }

  /** SIGKILL to the whole group while the daemon is ours (not yet reaped, so its id is not reused); false if it had ended. */
  private kill(): boolean {
    const pid = this.child.pid;
    if (!pid || !this.running) return false;
    try {
      process.kill(-pid, 'SIGKILL');
    } catch (err) {
      // Ended between the check and the signal: nothing left to stop.
      if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
    }
    return true;
  }
}

/**
 * A shell that waits for a line from this process: "done" when the daemon is stopped or ended; end
 * of input without it only when this process died, and then it kills the daemon's group (the
 * daemon is not reaped then, so the id is still its group's). In a group of its own, so a Ctrl-C
 * to the test run's group does not end it first.
 */
function watch(pgid: number): ChildProcess {
  const watchdog = spawn('sh', ['-c', 'read line; [ "$line" = done ] || kill -KILL "-$1"', 'watchdog', String(pgid)], { stdio: ['pipe', 'ignore', 'ignore'], detached: true });
  watchdog.stdin!.on('error', () => undefined);
  // Neither keeps this process alive: the watchdog is there for when it is gone.
  watchdog.unref();
  (watchdog.stdin as unknown as { unref(): void }).unref();
  return watchdog;
}
