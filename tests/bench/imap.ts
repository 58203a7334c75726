/**
 * IMAP figures on a 5,000-message mailbox, in-process (startTestLab): SELECT and
 * `FETCH 1:* (UID FLAGS ENVELOPE)` latency, `UID FETCH n BODY[]` throughput over one
 * connection, and resident memory with 100 sessions idling in IDLE. The mailbox is filled
 * through the store's own API, as a delivery would.
 */
import { connect, type Socket } from 'node:net';
import { startTestLab } from '../helpers/lab.js';

const MAILBOX_SIZE = 5000;
const IDLERS = 100;

/** A lean IMAP client: sends a tagged command and collects the reply up to its tagged line. */
class Wire {
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

  static async open(port: number): Promise<Wire> {
    const socket = connect({ port, host: '127.0.0.1' });
    await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    const wire = new Wire(socket);
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
}

function message(n: number): Buffer {
  const body = `Message ${n} of the benchmark mailbox.\r\n`.repeat(30);
  const date = new Date(Date.UTC(2026, 8, 1) + n * 60_000).toUTCString().replace('GMT', '+0000');
  return Buffer.from(
    `From: "Sender ${n % 97}" <sender${n % 97}@example.com>\r\nTo: Alice <alice@example.com>\r\nCc: bob@example.com\r\n` +
      `Subject: Benchmark message ${n}\r\nDate: ${date}\r\nMessage-ID: <bench.${n}@example.com>\r\nMIME-Version: 1.0\r\n` +
      `Content-Type: text/plain; charset=us-ascii\r\n\r\n${body}`,
  );
}

const ms = (start: number): number => Math.round((performance.now() - start) * 10) / 10;
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

export async function benchImap(): Promise<Record<string, number>> {
  const lab = await startTestLab();
  const results: Record<string, number> = {};
  try {
    const sandbox = await lab.sandboxes.get('default');
    const alice = sandbox.userByAddress('alice@example.com')!;
    const inbox = sandbox.mailbox(alice).inbox;
    const have = (await inbox.sync()).length;
    for (let n = have; n < MAILBOX_SIZE; n++) await inbox.deliver(message(n));
    results.messages = (await inbox.sync()).length;

    const port = lab.port('imap');
    const c = await Wire.open(port);
    await c.command('LOGIN alice@example.com secret');

    // The first read-write SELECT also moves the 5,000 new/ messages to cur/ (\Recent).
    let t = performance.now();
    await c.command('SELECT INBOX');
    results.select_first_ms = ms(t);
    const selects: number[] = [];
    for (let i = 0; i < 5; i++) {
      t = performance.now();
      await c.command('SELECT INBOX');
      selects.push(ms(t));
    }
    results.select_ms = median(selects);

    // Cold: every message is read and parsed once; warm: the cached MIME view is reused.
    t = performance.now();
    const listing = await c.command('FETCH 1:* (UID FLAGS ENVELOPE)');
    results.fetch_envelopes_cold_ms = ms(t);
    if ((listing.match(/ FETCH \(/g) ?? []).length !== MAILBOX_SIZE) throw new Error('FETCH 1:* did not return every message');
    const fetches: number[] = [];
    for (let i = 0; i < 5; i++) {
      t = performance.now();
      await c.command('FETCH 1:* (UID FLAGS ENVELOPE)');
      fetches.push(ms(t));
    }
    results.fetch_envelopes_ms = median(fetches);

    // One message at a time, request and reply, as a client opening messages does.
    const count = 2000;
    let bytes = 0;
    t = performance.now();
    for (let i = 0; i < count; i++) {
      const uid = 1 + ((i * 7919) % MAILBOX_SIZE);
      bytes += (await c.command(`UID FETCH ${uid} BODY.PEEK[]`)).length;
    }
    const seconds = (performance.now() - t) / 1000;
    results.uid_fetch_body_per_s = Math.round(count / seconds);
    results.uid_fetch_body_mb_per_s = Math.round((bytes / seconds / 1e6) * 10) / 10;

    // 100 sessions selected and idling; then one delivery must reach all of them.
    global.gc?.();
    const rssBefore = process.memoryUsage().rss;
    const idlers: Wire[] = [];
    for (let i = 0; i < IDLERS; i++) {
      const w = await Wire.open(port);
      await w.command('LOGIN alice@example.com secret');
      await w.command('SELECT INBOX');
      w.socket.write('idle IDLE\r\n');
      await w.until(/\+ [^\r\n]*\r\n$/);
      idlers.push(w);
    }
    await new Promise((r) => setTimeout(r, 500));
    global.gc?.();
    const rss = process.memoryUsage().rss;
    results.rss_with_100_idle_mb = Math.round(rss / 1e6);
    results.rss_added_by_100_idle_mb = Math.round((rss - rssBefore) / 1e6);
    t = performance.now();
    await inbox.deliver(message(MAILBOX_SIZE));
    await Promise.all(idlers.map((w) => w.until(/\* \d+ RECENT\r\n$/)));
    results.idle_fanout_ms = ms(t);
    for (const w of idlers) w.socket.destroy();
    c.socket.destroy();
  } finally {
    await lab.dispose();
  }
  return results;
}

// Run on its own: node --import tsx tests/bench/imap.ts
if (import.meta.url === `file://${process.argv[1]}`) {
  process.stdout.write(JSON.stringify(await benchImap(), null, 2) + '\n');
}
