/**
 * One learner of the hostile-neighbour benchmark (neighbour.ts): types SMTP transactions in a
 * browser terminal (the bridge WebSocket), pausing up to a second before each line, and
 * records how long each line waited for its reply. A failed transaction starts over on a
 * fresh terminal, as a learner would.
 */
import WebSocket from 'ws';

export interface Sample {
  at: number;
  ms: number;
}

/** One learner typing SMTP transactions through the bridge, with a pause before each line. */
export class TypingLearner {
  readonly samples: Sample[] = [];
  readonly failures: number[] = [];
  private ws: WebSocket | undefined;
  private output = '';
  private wake: (() => void) | undefined;
  private stopped = false;

  constructor(
    private readonly httpPort: number,
    private readonly cookie: string,
    private readonly n: number,
  ) {}

  async start(): Promise<void> {
    await this.connect();
    void this.loop();
  }

  stop(): void {
    this.stopped = true;
    this.ws?.close();
  }

  private async connect(): Promise<void> {
    const origin = `http://127.0.0.1:${this.httpPort}`;
    const ws = new WebSocket(`ws://127.0.0.1:${this.httpPort}/api/terminal?service=smtp`, { headers: { origin, cookie: this.cookie } });
    ws.on('message', (data) => {
      const msg = JSON.parse(data.toString()) as { type: string; text?: string };
      if (msg.type === 'data') this.output += msg.text;
      this.wake?.();
    });
    ws.on('close', () => this.wake?.());
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    this.ws = ws;
    this.output = '';
    await this.reply(/^220 .*\r\n/m);
    await this.step('EHLO learner.test', /^250 [^\r]*\r\n/m);
  }

  private async reply(pattern: RegExp): Promise<string> {
    const deadline = Date.now() + 10_000;
    while (!pattern.test(this.output)) {
      if (Date.now() > deadline || this.ws?.readyState !== WebSocket.OPEN) throw new Error(`no reply matching ${pattern}`);
      await new Promise<void>((r) => {
        this.wake = r;
        setTimeout(r, 200);
      });
    }
    const text = this.output;
    this.output = '';
    return text;
  }

  private async step(line: string, pattern: RegExp, expected?: string): Promise<void> {
    await new Promise((r) => setTimeout(r, Math.random() * 1000));
    const at = performance.now();
    for (const l of line.split('\r\n')) this.ws!.send(JSON.stringify({ type: 'line', text: l }));
    const text = await this.reply(pattern);
    this.samples.push({ at, ms: performance.now() - at });
    if (expected && !text.startsWith(expected)) throw new Error(`${line.slice(0, 20)}: ${text.trim()}`);
  }

  private async loop(): Promise<void> {
    for (let i = 0; !this.stopped; i++) {
      try {
        await this.step('MAIL FROM:<alice@example.com>', /^\d{3} .*\r\n/m, '250');
        await this.step('RCPT TO:<bob@example.com>', /^\d{3} .*\r\n/m, '250');
        await this.step('DATA', /^\d{3} .*\r\n/m, '354');
        await this.step(`Subject: neighbour ${this.n} ${i}\r\n\r\ntyped while someone attacks\r\n.`, /^\d{3} .*\r\n/m, '250');
      } catch {
        if (this.stopped) return;
        this.failures.push(performance.now());
        // Start over on a fresh terminal, as a learner would.
        this.ws?.close();
        await this.connect().catch(() => new Promise((r) => setTimeout(r, 1000)));
      }
    }
  }
}
