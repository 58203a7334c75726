/**
 * A scripted raw TCP (or TLS) conversation, for protocol tests that check exact replies.
 */
import { connect, type Socket } from 'node:net';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';

export class RawClient {
  private data = '';
  private waiters: Array<() => void> = [];
  closed = false;

  private constructor(public socket: Socket | TLSSocket) {
    this.attach(socket);
  }

  /** Wraps a socket that is already connected. */
  static fromSocket(socket: Socket | TLSSocket): RawClient {
    return new RawClient(socket);
  }

  /** Connects to 127.0.0.1:port, from `localAddress` when given (127.0.0.2 is another client). */
  static async open(port: number, tls = false, localAddress?: string): Promise<RawClient> {
    const from = localAddress ? { localAddress } : {};
    const socket = tls
      ? tlsConnect({ port, host: '127.0.0.1', rejectUnauthorized: false, ...from })
      : connect({ port, host: '127.0.0.1', ...from });
    await new Promise<void>((resolve, reject) => {
      socket.once(tls ? 'secureConnect' : 'connect', () => resolve());
      socket.once('error', reject);
    });
    return new RawClient(socket);
  }

  private attach(socket: Socket | TLSSocket): void {
    socket.on('data', (d: Buffer) => {
      this.data += d.toString('latin1');
      this.wake();
    });
    socket.on('close', () => {
      this.closed = true;
      this.wake();
    });
    socket.on('error', () => undefined);
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    w.forEach((f) => f());
  }

  send(text: string | Buffer): void {
    this.socket.write(text);
  }

  /** Waits until the received text matches, returns everything received so far and clears it. */
  async until(pattern: RegExp, timeoutMs = 5000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    while (!pattern.test(this.data)) {
      if (this.closed) throw new Error(`connection closed before ${pattern}; got: ${JSON.stringify(this.data.slice(-500))}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${pattern}; got: ${JSON.stringify(this.data.slice(-500))}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
    const out = this.data;
    this.data = '';
    return out;
  }

  /** Sends a line (CRLF added) and waits for the reply pattern. */
  async command(line: string, reply: RegExp, timeoutMs?: number): Promise<string> {
    this.send(line + '\r\n');
    return this.until(reply, timeoutMs);
  }

  async waitClosed(timeoutMs = 5000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.closed) {
      if (Date.now() > deadline) throw new Error('connection did not close');
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  close(): void {
    this.socket.destroy();
  }
}

/** The end of an IMAP command's answer: its tagged OK, NO or BAD line. */
export const imapTagged = (tag: string): RegExp => new RegExp(`^${tag} (OK|NO|BAD)[^\\r\\n]*\\r\\n`, 'm');

/** An IMAP connection past the greeting, logged in as `user` (every lab user's password is "secret"). */
export async function imapLogin(port: number, user = 'alice@example.com'): Promise<RawClient> {
  const c = await RawClient.open(port);
  await c.until(/^\* OK [^\r\n]*\r\n/m);
  await c.command(`l LOGIN ${user} secret`, imapTagged('l'));
  return c;
}

/** A connection as the browser-terminal bridge opens it: handed off to a sandbox of `lab`. */
export async function handedOff(lab: { handoffs: { expect(socket: Socket, to: { sandboxId: string }): unknown } }, port: number, sandboxId: string): Promise<RawClient> {
  const socket = connect({ port, host: '127.0.0.1' });
  lab.handoffs.expect(socket, { sandboxId });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  return RawClient.fromSocket(socket);
}
