/**
 * One browser terminal: one WebSocket joined to one TCP connection into one service of the
 * learner's sandbox. The bridge is a faithful client: it passes lines through unchanged,
 * performs TLS when the service or the learner asks for it, and writes the transcript.
 *
 * Messages (JSON text frames):
 *   browser -> bridge  {type:'line', text}   one line; the bridge adds CRLF
 *                      {type:'close'}        the learner hung up (Ctrl+C)
 *   bridge -> browser  {type:'open', session, service, standardPort, labPort, tls}
 *                      {type:'data', text}   server output as it arrives
 *                      {type:'tls', summary, text}
 *                      {type:'closed', text, reason}
 *                      {type:'error', message: {en, 'zh-CN'}}
 *                      {type:'notice', message: {en, 'zh-CN'}}   e.g. the transcript stopped recording
 */
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import type { WebSocket } from 'ws';
import { plural } from '../grading/feedback.js';
import type { RunningService } from '../services.js';
import type { HandoffRegistry } from '../net/handoff.js';
import type { Sandbox } from '../world/sandbox.js';
import { readPageMessage } from './pageMessage.js';
import { summarise, summaryLine, UpgradeWatch } from './tlsUpgrade.js';
import { TranscriptWriter } from './transcript.js';
import type { BridgeLimits } from './terminalLimits.js';
import { TypingRate } from './typingRate.js';
import { withReplacements } from './escapedBytes.js';
import { WireTextDecoder } from './wireText.js';

/** Unread output a page may leave before the bridge stops reading the service and the page: a page that stops reading (a closed laptop, a script) must not have the lab hold a whole mailbox's RETRs. */
const BROWSER_BACKLOG = 1024 * 1024;

interface SessionDeps {
  handoffs: HandoffRegistry;
  /** Where the listeners are reachable from inside this process. */
  connectHost: string;
  limits: BridgeLimits;
  tlsServerName: string;
}

export class TerminalSession {
  readonly id = randomUUID();
  private socket: Socket | TLSSocket | undefined;
  /** The connection to the service from its start, before it is attached: end() closes it too. */
  private opening: Socket | undefined;
  private encrypted = false;
  private decoder = new WireTextDecoder();
  private serverPartial = '';
  private readonly upgrades: UpgradeWatch;
  private heldLines: string[] = [];
  private idleTimer: NodeJS.Timeout | undefined;
  private closed = false;
  private readonly transcript: TranscriptWriter;
  private readonly rate: TypingRate;
  /** Messages from the browser not yet passed on, oldest first (see received). */
  private waiting: Array<{ raw: string; isBinary: boolean; charged?: boolean }> = [];
  private resumeTimer: NodeJS.Timeout | undefined;
  /** The browser is more than BROWSER_BACKLOG behind: the service's socket and the page's WebSocket are paused. */
  private browserBehind = false;
  /** Settles when the session ends, however it ends: before, while or after it connects. */
  private settle: () => void = () => undefined;
  private readonly ended = new Promise<void>((resolve) => (this.settle = resolve));

  constructor(
    private readonly ws: WebSocket,
    private readonly service: RunningService,
    private readonly sandbox: Sandbox,
    readonly owner: string,
    private readonly deps: SessionDeps,
    exercise?: string,
  ) {
    this.transcript = new TranscriptWriter(
      sandbox,
      { session: this.id, service: service.id, startedAt: new Date().toISOString(), owner, ...(exercise ? { exercise } : {}) },
      (why) => this.send({ type: 'notice', message: why }),
    );
    this.rate = new TypingRate(deps.limits);
    this.upgrades = new UpgradeWatch(service.protocol);
  }

