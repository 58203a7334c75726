/**
 * A text-protocol connection read one line (or a piece of a counted block of bytes) at a
 * time, for the POP3 and IMAP sessions. Memory stays bounded whatever a client sends: an over-long line is
 * dropped as it arrives and reported once as `tooLong` when its end finally comes, with its
 * first and last bytes (the tag to answer, a literal announced at its end).
 */
import type { Socket } from 'node:net';
import { TLSSocket, type SecureContext } from 'node:tls';
import { plainAddress } from './addressList.js';
import { paceHandshake, paceHangUp } from './turnBudget.js';

export interface Line {
  /** The line without its CRLF (or bare LF); when tooLong, only its first HEAD bytes. */
  bytes: Buffer;
  tooLong: boolean;
  /** When tooLong, its last TAIL bytes. */
  tail?: Buffer;
}

/** What is kept of an over-long line: enough for a tag at its start, a literal's {size+} at its end. */
const HEAD = 64;
const TAIL = 32;

type Waiter = () => void;

export class LineChannel {
  private buffer: Buffer = Buffer.alloc(0);
  /** The start and the latest end of an over-long line being dropped. */
  private discarding: { head: Buffer; tail: Buffer } | undefined;
  private ended = false;
  private waiter: Waiter | undefined;
  private current: Socket | TLSSocket;

  constructor(
    socket: Socket | TLSSocket,
    private readonly maxLineLength: number,
  ) {
    this.current = socket;
    this.attach(socket);
  }

  get socket(): Socket | TLSSocket {
    return this.current;
  }

  get encrypted(): boolean {
    return this.current instanceof TLSSocket && this.current.encrypted;
  }

  get closed(): boolean {
    return this.ended;
  }

  /** The next line, or undefined once the client has gone. */
  async readLine(): Promise<Line | undefined> {
    for (;;) {
      const line = this.nextLine();
      if (line) return line;
      if (this.ended) return undefined;
      await this.wait();
    }
  }

  /** Calls `then` once, when more has come from the client or it has gone (see `closed`). */
  onArrival(then: () => void): void {
    if (this.ended) queueMicrotask(then);
    else this.waiter = then;
  }

  /**
   * The next line if it has already come, without a promise (a pipelining client's commands are
   * answered without a turn of the microtask queue each); undefined if it has not. `view` is for
   * a caller that decodes the line at once and keeps nothing of it: its bytes are then a view
   * of the data received, not a copy (a kept view would hold all that came with it).
   */
  nextLine(view = false): Line | undefined {
    const nl = this.buffer.indexOf(0x0a);
    if (nl !== -1) {
      const end = nl > 0 && this.buffer[nl - 1] === 0x0d ? nl - 1 : nl;
      const bytes = this.buffer.subarray(0, end);
      this.buffer = this.buffer.subarray(nl + 1);
      this.resumeIfDrained();
      if (this.discarding) {
        const { head, tail } = this.discarding;
        this.discarding = undefined;
        const joined = Buffer.concat([tail, bytes]);
        // The line's CR may have been dropped with the rest, its LF arriving alone: not part of the line.
        return { bytes: head, tooLong: true, tail: (nl === 0 && joined.at(-1) === 0x0d ? joined.subarray(0, -1) : joined).subarray(-TAIL) };
      }
      if (bytes.length > this.maxLineLength) return { bytes: Buffer.from(bytes.subarray(0, HEAD)), tooLong: true, tail: Buffer.from(bytes.subarray(-TAIL)) };
      return { bytes: view ? bytes : Buffer.from(bytes), tooLong: false };
    }
    if (this.buffer.length > this.maxLineLength) {
      // Drop what we have, keeping its start and end; keep dropping until the line ends.
      this.discarding = { head: this.discarding?.head ?? Buffer.from(this.buffer.subarray(0, HEAD)), tail: Buffer.from(this.buffer.subarray(-TAIL)) };
      this.buffer = Buffer.alloc(0);
      this.resumeIfDrained();
    }
    return undefined;
  }

  /**
   * What has come, 1 to `max` bytes (waiting for the first), or undefined if the client goes
   * first: a literal read piece by piece, each counted as it arrives.
   */
  async readUpTo(max: number): Promise<Buffer | undefined> {
    while (this.buffer.length === 0) {
      if (this.ended) return undefined;
      await this.wait();
    }
    const piece = Buffer.from(this.buffer.subarray(0, max));
    this.buffer = this.buffer.subarray(piece.length);
    this.resumeIfDrained();
    return piece;
  }

  /** Writes a reply, waiting when the client reads slower than we write. */
  async write(data: string | Buffer): Promise<void> {
    await this.send(data);
  }

  /**
   * Writes a reply (a string as `encoding`); a promise, to wait for, only when the client reads
   * slower than we write.
   */
  send(data: string | Buffer, encoding: BufferEncoding = 'utf8'): Promise<void> | undefined {
    if (this.ended || this.current.destroyed) return undefined;
    if (this.current.write(data, encoding)) return undefined;
    return new Promise<void>((resolve) => {
      const done = (): void => {
        this.current.off('drain', done);
        this.current.off('close', done);
        resolve();
      };
      this.current.on('drain', done);
      this.current.on('close', done);
    });
  }

  /** Everything sent so far has left for the kernel (or TLS): the socket holds none of the bytes given it. */
  get sent(): boolean {
    return !this.current.destroyed && this.current.writableLength === 0;
  }

  /**
   * Upgrades to TLS after STARTTLS/STLS. Anything the client sent after the command in the
   * clear is thrown away, so it cannot be smuggled into the encrypted session.
   */
  async startTls(context: SecureContext): Promise<void> {
    const plain = this.current;
    plain.removeAllListeners('data');
    plain.removeAllListeners('end');
    this.buffer = Buffer.alloc(0);
    this.discarding = undefined;
    // The handshake starts in its turn (turnBudget.ts), once the client's hello has come.
    const key = plainAddress(plain.remoteAddress ?? '');
    const secure = await new Promise<TLSSocket | undefined>((resolve) => {
      plain.once('close', () => resolve(undefined));
      paceHandshake(plain, key, () => resolve(new TLSSocket(plain, { isServer: true, secureContext: context })));
    });
    if (!secure) return;
    paceHangUp(secure, key);
    this.current = secure;
    this.attach(secure);
    await new Promise<void>((resolve) => {
      secure.once('secure', resolve);
      secure.once('close', resolve);
      secure.once('error', () => resolve());
    });
  }

  close(): void {
    this.ended = true;
    this.current.end();
    this.wake();
  }

  destroy(): void {
    this.ended = true;
    this.current.destroy();
    this.wake();
  }

  private attach(socket: Socket | TLSSocket): void {
    socket.on('data', (chunk: Buffer) => {
      this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
      // Stop reading while a client floods us faster than we answer.
      if (this.buffer.length > this.maxLineLength * 4 + 65536) socket.pause();
      this.wake();
    });
    const finish = (): void => {
      this.ended = true;
      this.wake();
    };
    socket.on('end', finish);
    socket.on('close', finish);
    socket.on('error', finish);
  }

  private resumeIfDrained(): void {
    if (this.current.isPaused() && this.buffer.length <= this.maxLineLength) this.current.resume();
  }

  private wait(): Promise<void> {
    return new Promise((resolve) => {
      this.waiter = resolve;
    });
  }

  private wake(): void {
    const w = this.waiter;
    this.waiter = undefined;
    w?.();
  }
}
