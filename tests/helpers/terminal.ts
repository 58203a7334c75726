/**
 * A WebSocket client that drives a browser terminal through the bridge, as the page does.
 */
import WebSocket from 'ws';

export interface BridgeMessage {
  type: string;
  text?: string;
  message?: { en: string; 'zh-CN': string };
  summary?: { protocol: string; cipher: string; subject: string; selfSigned: boolean };
  [k: string]: unknown;
}

export class TerminalClient {
  output = '';
  messages: BridgeMessage[] = [];
  private waiters: Array<() => void> = [];

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      const msg = JSON.parse(data.toString()) as BridgeMessage;
      this.messages.push(msg);
      if (msg.type === 'data') this.output += msg.text;
      this.wake();
    });
    ws.on('close', () => this.wake());
  }

  /** Opens a terminal as the page does; `exercise` as an exercise page's terminal does. */
  static async open(httpPort: number, service: string, headers: Record<string, string> = {}, exercise?: string): Promise<TerminalClient> {
    const ws = new WebSocket(`ws://127.0.0.1:${httpPort}/api/terminal?service=${service}${exercise ? `&exercise=${exercise}` : ''}`, {
      headers: { origin: `http://127.0.0.1:${httpPort}`, ...headers },
    });
    const client = new TerminalClient(ws);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
      ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    });
    return client;
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    w.forEach((f) => f());
  }

  async waitFor<T>(check: () => T | undefined | false, what: string, timeoutMs = 8000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = check();
      if (found) return found;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; output so far: ${JSON.stringify(this.output.slice(-400))}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, 100);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  /** Waits until the server output matches, then clears it. */
  async expect(pattern: RegExp): Promise<string> {
    const out = await this.waitFor(() => (pattern.test(this.output) ? this.output : undefined), String(pattern));
    this.output = '';
    return out;
  }

  message(type: string): Promise<BridgeMessage> {
    return this.waitFor(() => this.messages.find((m) => m.type === type), `a ${type} message`);
  }

  line(text: string): void {
    this.ws.send(JSON.stringify({ type: 'line', text }));
  }

  async send(text: string, reply: RegExp): Promise<string> {
    this.line(text);
    return this.expect(reply);
  }

  close(): void {
    this.ws.close();
  }
}