  /** Connects to the service and starts relaying. Resolves when the session has ended. */
  async run(): Promise<void> {
    this.ws.on('message', (data, isBinary) => this.received(data.toString(), isBinary));
    this.ws.on('close', () => this.end('browser closed'));
    this.ws.on('error', () => this.end('browser error'));
    // The page may have gone before now (while its sandbox was being made): its 'close' has been and gone.
    if (this.ws.readyState !== this.ws.OPEN) return this.end('browser closed');
    const plain = connect({ host: this.deps.connectHost, port: this.service.port }).on('error', () => undefined);
    // Whatever fails from here on (the bridge catches it), end() closes this connection.
    this.opening = plain;
    this.deps.handoffs.expect(plain, { sandboxId: this.sandbox.id, owner: this.owner });
    plain.setNoDelay(true);
    try {
      await once(plain, 'connect');
    } catch (err) {
      this.send({ type: 'error', message: { en: `Cannot reach the ${this.service.id} service: ${(err as Error).message}. Is the lab running?`, 'zh-CN': `无法连接 ${this.service.id} 服务：${(err as Error).message}。实验服务器在运行吗？` } });
      return this.end('connect failed');
    }
    // The page may have gone while connecting (or below, in the TLS handshake): nobody would close what opens now.
    if (this.closed) return void plain.destroy();
    let socket: Socket | TLSSocket = plain;
    if (this.service.tls === 'implicit') {
      const secure = await this.startTls(plain);
      if (!secure) return;
      socket = secure;
    }
    this.send({ type: 'open', session: this.id, service: this.service.id, standardPort: this.service.standardPort, labPort: this.service.port, tls: this.encrypted });
    this.attach(socket);
    this.touch();
    await this.ended;
    // Counted in the caps until the page's side is closed too (ws waits up to 30 s for its answer).
    if ((this.ws.readyState as number) !== this.ws.CLOSED) await new Promise((resolve) => this.ws.once('close', resolve));
  }

  /** Ends the session (shutdown, limits); the learner sees why. */
  end(reason: string, text = 'Connection closed by foreign host.'): void {
    if (this.closed) return;
    this.closed = true;
    this.settle();
    clearTimeout(this.idleTimer);
    clearTimeout(this.resumeTimer);
    this.flushServerPartial();
    this.transcript.add('I', `closed: ${reason}`, this.encrypted);
    this.socket?.destroy();
    this.opening?.destroy();
    // The transcript is on disk before the learner is told, so a grade asked for right
    // after the session sees all of it.
    void this.transcript.close().then(() => {
      this.send({ type: 'closed', text, reason });
      if (this.ws.readyState === this.ws.OPEN) this.ws.close(1000, reason.slice(0, 100));
    });
  }

  private readonly onServerData = (chunk: Buffer): void => this.fromServer(chunk);
  private readonly onServerClose = (): void => this.end('server closed');

  private attach(socket: Socket | TLSSocket): void {
    this.socket = socket;
    socket.on('data', this.onServerData);
    socket.on('close', this.onServerClose);
    socket.on('error', () => undefined);
    if (this.browserBehind) socket.pause();
  }

  /** Stops relaying from a socket (before wrapping it in TLS); other listeners stay. */
  private detach(socket: Socket | TLSSocket): void {
    socket.off('data', this.onServerData);
    socket.off('close', this.onServerClose);
  }

  private fromBrowser(raw: string, isBinary: boolean): void {
    if (this.closed) return;
    this.touch();
    const msg = readPageMessage(raw, isBinary, this.deps.limits.maxLineLength);
    if (msg.kind === 'close') return this.end('closed by learner', 'Connection closed.');
    if (msg.kind === 'error') return this.send({ type: 'error', message: msg.message });
    // While TLS is being negotiated nothing may go out in clear text.
    if (this.upgrades.pending) return void this.heldLines.push(msg.text);
    this.sendLine(msg.text);
  }

  /**
   * A terminal sending faster than anyone types waits (see typingRate.ts): what it sent queues,
   * in order, and its WebSocket stops reading, so the queue holds no more than one read.
   */
  private received(raw: string, isBinary: boolean): void {
    if (this.closed) return;
    this.waiting.push({ raw, isBinary });
    if (this.waiting.length === 1) this.passOn();
  }

