/**
 * One DNS-over-TCP connection (RFC 7766): a two-byte length prefix before each message,
 * several queries per connection answered in order, and the limits that keep one client from
 * holding the server or its memory:
 *
 *  - Input: at most 32 queries or 64 KB of them read and not answered; past that the server
 *    stops reading (RFC 7766 §6.2.3), and the client's own socket buffers fill.
 *  - Output: at most 64 KB of answers waiting in the lab beyond what the kernel holds; the next
 *    answer waits until the client reads. A client whose answers stop being taken for the idle
 *    time is closed, whatever it keeps sending: trickled bytes are not progress.
 *  - At the connection cap a newcomer closes a connection that makes no progress (RFC 7766
 *    §6.2.3 allows it under pressure): the one whose answers have waited longest for their
 *    reader, else the one idle longest. A client holding connections open, with a byte every
 *    few seconds or answers it never reads, cannot keep everyone else's dig +tcp out.
 */
import type { Socket } from 'node:net';

export interface TcpLimits {
  /** Open connections at once. */
  maxConnections: number;
  /** Nothing asked, or no answer taken, for this long: the connection is closed. */
  idleMs: number;
}

export const TCP_LIMITS: TcpLimits = { maxConnections: 512, idleMs: 10_000 };

/** Queries read from one connection and not answered yet: past this, or past MAX_PENDING_BYTES, the server stops reading. */
const MAX_PENDING_QUERIES = 32;
const MAX_PENDING_BYTES = 64 * 1024;
/** Answers written to one connection and not handed to the kernel yet: past this the next waits. */
const MAX_UNSENT_BYTES = 64 * 1024;

/** What the accept loop needs to know of a connection to pick one to close. */
export interface TcpConnection {
  /** Queries read and not answered yet, and their bytes. */
  pending: number;
  pendingBytes: number;
  /** When the last whole query arrived (or the connection opened). */
  lastQueryAt: number;
  /** Since when its answers have not been taken (the client reads nothing), if they are waiting. */
  stalledSince?: number;
}

export function newConnection(): TcpConnection {
  return { pending: 0, pendingBytes: 0, lastQueryAt: Date.now() };
}

/**
 * The connection a newcomer at the cap closes: the one whose answers have waited longest for
 * their reader, else the one idle longest; none while every one is being answered.
 */
export function connectionToClose(connections: Map<Socket, TcpConnection>): Socket | undefined {
  let found: Socket | undefined;
  let rank: [number, number] = [2, Infinity];
  for (const [socket, c] of connections) {
    const mine: [number, number] | undefined = c.stalledSince !== undefined ? [0, c.stalledSince] : c.pending === 0 ? [1, c.lastQueryAt] : undefined;
    if (mine && (mine[0] < rank[0] || (mine[0] === rank[0] && mine[1] < rank[1]))) [found, rank] = [socket, mine];
  }
  return found;
}

/** Reads queries from `socket` and writes `answer`'s replies in order (an undefined reply: nothing is sent). */
export function serveTcp(socket: Socket, state: TcpConnection, limits: TcpLimits, answer: (query: Buffer) => Promise<Buffer | undefined>): void {
  let buffer: Buffer = Buffer.alloc(0);
  let chain: Promise<void> = Promise.resolve();
  socket.setTimeout(limits.idleMs, () => socket.destroy());
  socket.on('error', () => socket.destroy());
  // A client that pipelines queries and never reads the answers must not make them pile up in
  // the lab's memory: answer at the pace it reads, and close it when it stops reading. The stall
  // clock starts when the answers back up, whether or not more queries wait behind them: a
  // client that trickles the bytes of a query it never finishes is not reading either.
  let backlog: Promise<void> | undefined;
  const watchBacklog = (): void => {
    if (backlog || socket.writableLength < MAX_UNSENT_BYTES || socket.destroyed) return;
    state.stalledSince = Date.now();
    backlog = new Promise((resolve) => {
      let unsent = socket.writableLength;
      const check = setInterval(() => {
        if (socket.writableLength >= unsent) return void socket.destroy();
        unsent = socket.writableLength;
        state.stalledSince = Date.now();
      }, limits.idleMs);
      const done = (): void => {
        clearInterval(check);
        state.stalledSince = undefined;
        backlog = undefined;
        socket.off('drain', done);
        socket.off('close', done);
        resolve();
      };
      socket.on('drain', done);
      socket.on('close', done);
    });
  };
  const full = (): boolean => state.pending >= MAX_PENDING_QUERIES || state.pendingBytes >= MAX_PENDING_BYTES;
  socket.on('data', (chunk: Buffer) => {
    buffer = buffer.length === 0 ? chunk : Buffer.concat([buffer, chunk]);
    while (buffer.length >= 2) {
      const length = buffer.readUInt16BE(0);
      if (buffer.length < 2 + length) break;
      const query = Buffer.from(buffer.subarray(2, 2 + length));
      buffer = buffer.subarray(2 + length);
      state.pending++;
      state.pendingBytes += query.length;
      state.lastQueryAt = Date.now();
      chain = chain.then(async () => {
        await backlog;
        const reply = socket.destroyed ? undefined : await answer(query);
        if (reply && !socket.destroyed) {
          const framed = Buffer.alloc(2 + reply.length);
          framed.writeUInt16BE(reply.length, 0);
          reply.copy(framed, 2);
          socket.write(framed);
          watchBacklog();
        }
        state.pending--;
        state.pendingBytes -= query.length;
        if (!full() && socket.isPaused() && !socket.destroyed) socket.resume();
      });
    }
    if (full()) socket.pause();
  });
}
