/**
 * One terminal's session with a lab service, over a raw socket: lines typed in order, each
 * waiting for the reply to the one before, as the lesson page's terminal types a "Try it"
 * block (LabTerminal.typeLines). Lines of a message after DATA's 354 go straight on; STARTTLS
 * and STLS, once granted, wrap the connection in TLS as the terminal's bridge does.
 * It follows the page's rules and must change when they do; two differ on purpose: the page
 * types on after 4 s without a reply, this fails after 10 s (a silent server is what the test
 * looks for), and no lesson block sends an IMAP literal, so "+ " continuations are not handled.
 */
import { connect as tcpConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';

export type Protocol = 'smtp' | 'pop3' | 'imap';

/** A command typed and the server's answer to it: every line, the last one the verdict. */
export interface Exchange {
  command: string;
  reply: string[];
}

const REPLY_MS = 10_000;

const POP3_MULTILINE = (command: string): boolean => {
  const [verb = '', arg] = command.trim().toUpperCase().split(/\s+/);
  return verb === 'CAPA' || verb === 'RETR' || verb === 'TOP' || ((verb === 'LIST' || verb === 'UIDL') && !arg);
};

export class TypedSession {
  private buffer = Buffer.alloc(0);
  private wake: (() => void) | undefined;
  closed = false;
  private dataMode = false;

  private constructor(
    private socket: Socket,
    readonly protocol: Protocol,
  ) {
    this.listen();
  }

  /** Connects (with TLS from the first byte when `implicitTls`) and reads the greeting. */
  static async open(port: number, protocol: Protocol, implicitTls: boolean): Promise<{ session: TypedSession; greeting: Exchange }> {
    const socket = await new Promise<Socket>((resolve, reject) => {
      const s = implicitTls
        ? tlsConnect({ host: '127.0.0.1', port, rejectUnauthorized: false }, () => resolve(s))
        : tcpConnect({ host: '127.0.0.1', port }, () => resolve(s));
      s.once('error', reject);
    });
    const session = new TypedSession(socket, protocol);
    const reply = protocol === 'smtp' ? await session.smtpReply() : [await session.line()];
    return { session, greeting: { command: '', reply } };
  }

  private listen(): void {
    this.socket.on('data', (chunk: Buffer) => {
      this.buffer = Buffer.concat([this.buffer, chunk]);
      this.wake?.();
    });
    this.socket.on('close', () => {
      this.closed = true;
      this.wake?.();
    });
    this.socket.on('error', () => undefined);
  }

  /** Waits for more bytes, the end of the connection, or the reply deadline. */
  private async more(deadline: number): Promise<void> {
    if (this.closed) throw new Error('the server closed the connection');
    const left = deadline - Date.now();
    if (left <= 0) throw new Error(`no reply within ${REPLY_MS / 1000} s`);
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, left);
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
    this.wake = undefined;
  }

  private async line(deadline = Date.now() + REPLY_MS): Promise<string> {
    for (;;) {
      const end = this.buffer.indexOf('\r\n');
      if (end >= 0) {
        const text = this.buffer.subarray(0, end).toString('utf8');
        this.buffer = this.buffer.subarray(end + 2);
        return text;
      }
      await this.more(deadline);
    }
  }

  private async octets(n: number, deadline: number): Promise<string> {
    while (this.buffer.length < n) await this.more(deadline);
    const text = this.buffer.subarray(0, n).toString('utf8');
    this.buffer = this.buffer.subarray(n);
    return text;
  }

  private async smtpReply(): Promise<string[]> {
    const lines: string[] = [];
    const deadline = Date.now() + REPLY_MS;
    for (;;) {
      const line = await this.line(deadline);
      lines.push(line);
      if (!/^\d{3}-/.test(line)) return lines;
    }
  }

  private async pop3Reply(command: string): Promise<string[]> {
    const deadline = Date.now() + REPLY_MS;
    const lines = [await this.line(deadline)];
    if (!lines[0]!.startsWith('+OK') || !POP3_MULTILINE(command)) return lines;
    for (;;) {
      const line = await this.line(deadline);
      if (line === '.') return lines;
      lines.push(line);
    }
  }

  /** Lines up to the tagged one; a literal's octets ({n}) are message text, never replies. */
  private async imapReply(tag: string): Promise<string[]> {
    const deadline = Date.now() + REPLY_MS;
    const lines: string[] = [];
    for (;;) {
      let line = await this.line(deadline);
      for (let literal = /\{(\d+)\}$/.exec(line); literal; literal = /\{(\d+)\}$/.exec(line)) {
        line += `\r\n${await this.octets(Number(literal[1]), deadline)}${await this.line(deadline)}`;
      }
      lines.push(line);
      if (line.toUpperCase().startsWith(`${tag.toUpperCase()} `)) return lines;
    }
  }

  /** Types one line; undefined when it gets no reply of its own (message text after 354). */
  async type(command: string): Promise<Exchange | undefined> {
    this.socket.write(`${command}\r\n`);
    if (this.dataMode) {
      if (command !== '.') return undefined;
      this.dataMode = false;
    }
    const reply =
      this.protocol === 'smtp' ? await this.smtpReply() : this.protocol === 'pop3' ? await this.pop3Reply(command) : await this.imapReply(command.split(' ')[0]!);
    const last = reply.at(-1)!;
    const verb = command.trim().toUpperCase();
    if (this.protocol === 'smtp' && verb === 'DATA' && last.startsWith('354')) this.dataMode = true;
    const startTls =
      (this.protocol === 'smtp' && verb === 'STARTTLS' && last.startsWith('220')) ||
      (this.protocol === 'pop3' && verb === 'STLS' && last.startsWith('+OK')) ||
      (this.protocol === 'imap' && /^\S+ STARTTLS$/.test(verb) && / OK/i.test(last));
    if (startTls) await this.startTls();
    return { command, reply };
  }

  private async startTls(): Promise<void> {
    this.socket.removeAllListeners('data');
    this.socket.removeAllListeners('close');
    this.socket = await new Promise<Socket>((resolve, reject) => {
      const s = tlsConnect({ socket: this.socket, rejectUnauthorized: false }, () => resolve(s));
      s.once('error', reject);
    });
    this.listen();
  }

  close(): void {
    this.socket.destroy();
  }
}
