/**
 * The Postfix master daemon of one judge run, stopped on every way out (daemonGroup.ts): the
 * run's own end, a run past its deadline (a conversation that never ends), stopped by a timer,
 * which closes the judge's sockets so the run reaches its finally block, and the death of this
 * test process. A master was once left running after a test, detached, for good.
 */
import { Socket } from 'node:net';
import { DaemonGroup } from './daemonGroup.js';

const MASTER = '/usr/lib/postfix/sbin/master';

export class PostfixMaster {
  private readonly group: DaemonGroup;

  constructor(etc: string, deadlineMs: number) {
    this.group = new DaemonGroup(MASTER, ['-c', etc, '-d'], { stdio: 'ignore', deadlineMs });
  }

  /** The master's process id, which is also its process group's. */
  get pid(): number | undefined {
    return this.group.pid;
  }

  /** Why it could not start (no Postfix here), if it could not. */
  get failed(): Error | undefined {
    return this.group.failed;
  }

  get running(): boolean {
    return this.group.running;
  }

  /**
   * Waits until every one of `ports` takes connections; false if master ended or the time ran
   * out first. One port is not enough: master binds its inet services one after another at its
   * start (before its event loop; it exits if a bind fails), and a master descheduled between
   * two binds on a loaded machine had smtp listening while submission refused connections.
   */
  async waitForPorts(ports: number[], ms: number): Promise<boolean> {
    const until = Date.now() + ms;
    const closed = new Set(ports);
    while (Date.now() < until && this.running) {
      for (const port of [...closed]) if (await takesConnections(port)) closed.delete(port);
      if (closed.size === 0) return true;
      await new Promise((r) => setTimeout(r, 100));
    }
    return false;
  }

  /** Stops master and every daemon of its group, and waits (a while) until master has exited. */
  stop(): Promise<void> {
    return this.group.stop();
  }
}

/** Whether a TCP connection to the loopback port is taken (closed at once: a daemon sees a client that left). */
export function takesConnections(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = new Socket();
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
    s.connect(port, '127.0.0.1');
  });
}
