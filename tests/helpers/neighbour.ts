/**
 * The learner next door, for attack tests: keeps sending whole SMTP transactions to a lab port
 * (or through a browser terminal) while an attack runs, and records how long each reply took
 * and whether every message was accepted. Also a watch on the event loop of this process (the
 * lab under test runs in it), with perf_hooks.monitorEventLoopDelay.
 */
import { readFileSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { runInNewContext } from 'node:vm';
import { setFlagsFromString } from 'node:v8';
import WebSocket from 'ws';
import { RawClient } from './rawSocket.js';

export interface NeighbourReport {
  /**
   * Line-to-reply times in ms, for the lines a server answers from memory (MAIL, RCPT, DATA),
   * less the time this process's event-loop thread spent waiting for a CPU meanwhile (Linux
   * schedstat): on a machine shared with other busy work that wait is the machine's, not the
   * lab's. `rawLatencies` keeps the times as measured.
   */
  latencies: number[];
  rawLatencies: number[];
  /**
   * Times from the final dot to "250 queued": the server answers only once the message is
   * on disk (fsync), so these also wait for the disk, which every writer on the machine shares.
   */
  commitLatencies: number[];
  /** Messages the server accepted (250 after the final dot), with their subjects. */
  accepted: string[];
  /** Replies that were not what a working server says, and errors. */
  failures: string[];
}

export interface Neighbour {
  stop(): Promise<NeighbourReport>;
}

type Send = (line: string, reply: RegExp) => Promise<string>;

/** One SMTP transaction after another, with a short pause between them, until stopped. */
function transactions(send: Send, close: () => void, label: string): Neighbour {
  const report: NeighbourReport = { latencies: [], rawLatencies: [], commitLatencies: [], accepted: [], failures: [] };
  let stopping = false;
  const timed = async (line: string, reply: RegExp, into = report.latencies): Promise<string> => {
    const started = performance.now();
    const waited = cpuWaitMs();
    const text = await send(line, reply);
    const took = performance.now() - started;
    if (into === report.latencies) report.rawLatencies.push(took);
    into.push(Math.max(0, took - (cpuWaitMs() - waited)));
    return text;
  };
  const loop = (async () => {
    for (let n = 0; !stopping; n++) {
      try {
        const subject = `${label} ${n}`;
        await timed('MAIL FROM:<alice@example.com>', /^\d{3} .*\r\n/m).then((r) => expectCode(r, '250', 'MAIL'));
        await timed('RCPT TO:<alice@example.com>', /^\d{3} .*\r\n/m).then((r) => expectCode(r, '250', 'RCPT'));
        await timed('DATA', /^\d{3} .*\r\n/m).then((r) => expectCode(r, '354', 'DATA'));
        const reply = await timed(`Subject: ${subject}\r\n\r\nfrom the learner next door\r\n.`, /^\d{3} .*\r\n/m, report.commitLatencies);
        expectCode(reply, '250', 'end of DATA');
        report.accepted.push(subject);
      } catch (err) {
        report.failures.push((err as Error).message);
        await send('RSET', /^\d{3} .*\r\n/m).catch(() => undefined);
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  })();
  return {
    async stop() {
      stopping = true;
      await loop;
      close();
      return report;
    },
  };
}

function expectCode(reply: string, code: string, step: string): void {
  if (!reply.startsWith(code)) throw new Error(`${step}: ${reply.trim()}`);
}

/** The neighbour on a raw SMTP connection (port 25 of the lab). */
export async function smtpNeighbour(port: number, label = 'neighbour'): Promise<Neighbour> {
  const c = await RawClient.open(port);
  await c.until(/^220 /m);
  await c.command('EHLO neighbour.test', /^250 [^\r]*\r\n/m);
  return transactions((line, reply) => c.command(line, reply, 10_000), () => c.close(), label);
}

/** The neighbour in a browser terminal (the bridge WebSocket), as a learner types. */
export async function terminalNeighbour(httpPort: number, cookie?: string, label = 'neighbour'): Promise<Neighbour> {
  const origin = `http://127.0.0.1:${httpPort}`;
  const ws = new WebSocket(`ws://127.0.0.1:${httpPort}/api/terminal?service=smtp`, { headers: { origin, ...(cookie ? { cookie } : {}) } });
  let output = '';
  let wake: (() => void) | undefined;
  ws.on('message', (data) => {
    const msg = JSON.parse(data.toString()) as { type: string; text?: string };
    if (msg.type === 'data') output += msg.text;
    wake?.();
  });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  const until = async (pattern: RegExp): Promise<string> => {
    const deadline = Date.now() + 10_000;
    while (!pattern.test(output)) {
      if (Date.now() > deadline) throw new Error(`no reply matching ${pattern}; got ${JSON.stringify(output.slice(-200))}`);
      await new Promise<void>((r) => {
        wake = r;
        setTimeout(r, 100);
      });
    }
    const text = output;
    output = '';
    return text;
  };
  await until(/^220 /m);
  const send: Send = (line, reply) => {
    for (const l of line.split('\r\n')) ws.send(JSON.stringify({ type: 'line', text: l }));
    return until(reply);
  };
  await send('EHLO neighbour.test', /^250 [^\r]*\r\n/m);
  return transactions(send, () => ws.close(), label);
}

export interface LoopWatch {
  /** The longest event-loop delay seen (monitorEventLoopDelay): blocking plus waiting for a CPU. */
  worstDelayMs(): number;
  /**
   * The most CPU time the event-loop thread spent inside one delay: how long it was really
   * kept busy, whatever else the machine was running (from the thread's schedstat on Linux;
   * the delay itself elsewhere).
   */
  worstBusyMs(): number;
  stop(): void;
}

/** Fields of this process's main-thread schedstat: [ms on a CPU, ms waiting for one]; zeros where there is none. */
function schedstat(): [number, number] {
  try {
    const [run, wait] = readFileSync(`/proc/self/task/${process.pid}/schedstat`, 'utf8').split(' ');
    return [Number(run) / 1e6, Number(wait) / 1e6];
  } catch {
    return [0, 0];
  }
}

/** Time this process's main thread (the lab's and the test's event loop) has spent waiting for a CPU, in ms. */
export const cpuWaitMs = (): number => schedstat()[1];

/**
 * CPU time this process's event-loop thread has used, in ms: what a burst of requests cost the
 * lab under test, however many other processes share the machine (all threads' time where
 * there is no schedstat).
 */
export function eventLoopCpuMs(): number {
  const [run] = schedstat();
  if (run) return run;
  const used = process.cpuUsage();
  return (used.user + used.system) / 1000;
}

/** Watches the event loop of this process, where the lab under test runs. */
export function watchEventLoop(): LoopWatch {
  const h = monitorEventLoopDelay({ resolution: 5 });
  h.enable();
  const cpuMs = (): number | undefined => schedstat()[0] || undefined;
  let lastAt = performance.now();
  let lastCpu = cpuMs();
  let worstBusy = 0;
  const tick = setInterval(() => {
    const at = performance.now();
    const cpu = cpuMs();
    const busy = cpu !== undefined && lastCpu !== undefined ? cpu - lastCpu : at - lastAt;
    // Only a late tick counts: an on-time one had the loop free.
    if (at - lastAt > 20) worstBusy = Math.max(worstBusy, Math.min(busy, at - lastAt));
    lastAt = at;
    lastCpu = cpu;
  }, 5);
  return {
    worstDelayMs: () => h.max / 1e6,
    worstBusyMs: () => worstBusy,
    stop: () => {
      h.disable();
      clearInterval(tick);
    },
  };
}

/** A full garbage collection (V8's gc() made reachable without --expose-gc). */
export function collectGarbage(): void {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
}

/**
 * The memory the process keeps, not what is passing through it: each figure is the least of
 * several samples over about a second, each taken after a full collection. A reply still being
 * written or a buffer whose release waits for a later collection raises one sample; memory
 * really kept raises them all.
 */
export async function keptMemory(samples = 8, gapMs = 125): Promise<NodeJS.MemoryUsage> {
  let least: NodeJS.MemoryUsage | undefined;
  for (let i = 0; i < samples; i++) {
    if (i > 0) await new Promise((r) => setTimeout(r, gapMs));
    collectGarbage();
    const now = process.memoryUsage();
    least = least ? (Object.fromEntries(Object.entries(now).map(([k, v]) => [k, Math.min(v, least![k as keyof NodeJS.MemoryUsage])])) as unknown as NodeJS.MemoryUsage) : now;
  }
  return least!;
}

export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? 0;
}

/**
 * What the learner next door must not notice, as bystander.ts's `unhurt` judges it: no
 * failed transaction, the lab's event loop never busy for 100 ms at a stretch, 95% of replies
 * within 200 ms and none over a second (the rest may wait for the disk or a CPU on a machine
 * shared with other work). Returns the problems found, none when unhurt.
 */
export function neighbourProblems(report: NeighbourReport, loopBusyMs: number): string[] {
  const problems: string[] = [];
  if (report.failures.length) problems.push(`failures: ${report.failures.slice(0, 3).join('; ')}`);
  if (report.accepted.length === 0) problems.push('no transaction finished');
  if (loopBusyMs >= 100) problems.push(`event loop busy for ${Math.round(loopBusyMs)} ms`);
  const p95 = percentile(report.latencies, 95);
  if (p95 >= 200) problems.push(`95% of replies within ${Math.round(p95)} ms`);
  const worst = Math.max(...report.latencies, ...report.commitLatencies);
  if (worst >= 1000) problems.push(`a reply took ${Math.round(worst)} ms`);
  return problems;
}
