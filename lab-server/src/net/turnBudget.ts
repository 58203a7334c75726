/**
 * Connection work done a few milliseconds' worth per turn of the event loop. When thousands of
 * clients act at once (all hang up, all time out), the loop hears of every one in the same turn
 * and the work each causes (its session's teardown, a goodbye, closing the socket) costs tens of
 * microseconds: hundreds of milliseconds together, while every learner's reply waits. Queued
 * here instead, each turn does what fits in its budget and leaves the rest for the next turns,
 * while other I/O goes on. (Accepting is already paced: libuv accepts one connection per
 * listener per turn.)
 *
 * Work is queued per key (the client's address) and the keys are served in turn, so one
 * address's flood delays another client's work by one item at most.
 *
 * TLS handshakes have a budget of their own, a few a turn (each costs a millisecond or two):
 * a flood of hellos from one address is answered in turn with everyone else's.
 */
import type { Socket } from 'node:net';

export class TurnBudget {
  /** Work waiting, per key; a key served moves to the back of the line. */
  private readonly waiting = new Map<string, Array<() => void>>();
  private scheduled = false;

  constructor(
    private readonly budgetMs: number,
    /** Items a turn at most: an item's promise continuations run after the budget is checked. */
    private readonly itemsPerTurn: number,
  ) {}

  /** Runs `work` in this or a later turn of the event loop, after the work already queued for `key`. */
  run(key: string, work: () => void): void {
    const queue = this.waiting.get(key);
    if (queue) queue.push(work);
    else this.waiting.set(key, [work]);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => void this.drain());
    }
  }

  private async drain(): Promise<void> {
    const started = performance.now();
    try {
      for (let done = 0; this.waiting.size > 0 && done < this.itemsPerTurn && performance.now() - started < this.budgetMs; done++) {
        const [key, queue] = this.waiting.entries().next().value as [string, Array<() => void>];
        const work = queue.shift()!;
        this.waiting.delete(key);
        if (queue.length > 0) this.waiting.set(key, queue);
        try {
          work();
        } catch (err) {
          // As it would have been had the work run on its own: an uncaught error, not a stalled queue.
          process.nextTick(() => {
            throw err;
          });
        }
        // The work's own first steps (promise continuations) run now, so the budget counts them.
        await null;
      }
    } finally {
      if (this.waiting.size > 0) setImmediate(() => void this.drain());
      else this.scheduled = false;
    }
  }
}

/** The one budget for connection work in this process (there is one event loop): 5 ms or 64 items a turn. */
export const connectionWork = new TurnBudget(5, 64);

/**
 * TLS handshakes, a few a turn: the server's first flight (a key exchange and an RSA signature)
 * costs a millisecond or two of CPU, done the moment the client's hello is read. A thousand
 * hellos arriving together would otherwise be a second and more of one turn.
 */
export const handshakeWork = new TurnBudget(5, 3);

/** What a client may send before its handshake's turn: a ClientHello fits many times over. */
const MAX_EARLY_BYTES = 64 * 1024;

/** Whether a socket whose hang-up is paced (and so is held half-open) was meant to be half-open. */
const halfOpenOf = new WeakMap<Socket, boolean>();

/**
 * Starts a socket's TLS handshake in its turn of the handshake budget: `wrap` (which puts the
 * socket in a TLSSocket) runs once the client's first bytes have come and the budget allows.
 * Until then what comes is kept, and given back to the paused socket just before `wrap`, where
 * TLSSocket reads it first. A client that hangs up first (before its hello, or before its turn)
 * is simply closed: a TLSSocket must not be put on a connection whose end was already read.
 */
