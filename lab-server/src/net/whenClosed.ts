/**
 * A close that is heard even when a library takes the socket over: smtp-server's STARTTLS
 * removes every listener of the plain socket before it puts TLS on it, and a 'close' listener
 * that gave back a connection slot would be gone with them (the slot kept for good).
 */
import type { Socket } from 'node:net';

export function whenClosed(socket: Socket, then: () => void): void {
  const emit = socket.emit as (this: Socket, event: string | symbol, ...args: unknown[]) => boolean;
  let heard = false;
  socket.emit = function (this: Socket, event: string | symbol, ...args: unknown[]): boolean {
    if (event === 'close' && !heard) {
      heard = true;
      then();
    }
    return emit.call(this, event, ...args);
  } as Socket['emit'];
}
