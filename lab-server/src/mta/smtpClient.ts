/**
 * The MTA's SMTP client (Postfix's smtp(8)): one session to one server for one message —
 * greeting, EHLO, STARTTLS when offered (opportunistic, like smtp_tls_security_level = may:
 * encrypted, certificate not checked), MAIL, one RCPT per recipient, DATA with dot-stuffing,
 * QUIT. Every line both ways is kept as a transcript for the learner to read.
 */
import type { Socket } from 'node:net';
import { connect as tlsConnect, createSecureContext, type SecureContext, type TLSSocket } from 'node:tls';
import { dotStuff } from '../net/dotStuff.js';
import { toWire } from '../maildir/wire.js';

export interface SmtpReply {
  code: number;
  /** The reply's text lines without the code, joined by spaces. */
  text: string;
}

export type SessionStage = 'greeting' | 'ehlo' | 'starttls' | 'mail' | 'rcpt' | 'data' | 'message';

export interface RelayOutcome {
  /** Set when the session failed before the recipients got their own answers. */
  failure?: { stage: SessionStage; reply?: SmtpReply; error?: string };
  /** The reply that decided each recipient: its RCPT reply, or for accepted ones DATA's or the end of data's. */
  recipients: Map<string, SmtpReply & { stage: 'rcpt' | 'data' | 'message' }>;
  tls: boolean;
  transcript: string[];
  /** Milliseconds to the greeting, and from there to the end. */
  setupMs: number;
  transferMs: number;
}

export interface RelayRequest {
  socket: Socket;
  serverName: string;
  helo: string;
  sender: string;
  recipients: string[];
  /** The message as queued; a bare LF (from a client that sent some in DATA) goes out as CRLF, as RFC 5321 wants. */
  message: Buffer;
  timeoutMs: number;
  /** False: do not try STARTTLS even when offered (the retry after a failed handshake). */
  startTls?: boolean;
}

/** One client TLS context for every relay: building one per connection costs more than the handshake. */
let clientContext: SecureContext | undefined;

class ReplyReader {
  private buffer = '';
  private waiting: ((line: string | undefined) => void) | undefined;
  private lines: string[] = [];
  private ended = false;

  constructor(private socket: Socket | TLSSocket) {
    this.attach(socket);
  }

  attach(socket: Socket | TLSSocket): void {
    this.socket = socket;
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => {
      this.buffer += chunk;
      let nl: number;
      while ((nl = this.buffer.indexOf('\n')) !== -1) {
        this.lines.push(this.buffer.slice(0, nl).replace(/\r$/, ''));
        this.buffer = this.buffer.slice(nl + 1);
      }
      this.wake();
    });
    const end = (): void => {
      this.ended = true;
      this.wake();
    };
    socket.on('end', end);
    socket.on('close', end);
    socket.on('error', end);
  }

  detach(): void {
    this.socket.removeAllListeners('data');
    this.socket.removeAllListeners('end');
    this.socket.removeAllListeners('close');
  }

  private wake(): void {
    const w = this.waiting;
    if (!w) return;
    if (this.lines.length > 0) {
      this.waiting = undefined;
      w(this.lines.shift());
    } else if (this.ended) {
      this.waiting = undefined;
      w(undefined);
    }
  }

  line(): Promise<string | undefined> {
    return new Promise((resolve) => {
      this.waiting = resolve;
      this.wake();
    });
  }
}

class Session {
  readonly transcript: string[] = [];
  private reader: ReplyReader;
  tls = false;

  constructor(
    public socket: Socket | TLSSocket,
    private readonly timeoutMs: number,
  ) {
    this.reader = new ReplyReader(socket);
  }

