/**
 * The mail log of one judge run, read while the run talks to Postfix, for one fact: a service's
 * daemon stopped (a fatal error) before it took any connection. Such a daemon takes none: a
 * client waiting for that service's greeting waits for nothing, and its wait may end then rather
 * than at its time limit (15 s each, most of what the judges' runs took). Which service a dying
 * daemon serves is in its command line ("smtpd -n submission -t inet ..."), which master wrote:
 * the log names only the program, and several services may run smtpd. A daemon lives about a
 * second after its fatal line, so the log is read often; one missed leaves the time limit.
 */
import { readFile } from 'node:fs/promises';

export class PostfixLog {
  private lines: string[] = [];
  /** Services (master.cf names) whose daemon stopped before it took a connection, by the log line's index. */
  private readonly failed = new Map<number, string>();
  private readonly waiting = new Set<() => void>();
  private timer: NodeJS.Timeout | undefined;
  private reading: Promise<void> | undefined;
  private stopped = false;

  constructor(private readonly file: string) {}

  /** Reads the log again, and where each new fatal line's daemon belongs. */
  private read(): Promise<void> {
    this.reading ??= (async () => {
      const text = await readFile(this.file, 'utf8').catch(() => '');
      const from = this.lines.length;
      this.lines = text.split('\n').filter((l) => l);
      for (let i = from; i < this.lines.length; i++) {
        const pid = /postfix\/\S+\[(\d+)\]: fatal: /.exec(this.lines[i]!)?.[1];
        if (!pid || this.lines.some((l) => l.includes(`[${pid}]: connect from `))) continue;
        const argv = (await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '')).split('\0');
        const name = argv[argv.indexOf('-n') + 1];
        if (argv.includes('-n') && name) this.failed.set(i, name.replace(/^.*:/, ''));
      }
      for (const check of this.waiting) check();
    })().finally(() => (this.reading = undefined));
    return this.reading;
  }

  /**
   * Resolves when, after this call, a daemon of `service` (its master.cf name, without an
   * address) logs a fatal error without having taken a connection; never otherwise. Only a
   * wait for a greeting may end on it: a daemon that greeted is running.
   */
  async stoppedAtStart(service: string): Promise<void> {
    // A read begun before this call may miss lines written since: read once more.
    await this.read();
    await this.read();
    const since = this.lines.length;
    // The run may have ended meanwhile (its conversation was answered): no reads after stop().
    if (this.stopped) return new Promise(() => undefined);
    await new Promise<void>((resolve) => {
      const check = (): void => {
        if (![...this.failed].some(([i, s]) => i >= since && s === service)) return;
        this.waiting.delete(check);
        resolve();
      };
      this.waiting.add(check);
      this.timer ??= setInterval(() => void this.read(), 150);
      // Nor may a forgotten one keep the test process alive.
      this.timer.unref();
    });
  }

  /** No more reads; waits still pending never resolve. */
  stop(): void {
    this.stopped = true;
    clearInterval(this.timer);
    this.timer = undefined;
    this.waiting.clear();
  }
}
