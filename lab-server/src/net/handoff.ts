/**
 * In-process handoff: how a connection that the lab itself opens (the browser-terminal bridge)
 * tells the listener which sandbox it belongs to, without the learner typing anything.
 *
 * The bridge opens a real TCP connection to the real listener and registers its own local
 * address and port here; the listener looks up the peer address and port of each connection it
 * accepts. Both ends live in this process, and no other socket can have that address and port
 * while the bridge's socket is open, so nobody outside can claim a registration.
 */
import type { Socket } from 'node:net';
import type { HandoffClaims, HandoffTicket } from '../world/access.js';

const CLAIM_WAIT_MS = 2000;

export class HandoffRegistry implements HandoffClaims {
  private byEndpoint = new Map<string, HandoffTicket>();
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
    let key: string | undefined;
    socket.once('connect', () => {
      key = endpoint(socket.localAddress, socket.localPort);
      this.byEndpoint.set(key, ticket);
      settle();
    });
    socket.once('close', () => {
      if (key !== undefined && this.byEndpoint.get(key) === ticket) this.byEndpoint.delete(key);
      settle();
    });
  }

  /**
   * The ticket for an accepted connection, or undefined for an ordinary client.
   * Waits briefly only while some bridge connection is still being set up.
   */
  async claim(remoteAddress: string | undefined, remotePort: number | undefined): Promise<HandoffTicket | undefined> {
    if (remotePort === undefined || remoteAddress === undefined) return undefined;
    const key = endpoint(remoteAddress, remotePort);
    const deadline = Date.now() + CLAIM_WAIT_MS;
    for (;;) {
      const ticket = this.byEndpoint.get(key);
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

/** "address:port", with IPv4-mapped IPv6 written as plain IPv4 so both ends agree. */
function endpoint(address: string | undefined, port: number | undefined): string {
  return `${(address ?? '').replace(/^::ffff:/, '')}:${port ?? ''}`;
}

export function isLoopback(address: string | undefined): boolean {
  if (!address) return false;
  return address === '::1' || address.startsWith('127.') || address.startsWith('::ffff:127.');
}
