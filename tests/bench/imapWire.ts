/**
 * A lean IMAP client for benchmarks: sends a tagged command and collects the reply up to its
 * tagged line, with no parsing of its own, so the figures measure the server.
 */
import { connect, type Socket } from 'node:net';

export class ImapWire {
  private chunks: string[] = [];
  private tail = '';
  private wake: (() => void) | undefined;
  private n = 0;

  private constructor(readonly socket: Socket) {
    socket.setEncoding('latin1');
    socket.on('data', (d: string) => {
      this.chunks.push(d);
      this.tail = (this.tail + d).slice(-4096);
      this.wake?.();
    });
  }

  static async open(port: number): Promise<ImapWire> {
    const socket = connect({ port, host: '127.0.0.1' });
    await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    const wire = new ImapWire(socket);
    await wire.until(/\r\n$/);
    return wire;
  }

  async until(end: RegExp): Promise<string> {
    while (!end.test(this.tail)) await new Promise<void>((r) => (this.wake = r));
    const out = this.chunks.join('');
    this.chunks = [];
    this.tail = '';
    return out;
  }

  async command(text: string): Promise<string> {
    const tag = `b${++this.n}`;
    this.socket.write(`${tag} ${text}\r\n`);
    const reply = await this.until(new RegExp(`(^|\\r\\n)${tag} (OK|NO|BAD)[^\\r\\n]*\\r\\n$`));
    if (!new RegExp(`(^|\\r\\n)${tag} OK`).test(reply)) throw new Error(`${text} failed: ${reply.slice(-300)}`);
    return reply;
  }

  close(): void {
    this.socket.destroy();
  }
}
