/**
 * A line-by-line client for the judges' conversations with the real servers (SMTP, IMAP,
 * POP3): plain TCP, TLS from the first byte, or upgraded after STARTTLS/STLS. Every wait has a
 * time limit, so a server that stops answering ends the conversation instead of the test.
 */
import { Socket } from 'node:net';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';

/** What smtpReply says when the server said nothing before it closed or its time ran out. */
export const NO_REPLY = '(no reply)';

export class LineClient {
  private buffer = '';
  private waiting: ((line: string | undefined) => void) | undefined;
  private closed = false;
  /** The TLS protocol once encrypted ("TLSv1.3"), for the judges' reports. */
  protocol: string | undefined;
  /** The common name of the server's certificate once encrypted. */
  peer: string | undefined;

  private constructor(private socket: Socket | TLSSocket) {
    this.attach(socket);
  }

  /** `giveUp`: a sign that no server will ever take the connection (its TLS handshake is then not waited for). */
  static async connect(port: number, options: { tls?: boolean; maxVersion?: 'TLSv1.1' | 'TLSv1.2' | 'TLSv1.3'; from?: string; giveUp?: Promise<string> } = {}): Promise<LineClient> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no connection to port ${port}`)), 10_000);
      let connected = false;
      const abandon = (why: string, socket: Socket): void => {
        if (connected) return;
        clearTimeout(timer);
        socket.destroy();
        reject(new Error(why));
      };
      if (options.tls) {
        const old = options.maxVersion ? { maxVersion: options.maxVersion, minVersion: 'TLSv1' as const, ciphers: 'DEFAULT@SECLEVEL=0' } : {};
        const s = tlsConnect({ host: '127.0.0.1', port, rejectUnauthorized: false, ...(options.from ? { localAddress: options.from } : {}), ...old }, () => {
          clearTimeout(timer);
          connected = true;
          const c = new LineClient(s);
          c.noteTls(s);
          resolve(c);
        });
        s.once('error', (e) => {
          clearTimeout(timer);
          reject(e);
        });
        void options.giveUp?.then((why) => abandon(why, s));
      } else {
        const s = new Socket();
        s.once('connect', () => {
          clearTimeout(timer);
          resolve(new LineClient(s));
        });
        s.once('error', (e) => {
          clearTimeout(timer);
          reject(e);
        });
        s.connect({ port, host: '127.0.0.1', ...(options.from ? { localAddress: options.from } : {}) });
      }
    });
  }

  private noteTls(s: TLSSocket): void {
    this.protocol = s.getProtocol() ?? undefined;
    const cn = s.getPeerCertificate()?.subject?.CN;
    this.peer = Array.isArray(cn) ? cn[0] : cn;
  }

  private attach(socket: Socket | TLSSocket): void {
    socket.on('data', (d: Buffer) => {
      this.buffer += d.toString('latin1');
      this.deliver();
    });
    socket.on('close', () => {
      this.closed = true;
      this.deliver();
    });
    socket.on('error', () => undefined);
  }

  private deliver(): void {
    if (!this.waiting) return;
    const nl = this.buffer.indexOf('\n');
    if (nl >= 0) {
      const line = this.buffer.slice(0, nl).replace(/\r$/, '');
      this.buffer = this.buffer.slice(nl + 1);
      const w = this.waiting;
      this.waiting = undefined;
      w(line);
    } else if (this.closed) {
      const w = this.waiting;
      this.waiting = undefined;
      w(undefined);
    }
  }

  /** The next line, or undefined when the server closed the connection or said nothing for 15 s. */
  readLine(ms = 15_000): Promise<string | undefined> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiting = undefined;
        resolve(undefined);
      }, ms);
      this.waiting = (line) => {
        clearTimeout(timer);
        resolve(line);
      };
      this.deliver();
    });
  }

  write(line: string): void {
    if (!this.closed) this.socket.write(`${line}\r\n`);
  }

  /** After the server granted STARTTLS/STLS: continue over TLS. */
  async startTls(options: { maxVersion?: 'TLSv1.1' | 'TLSv1.2' | 'TLSv1.3' } = {}): Promise<boolean> {
    const plain = this.socket;
    plain.removeAllListeners('data');
    plain.removeAllListeners('close');
    return new Promise((resolve) => {
      // An old protocol is offered only when asked for (OpenSSL 3 needs security level 0 for it).
      const old = options.maxVersion ? { maxVersion: options.maxVersion, minVersion: 'TLSv1' as const, ciphers: 'DEFAULT@SECLEVEL=0' } : {};
      const s = tlsConnect({ socket: plain, rejectUnauthorized: false, ...old }, () => {
        this.noteTls(s);
        resolve(true);
      });
      s.once('error', () => resolve(false));
      this.socket = s;
      this.attach(s);
    });
  }

  close(): void {
    this.socket.destroy();
  }

  /** Closes the connection if `sign` comes before disarm() is called: reads then end as if the server had closed it. */
  closeOn(sign: Promise<unknown>): { disarm(): void } {
    let armed = true;
    void sign.then(() => armed && this.close());
    return { disarm: () => (armed = false) };
  }

  /** An SMTP reply: lines up to the one without a "-" after the code, joined with " | ". */
  async smtpReply(): Promise<string> {
    const lines: string[] = [];
    for (;;) {
      const line = await this.readLine();
      if (line === undefined) return lines.length ? lines.join(' | ') : NO_REPLY;
      lines.push(line);
      if (!/^\d{3}-/.test(line)) return lines.join(' | ');
    }
  }

  /** An IMAP command's lines up to its tagged completion. */
  async imapReply(tag: string): Promise<string> {
    const lines: string[] = [];
    for (;;) {
      const line = await this.readLine();
      if (line === undefined) return lines.length ? lines.join(' | ') : NO_REPLY;
      lines.push(line);
      if (line.startsWith(`${tag} `)) return lines.join(' | ');
    }
  }
}