  /** Reads one (possibly multi-line) reply. Throws on timeout or when the server hangs up. */
  async reply(): Promise<SmtpReply> {
    const parts: string[] = [];
    for (;;) {
      let timer: NodeJS.Timeout | undefined;
      const line = await Promise.race([
        this.reader.line(),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`timeout after ${Math.round(this.timeoutMs / 1000)} s`)), this.timeoutMs);
        }),
      ]).finally(() => clearTimeout(timer));
      if (line === undefined) throw new Error('lost connection');
      this.transcript.push(`S: ${line}`);
      const m = /^(\d{3})([ -])?(.*)$/.exec(line);
      if (!m) throw new Error(`malformed reply "${line.slice(0, 80)}"`);
      parts.push(m[3]!.trim());
      if (m[2] !== '-') return { code: Number(m[1]), text: parts.join(' ') };
    }
  }

  async command(line: string): Promise<SmtpReply> {
    this.transcript.push(`C: ${line}`);
    this.socket.write(`${line}\r\n`);
    return this.reply();
  }

  async startTls(serverName: string): Promise<void> {
    this.reader.detach();
    clientContext ??= createSecureContext();
    const secure = tlsConnect({ socket: this.socket as Socket, servername: serverName, rejectUnauthorized: false, secureContext: clientContext });
    // A server that says 220 and then never finishes the handshake is given up on like a silent
    // one (Postfix's smtp_starttls_timeout), and the connection closed with it.
    let timer: NodeJS.Timeout | undefined;
    await new Promise<void>((resolve, reject) => {
      secure.once('secureConnect', () => resolve());
      secure.once('error', reject);
      timer = setTimeout(() => {
        secure.destroy();
        reject(new Error(`TLS handshake timeout after ${Math.round(this.timeoutMs / 1000)} s`));
      }, this.timeoutMs);
    }).finally(() => clearTimeout(timer));
    this.socket = secure;
    this.reader = new ReplyReader(secure);
    this.tls = true;
  }

  /** Sends the message after 354: dot-stuffed, ended by "." on a line of its own. */
  async data(message: Buffer): Promise<SmtpReply> {
    this.transcript.push(`C: (${message.length} bytes of message)`, 'C: .');
    this.socket.write(dotStuff(message));
    return this.reply();
  }

  quit(): void {
    this.transcript.push('C: QUIT');
    this.socket.end('QUIT\r\n');
    const s = this.socket;
    setTimeout(() => s.destroy(), 1000).unref();
  }
}

/** Runs one SMTP transaction on a connected socket. Never throws: failures are in the outcome. */
export async function relayMessage(req: RelayRequest): Promise<RelayOutcome> {
  const session = new Session(req.socket, req.timeoutMs);
  const message = toWire(req.message);
  const outcome: RelayOutcome = { recipients: new Map(), tls: false, transcript: session.transcript, setupMs: 0, transferMs: 0 };
  const started = performance.now();
  let stage: SessionStage = 'greeting';
  let sentAt = started;
  const fail = (failure: NonNullable<RelayOutcome['failure']>): RelayOutcome => {
    outcome.failure = failure;
    return outcome;
  };
  try {
    const greeting = await session.reply();
    outcome.setupMs = performance.now() - started;
    sentAt = performance.now();
    if (greeting.code !== 220) return fail({ stage, reply: greeting });
    stage = 'ehlo';
    let ehlo = await session.command(`EHLO ${req.helo}`);
    if (ehlo.code !== 250) return fail({ stage, reply: ehlo });
    if (req.startTls !== false && /(^| )STARTTLS( |$)/i.test(ehlo.text)) {
      stage = 'starttls';
      const ready = await session.command('STARTTLS');
      if (ready.code === 220) {
        await session.startTls(req.serverName);
        outcome.tls = true;
        stage = 'ehlo';
        ehlo = await session.command(`EHLO ${req.helo}`);
        if (ehlo.code !== 250) return fail({ stage, reply: ehlo });
      }
    }
    stage = 'mail';
    const size = /(^| )SIZE( |$)/i.test(ehlo.text) ? ` SIZE=${message.length}` : '';
    const mail = await session.command(`MAIL FROM:<${req.sender}>${size}`);
    if (mail.code !== 250) return fail({ stage, reply: mail });
    stage = 'rcpt';
    const accepted: string[] = [];
    for (const rcpt of req.recipients) {
      const reply = await session.command(`RCPT TO:<${rcpt}>`);
      outcome.recipients.set(rcpt, { ...reply, stage: 'rcpt' });
      if (reply.code === 250 || reply.code === 251) accepted.push(rcpt);
    }
    if (accepted.length === 0) return outcome;
    stage = 'data';
    const go = await session.command('DATA');
    if (go.code !== 354) {
      for (const r of accepted) outcome.recipients.set(r, { ...go, stage: 'data' });
      return outcome;
    }
    stage = 'message';
    const done = await session.data(message);
    for (const r of accepted) outcome.recipients.set(r, { ...done, stage: 'message' });
    return outcome;
  } catch (err) {
    return fail({ stage, error: (err as Error).message });
  } finally {
    outcome.transferMs = performance.now() - sentAt;
    outcome.tls = session.tls;
    if (!session.socket.destroyed) session.quit();
  }
}
