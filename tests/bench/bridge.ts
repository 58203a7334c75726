/**
 * Browser-terminal bridge under load: 200 concurrent terminals (WebSockets), each running a
 * whole SMTP transaction line by line through the bridge into port 25 (so every message is
 * checked for SPF, DKIM and DMARC and written to the Maildir with an fsync). Measures the time
 * from a sent line to its whole reply (p50, p99), and the server's memory per idle terminal.
 *
 * Two ways of typing:
 *  - typing: the 200 learners all work at once, each pausing 0-1 s before a line (faster than
 *    people type: a class of 200 sends about 300 lines a second). This is the figure the
 *    terminal's feel depends on.
 *  - burst: all 200 send the same line in the same millisecond, 200 messages ending at once:
 *    the worst case, where the last reply waits for the work of the 199 before it.
 */
import WebSocket from 'ws';
import { startLabProcess, type LabProcess } from '../helpers/labProcess.js';

const SESSIONS = 200;

interface Terminal {
  ws: WebSocket;
  /** Resolves with the output when it matches. */
  next(pattern: RegExp): Promise<void>;
}

function openTerminal(lab: LabProcess, service: string): Promise<Terminal> {
  const ws = new WebSocket(`ws://127.0.0.1:${lab.httpPort}/api/terminal?service=${service}`, { headers: { origin: `http://127.0.0.1:${lab.httpPort}` } });
  let output = '';
  let wanted: { pattern: RegExp; resolve: () => void } | undefined;
  ws.on('message', (data) => {
    const msg = JSON.parse(data.toString()) as { type: string; text?: string };
    if (msg.type !== 'data') return;
    output += msg.text;
    if (wanted && wanted.pattern.test(output)) {
      output = '';
      const w = wanted;
      wanted = undefined;
      w.resolve();
    }
  });
  const terminal: Terminal = {
    ws,
    next(pattern) {
      return new Promise((resolve) => {
        if (pattern.test(output)) {
          output = '';
          return resolve();
        }
        wanted = { pattern, resolve };
      });
    },
  };
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(terminal));
    ws.once('error', reject);
  });
}

function percentile(sorted: number[], p: number): number {
  return Math.round(sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))]! * 100) / 100;
}

/** A learner thinking before the next line. */
const pause = (): Promise<void> => new Promise((r) => setTimeout(r, Math.random() * 1000));

/** Each terminal runs one SMTP transaction; resolves to every line-to-reply time, in ms. */
async function transactions(terminals: Terminal[], typing: boolean): Promise<number[]> {
  const latencies: number[] = [];
  const step = async (t: Terminal, line: string, reply: RegExp): Promise<void> => {
    if (typing) await pause();
    const sent = performance.now();
    t.ws.send(JSON.stringify({ type: 'line', text: line }));
    await t.next(reply);
    latencies.push(performance.now() - sent);
  };
  await Promise.all(
    terminals.map(async (t, i) => {
      await step(t, 'EHLO bench.test', /^250 .*\r\n/m);
      await step(t, 'MAIL FROM:<alice@example.com>', /^250 .*\r\n/m);
      await step(t, 'RCPT TO:<bob@example.com>', /^250 .*\r\n/m);
      await step(t, 'DATA', /^354 .*\r\n/m);
      for (const line of [`Subject: bridge bench ${i}`, '', 'typed through the bridge']) t.ws.send(JSON.stringify({ type: 'line', text: line }));
      await step(t, '.', /^250 .*\r\n/m);
      await step(t, 'QUIT', /^221 .*\r\n/m);
    }),
  );
  terminals.forEach((t) => t.ws.close());
  return latencies.sort((a, b) => a - b);
}

async function openTerminals(lab: LabProcess): Promise<Terminal[]> {
  const terminals = await Promise.all(Array.from({ length: SESSIONS }, () => openTerminal(lab, 'smtp')));
  await Promise.all(terminals.map((t) => t.next(/^220 .*\r\n/m)));
  return terminals;
}

export async function benchBridge(): Promise<Record<string, number>> {
  const lab = await startLabProcess(['--max-terminals', String(SESSIONS * 2)]);
  try {
    const before = await lab.rssMb();
    const terminals = await openTerminals(lab);
    await new Promise((r) => setTimeout(r, 500));
    const idle = await lab.rssMb();
    const typing = await transactions(terminals, true);
    const burst = await transactions(await openTerminals(lab), false);
    return {
      sessions: SESSIONS,
      typing_line_to_reply_ms_p50: percentile(typing, 50),
      typing_line_to_reply_ms_p99: percentile(typing, 99),
      burst_line_to_reply_ms_p50: percentile(burst, 50),
      burst_line_to_reply_ms_p99: percentile(burst, 99),
      server_rss_mb_before: before,
      server_rss_mb_with_idle_sessions: idle,
      server_rss_kb_per_idle_session: Math.round(((idle - before) * 1024) / SESSIONS),
    };
  } finally {
    await lab.stop();
  }
}
