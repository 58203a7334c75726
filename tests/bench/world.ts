/**
 * Mail-world figures against a lab server in its own process: DNS queries per second over UDP
 * (64 in flight), end-to-end relay latency alice -> carol (submission, queue, MX lookup, SMTP
 * to the other MTA, Maildir), and queue throughput: 1,000 messages deferred while
 * mail.otherdomain.com is stopped, then drained once it runs again.
 */
import { createSocket } from 'node:dgram';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import nodemailer from 'nodemailer';
import { buildQuery } from '../../lab-server/src/dns/wire.js';
import { startLabProcess, type LabProcess } from '../helpers/labProcess.js';
import { NET } from '../helpers/network.js';

const QUESTIONS: Array<[string, string]> = [
  ['example.com', 'MX'],
  ['mail.example.com', 'A'],
  ['example.com', 'TXT'],
  ['_dmarc.example.com', 'TXT'],
  [NET.ptrName(NET.mail), 'PTR'],
  ['nothere.example.com', 'A'],
];

/** UDP queries answered per second, with `inFlight` outstanding at a time, for `seconds`. */
async function dnsRate(port: number, seconds: number, inFlight: number): Promise<number> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const queries = QUESTIONS.map(([name, type], i) => buildQuery(name, type, { id: i }));
  let answered = 0;
  let sent = 0;
  const deadline = performance.now() + seconds * 1000;
  const started = performance.now();
  await new Promise<void>((resolve) => {
    let timer: NodeJS.Timeout | undefined;
    const finish = (): void => {
      clearInterval(timer);
      resolve();
    };
    const send = (): void => {
      socket.send(queries[sent++ % queries.length]!, port, '127.0.0.1');
    };
    socket.on('message', () => {
      answered++;
      if (performance.now() < deadline) send();
      else if (answered >= sent) finish();
    });
    // A lost datagram must not stall the measurement.
    timer = setInterval(() => {
      if (performance.now() >= deadline + 1000) finish();
      else if (performance.now() < deadline && sent - answered < inFlight / 2) for (let i = 0; i < inFlight / 2; i++) send();
    }, 200);
    for (let i = 0; i < inFlight; i++) send();
  });
  const elapsed = (performance.now() - started) / 1000;
  socket.close();
  return Math.round(answered / elapsed);
}

function carolNew(lab: LabProcess): string {
  return join(lab.dataDir, 'sandboxes', 'default', 'vhosts', 'otherdomain.com', 'carol', 'new');
}

async function count(dir: string): Promise<number> {
  return (await readdir(dir)).length;
}

/** Waits until `dir` holds `wanted` files, looking every `pollMs` (the bench shares the CPUs with the lab). */
async function waitForCount(dir: string, wanted: number, timeoutMs: number, pollMs = 1): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while ((await count(dir)) < wanted) {
    if (Date.now() > deadline) throw new Error(`only ${await count(dir)} of ${wanted} messages arrived in time`);
    await new Promise((r) => setTimeout(r, pollMs));
  }
}

function submission(lab: LabProcess, connections: number) {
  return nodemailer.createTransport({
    host: '127.0.0.1',
    port: lab.ports.submission!,
    secure: false,
    requireTLS: true,
    tls: { rejectUnauthorized: false },
    auth: { user: 'alice@example.com', pass: 'secret' },
    pool: true,
    maxConnections: connections,
    maxMessages: Infinity,
  });
}

const mail = (n: number) => ({ from: 'alice@example.com', to: 'carol@otherdomain.com', subject: `world bench ${n}`, text: `Message ${n} across the lab.\n`.repeat(20) });

/** Milliseconds from submitting to the message being in carol's Maildir, one at a time. */
async function relayLatency(lab: LabProcess, samples: number): Promise<{ median: number; p95: number }> {
  const transport = submission(lab, 1);
  const dir = carolNew(lab);
  const times: number[] = [];
  for (let i = 0; i < samples + 3; i++) {
    const before = await count(dir);
    const started = performance.now();
    await transport.sendMail(mail(i));
    await waitForCount(dir, before + 1, 10_000);
    if (i >= 3) times.push(performance.now() - started); // the first few warm up TLS and the JIT
  }
  transport.close();
  times.sort((a, b) => a - b);
  return { median: Math.round(times[Math.floor(times.length / 2)]! * 10) / 10, p95: Math.round(times[Math.floor(times.length * 0.95)]! * 10) / 10 };
}

async function api(lab: LabProcess, method: string, path: string): Promise<Record<string, unknown>> {
  const res = await fetch(`http://127.0.0.1:${lab.httpPort}${path}`, { method });
  return (await res.json()) as Record<string, unknown>;
}

/** 1,000 messages queued while the destination is down, then delivered: submission and drain rates. */
async function queueThroughput(lab: LabProcess, total: number): Promise<{ submitPerSecond: number; drainPerSecond: number }> {
  const dir = carolNew(lab);
  const before = await count(dir);
  await api(lab, 'POST', '/api/world/mtas/otherdomain.com/stop');
  const transport = submission(lab, 8);
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (next < total) await transport.sendMail(mail(next++));
    }),
  );
  const submitSeconds = (performance.now() - started) / 1000;
  transport.close();
  // Wait until every first attempt has been deferred.
  for (;;) {
    const q = (await api(lab, 'GET', '/api/queue')) as { entries: Array<{ attempts: number; active: boolean }> };
    if (q.entries.length >= total && q.entries.every((e) => e.attempts >= 1 && !e.active)) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  const drainStarted = performance.now();
  await api(lab, 'POST', '/api/world/mtas/otherdomain.com/start');
  await api(lab, 'POST', '/api/queue/flush');
  await waitForCount(dir, before + total, 300_000, 50);
  const drainSeconds = (performance.now() - drainStarted) / 1000;
  return { submitPerSecond: Math.round(total / submitSeconds), drainPerSecond: Math.round(total / drainSeconds) };
}

export async function benchWorld(): Promise<Record<string, number>> {
  const lab = await startLabProcess();
  try {
    const dnsQueriesPerSecond = await dnsRate(lab.ports.dns!, 3, 64);
    const latency = await relayLatency(lab, 30);
    const queue = await queueThroughput(lab, 1000);
    return {
      dnsQueriesPerSecond,
      relayLatencyMedianMs: latency.median,
      relayLatencyP95Ms: latency.p95,
      queue1000SubmitPerSecond: queue.submitPerSecond,
      queue1000DrainPerSecond: queue.drainPerSecond,
      serverRssMb: await lab.rssMb(),
    };
  } finally {
    await lab.stop();
  }
}