  private passOn(): void {
    while (this.waiting.length > 0 && !this.closed) {
      if (this.browserBehind) return;
      const next = this.waiting[0]!;
      if (!next.charged) {
        next.charged = true;
        const waitMs = this.rate.charge(next.raw);
        if (waitMs > 0) {
          this.ws.pause();
          this.resumeTimer = setTimeout(() => {
            this.resumeTimer = undefined;
            this.passOn();
          }, waitMs);
          return;
        }
      }
      this.waiting.shift();
      this.fromBrowser(next.raw, next.isBinary);
    }
    if (!this.browserBehind) this.ws.resume();
  }

  private sendLine(text: string): void {
    if (!this.socket || this.socket.destroyed) return;
    this.transcript.add('C', text, this.encrypted);
    this.socket.write(`${text}\r\n`);
    this.upgrades.sent(text, this.encrypted);
  }

  private fromServer(chunk: Buffer): void {
    this.touch();
    const text = this.decoder.write(chunk);
    if (text) this.send({ type: 'data', text });
    this.serverPartial += withReplacements(text);
    const lines = this.serverPartial.split('\r\n');
    this.serverPartial = lines.pop() ?? '';
    for (const line of lines) {
      this.transcript.add('S', line, this.encrypted);
      const upgrade = this.upgrades.settledBy(line);
      if (upgrade?.granted(line)) void this.upgrade();
      else if (upgrade) this.releaseHeld();
    }
    // A runaway server line must not grow without bound.
    if (this.serverPartial.length > 1_000_000) this.serverPartial = '';
  }

  private flushServerPartial(): void {
    if (this.serverPartial) this.transcript.add('S', this.serverPartial, this.encrypted);
    this.serverPartial = '';
  }

  /** STARTTLS/STLS granted: wrap the connection in TLS, then carry on with held lines. */
  private async upgrade(): Promise<void> {
    const plain = this.socket as Socket;
    this.detach(plain);
    const secure = await this.startTls(plain);
    if (!secure) return;
    this.attach(secure);
    this.releaseHeld();
  }

  private releaseHeld(): void {
    const held = this.heldLines;
    this.heldLines = [];
    for (const line of held) this.sendLine(line);
  }

  private async startTls(plain: Socket): Promise<TLSSocket | undefined> {
    // The lab's certificate is self-signed; the summary line says so instead of failing.
    const secure = tlsConnect({ socket: plain, rejectUnauthorized: false, servername: this.deps.tlsServerName });
    try {
      // end() may close the connection mid-handshake (the page went): that ends the wait too.
      await new Promise<void>((resolve, reject) => {
        secure.once('secureConnect', resolve).once('error', reject);
        secure.once('close', () => reject(new Error('the connection closed during the handshake')));
      });
    } catch (err) {
      this.send({ type: 'error', message: { en: `TLS handshake failed: ${(err as Error).message}`, 'zh-CN': `TLS 握手失败：${(err as Error).message}` } });
      this.end('tls failed');
      return undefined;
    }
    if (this.closed) {
      secure.destroy();
      return undefined;
    }
    this.encrypted = true;
    const summary = summarise(secure);
    const line = summaryLine(summary);
    this.transcript.add('I', line, true);
    this.send({ type: 'tls', summary, text: line });
    return secure;
  }

  private touch(): void {
    clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => {
      this.end('idle', `Connection closed: no activity for ${plural(Math.round(this.deps.limits.idleTimeoutMs / 60000), 'minute')}.`);
    }, this.deps.limits.idleTimeoutMs);
    this.idleTimer.unref();
  }

  /** Sends to the page; while it is too far behind, the service and the page itself wait. */
  private send(message: Record<string, unknown>): void {
    if (this.ws.readyState !== this.ws.OPEN) return;
    this.ws.send(JSON.stringify(message), () => this.caughtUp());
    if (!this.browserBehind && this.ws.bufferedAmount > BROWSER_BACKLOG) {
      this.browserBehind = true;
      this.socket?.pause();
      this.ws.pause();
    }
  }

  private caughtUp(): void {
    if (!this.browserBehind || this.ws.bufferedAmount > BROWSER_BACKLOG / 2) return;
    this.browserBehind = false;
    this.socket?.resume();
    // Unless the typing rate has the page wait, its messages go on.
    if (!this.resumeTimer) this.passOn();
  }
}
