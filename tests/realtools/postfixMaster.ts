/**
 * The Postfix master daemon of one judge run, stopped on every way out. It runs in a process
 * group of its own, so stopping the group stops every daemon it started. Three ways out are
 * covered: the run's own end (its finally block stops it, failure or not); a run past its
 * deadline (a conversation that never ends), stopped by a timer, which closes the judge's
 * sockets so the run reaches its finally block; and the death of this test process (a crash,
 * vitest ending a worker, SIGKILL), where no code of ours runs at all: a watchdog shell holds
 * a pipe from this process, and when the kernel closes it without a word, the watchdog stops
 * the group. (The kernel's parent-death signal does not do: master changes its effective ids,
 * which clears it.) A master was once left running after a test, detached, for good.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { Socket } from 'node:net';

const MASTER = '/usr/lib/postfix/sbin/master';

export class PostfixMaster {
  private readonly child: ChildProcess;
  private readonly exited: Promise<void>;
  private readonly deadline: NodeJS.Timeout;
  private readonly watchdog: ChildProcess | undefined;
  /** Why it could not start (no Postfix here), if it could not. */
  failed: Error | undefined;

  constructor(etc: string, deadlineMs: number) {
    this.child = spawn(MASTER, ['-c', etc, '-d'], { stdio: 'ignore', detached: true });
    this.child.once('error', (err) => (this.failed = err));
    this.exited = new Promise((resolve) => this.child.once('close', () => resolve()));
    if (this.child.pid) this.watchdog = watch(this.child.pid);
    // Once master has exited (and been reaped) its id may be reused: the watchdog must let go.
    this.child.once('exit', () => this.release());
    this.deadline = setTimeout(() => this.kill(), deadlineMs);
    // A test process waiting for nothing else may end: the watchdog then stops master.
    this.deadline.unref();
  }

  /** The master's process id, which is also its process group's. */
  get pid(): number | undefined {
    return this.child.pid;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null && !this.failed;
  }

  /** Waits until `port` takes connections; false if master ended or the time ran out first. */
  async waitForPort(port: number, ms: number): Promise<boolean> {
    const until = Date.now() + ms;
    while (Date.now() < until && this.running) {
      const open = await new Promise<boolean>((resolve) => {
        const s = new Socket();
        s.once('connect', () => {
          s.destroy();
          resolve(true);
        });
        s.once('error', () => resolve(false));
        s.connect(port, '127.0.0.1');
      });
      if (open) return true;
      await new Promise((r) => setTimeout(r, 100));
    }
    return false;
  }

  /** Stops master and every daemon of its group, and waits (a while) until master has exited. */
  async stop(): Promise<void> {
    clearTimeout(this.deadline);
    if (this.kill()) await Promise.race([this.exited, new Promise((r) => setTimeout(r, 5000))]);
    this.release();
  }

  /** Tells the watchdog its work is done, so that it exits without a signal. */
  private release(): void {
    if (this.watchdog?.stdin?.writable) this.watchdog.stdin.end('done\n');
  }

  /** SIGKILL to the whole group while master is ours (not yet reaped, so its id is not reused); false if it had ended. */
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
 * A shell that waits for a line from this process: "done" when master is stopped or ended; end of
 * input without it only when this process died, and then it kills master's group (master is
 * not reaped then, so the id is still its group's). In a group of its own, so a Ctrl-C to the
 * test run's group does not end it first.
 */
function watch(pgid: number): ChildProcess {
  const watchdog = spawn('sh', ['-c', 'read line; [ "$line" = done ] || kill -KILL "-$1"', 'watchdog', String(pgid)], { stdio: ['pipe', 'ignore', 'ignore'], detached: true });
  watchdog.stdin!.on('error', () => undefined);
  // Neither keeps this process alive: the watchdog is there for when it is gone.
  watchdog.unref();
  (watchdog.stdin as unknown as { unref(): void }).unref();
  return watchdog;
}