export function paceHandshake(socket: Socket, key: string, wrap: () => void, budget: TurnBudget = handshakeWork): void {
  const early: Buffer[] = [];
  let ended = false;
  // Held half-open while it waits, so a hang-up costs Node no shutdown of our side at once
  // (thousands at once are closed in their turns below).
  const halfOpen = halfOpenOf.get(socket) ?? socket.allowHalfOpen;
  socket.allowHalfOpen = true;
  let kept = 0;
  const keep = (chunk: Buffer): void => {
    early.push(chunk);
    kept += chunk.length;
    // A real hello is a few hundred bytes; a stream of them is not a client waiting its turn.
    if (kept > MAX_EARLY_BYTES) socket.destroy();
    else if (early.length === 1) budget.run(key, start);
  };
  const gone = (): void => {
    ended = true;
    // Thousands may leave together: closed in their turns, as paceHangUp closes them.
    connectionWork.run(key, () => socket.destroy());
  };
  const start = (): void => {
    socket.off('data', keep);
    socket.off('end', gone);
    if (socket.destroyed) return;
    // Its end may have been read already, its 'end' event still waiting its own turn (paceHangUp)
    // or behind the hello kept in the socket's buffer.
    if (ended || endRead(socket)) return void socket.destroy();
    socket.pause();
    stopReading(socket);
    for (const chunk of early.reverse()) socket.unshift(chunk);
    // TLSSocket takes its allowHalfOpen from the socket it wraps: the client's choice, not ours.
    socket.allowHalfOpen = halfOpen;
    wrap();
  };
  socket.on('data', keep);
  socket.once('end', gone);
  // A socket paused earlier (a client that flooded us before STARTTLS) must be read again.
  socket.resume();
}

/** Whether the client's end of stream was read, even if 'end' waits for buffered bytes to be read first. */
function endRead(socket: Socket): boolean {
  return socket.readableEnded || (socket as unknown as { _readableState?: { ended?: boolean } })._readableState?.ended === true;
}

/**
 * Leaves the client's next bytes (and its hang-up) in the kernel until the TLSSocket reads them.
 * `wrap` may put the TLSSocket on later (an implicit-TLS port first asks whether the connection
 * is the lab's own; smtp-server waits a turn more). pause() alone keeps Node reading: a hang-up
 * read meanwhile ends this socket beneath the TLSSocket, whose close then comes while its TLS
 * state is already freed, and smtp-server's getProtocol() there crashes Node 20 (SIGSEGV in
 * SSL_get_version). The TLSSocket starts reading again when it starts (TLSWrap::ReadStart).
 */
function stopReading(socket: Socket): void {
  const handle = (socket as unknown as { _handle?: { reading?: boolean; readStop?(): number } | null })._handle;
  if (!handle?.reading || typeof handle.readStop !== 'function') return;
  handle.reading = false;
  handle.readStop();
}

/**
 * A client's hang-up (the end of its stream) is handled in its turn of the connection work
 * budget. When thousands of clients hang up at once, the event loop is told of every one in
 * the same turn, and the teardown that follows (the session's, the stream's, the socket's)
 * costs tens of microseconds each: hundreds of milliseconds together. Here that turn only
 * notes the hang-up; the 'end' event and what follows come a few dozen at a time.
 *
 * Works by holding the socket half-open until the deferred 'end' (so Node does not end our side
 * at once) and then doing what Node would have done: end it, unless it was meant to stay
 * half-open.
 */
export function paceHangUp(socket: Socket, key: string, budget: TurnBudget = connectionWork): void {
  const halfOpen = socket.allowHalfOpen;
  halfOpenOf.set(socket, halfOpen);
  socket.allowHalfOpen = true;
  const emit = socket.emit as (this: Socket, event: string | symbol, ...args: unknown[]) => boolean;
  socket.emit = function (this: Socket, event: string | symbol, ...args: unknown[]): boolean {
    if (event !== 'end') return emit.call(this, event, ...args);
    budget.run(key, () => {
      if (this.destroyed) return;
      emit.call(this, 'end');
      if (!halfOpen && this.writable && !this.writableEnded) this.end();
    });
    return true;
  } as Socket['emit'];
}
