/**
 * In-process handoff: how a connection that the lab itself opens (the browser-terminal bridge)
 * tells the listener which sandbox it belongs to, without the learner typing anything.
 *
 * The bridge opens a real TCP connection to the real listener on loopback and registers its
 * own local port here; the listener looks up the peer port of each loopback connection it
 * accepts. Both ends live in this process, so nobody outside can claim a registration.
 */
import type { Socket } from 'node:net';

export interface HandoffTicket {
  sandboxId: string;
  /** Which learner opened it (for transcripts and limits in later issues). */
  owner?: string;
}

const CLAIM_WAIT_MS = 2000;

export class HandoffRegistry {
  private byPort = new Map<number, HandoffTicket>();
  private pending = 0;
  private waiters = new Set<() => void>();

  /**
   * Announces that a connection is about to be opened for a sandbox. Call before connecting;
   * the ticket is bound to the socket's local port as soon as the kernel assigns one.
   */
  expect(socket: Socket, ticket: HandoffTicket): void {
    this.pending++;
    let settled = false;
    const settle = (): void => {
      if (settled) return;
      settled = true;
      this.pending--;
      this.wake();
    };
    socket.once('connect', () => {
      if (socket.localPort !== undefined) this.byPort.set(socket.localPort, ticket);
      settle();
    });
    socket.once('close', () => {
      if (socket.localPort !== undefined && this.byPort.get(socket.localPort) === ticket) {
        this.byPort.delete(socket.localPort);
      }
      settle();
    });
  }

  /**
   * The ticket for an accepted loopback connection, or undefined for an ordinary client.
   * Waits briefly only while some bridge connection is still being set up.
   */
  async claim(remoteAddress: string | undefined, remotePort: number | undefined): Promise<HandoffTicket | undefined> {
    if (remotePort === undefined || !isLoopback(remoteAddress)) return undefined;
    const deadline = Date.now() + CLAIM_WAIT_MS;
    for (;;) {
      const ticket = this.byPort.get(remotePort);
      if (ticket) return ticket;
      if (this.pending === 0 || Date.now() >= deadline) return undefined;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, Math.max(1, deadline - Date.now()));
        function done(): void {
          clearTimeout(timer);
          resolve();
        }
        this.waiters.add(done);
      });
    }
  }

  private wake(): void {
    const waiters = [...this.waiters];
    this.waiters.clear();
    for (const w of waiters) w();
  }
}

export function isLoopback(address: string | undefined): boolean {
  if (!address) return false;
  return address === '::1' || address.startsWith('127.') || address.startsWith('::ffff:127.');
}
