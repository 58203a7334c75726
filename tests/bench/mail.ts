/**
 * SMTP and POP3 figures against a real lab server running in its own process, as a user runs
 * it (`maillab serve`): durable deliveries per second with 1 and 8 connections (10 KB
 * messages, fsync per message), POP3 RETR throughput, and the server's resident memory.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import nodemailer from 'nodemailer';

interface LabProcess {
  child: ChildProcess;
  ports: Record<string, number>;
  dataDir: string;
}

/** Starts `maillab serve` on free ports and reads its port table. */
async function startLabProcess(): Promise<LabProcess> {
  const dataDir = await mkdtemp(join(tmpdir(), 'maillab-bench-'));
  const portFlags = ['smtp', 'submission', 'submissions', 'pop3', 'pop3s', 'imap', 'imaps'].flatMap((s) => [`--${s}-port`, '0']);
  const child = spawn(process.execPath, ['bin/maillab.mjs', 'serve', '--data', dataDir, '--http-port', '0', ...portFlags], {
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  let out = '';
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('Press Ctrl+C')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`lab exited with ${code}: ${out}`)));
  });
  const ports: Record<string, number> = {};
  for (const m of out.matchAll(/^(\w+)\s+\d+\s+(\d+)\s/gm)) ports[m[1]!] = Number(m[2]);
  return { child, ports, dataDir };
}

async function rssMb(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return Math.round(kb / 102.4) / 10;
}

function message10k(n: number): Buffer {
  const line = 'The quick brown fox jumps over the lazy dog while the MTA queues mail. 0123456789\r\n';
  const body = line.repeat(Math.ceil(10_000 / line.length)).slice(0, 10_000);
  return Buffer.from(`From: bench@example.com\r\nTo: bob@example.com\r\nSubject: bench ${n}\r\nMessage-ID: <bench.${n}@example.com>\r\n\r\n${body}`);
}

/** Delivers `total` messages over `connections` pooled SMTP connections; returns messages/s. */
async function smtpRate(port: number, connections: number, total: number): Promise<number> {
  const transport = nodemailer.createTransport({ host: '127.0.0.1', port, pool: true, maxConnections: connections, maxMessages: Infinity, ignoreTLS: true });
  const started = performance.now();
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < total) {
      const n = next++;
      await transport.sendMail({ envelope: { from: 'bench@example.com', to: ['bob@example.com'] }, raw: message10k(n) });
    }
  };
  await Promise.all(Array.from({ length: connections }, worker));
  const seconds = (performance.now() - started) / 1000;
  transport.close();
  return Math.round(total / seconds);
}

/** Logs in as bob and RETRs every message over one connection; returns messages/s and MB/s. */
async function pop3Retr(port: number): Promise<{ messages: number; perSecond: number; mbPerSecond: number }> {
  const socket = connect({ port, host: '127.0.0.1' });
  let buffer = '';
  let waiter: (() => void) | undefined;
  socket.setEncoding('latin1');
  socket.on('data', (d: string) => {
    buffer += d;
    waiter?.();
  });
  const until = async (end: string): Promise<string> => {
    while (!buffer.includes(end)) await new Promise<void>((r) => (waiter = r));
    const at = buffer.indexOf(end) + end.length;
    const out = buffer.slice(0, at);
    buffer = buffer.slice(at);
    return out;
  };
  await until('\r\n');
  socket.write('USER bob\r\nPASS secret\r\n');
  await until('\r\n');
  await until('\r\n');
  socket.write('STAT\r\n');
  const count = Number(/^\+OK (\d+)/.exec(await until('\r\n'))![1]);
  let bytes = 0;
  const started = performance.now();
  for (let i = 1; i <= count; i++) {
    socket.write(`RETR ${i}\r\n`);
    bytes += (await until('\r\n.\r\n')).length;
  }
  const seconds = (performance.now() - started) / 1000;
  socket.end('QUIT\r\n');
  return { messages: count, perSecond: Math.round(count / seconds), mbPerSecond: Math.round((bytes / 1e6 / seconds) * 10) / 10 };
}

export async function benchMail(): Promise<Record<string, number>> {
  const lab = await startLabProcess();
  try {
    const rssIdle = await rssMb(lab.child.pid!);
    await smtpRate(lab.ports.smtp!, 8, 200); // warm-up: JIT, file system caches
    const one = await smtpRate(lab.ports.smtp!, 1, 1000);
    const eight = await smtpRate(lab.ports.smtp!, 8, 3000);
    const rssAfterSmtp = await rssMb(lab.child.pid!);
    const retr = await pop3Retr(lab.ports.pop3!);
    const rssAfterPop3 = await rssMb(lab.child.pid!);
    return {
      smtp_10kb_msgs_per_s_1_conn: one,
      smtp_10kb_msgs_per_s_8_conn: eight,
      pop3_retr_messages: retr.messages,
      pop3_retr_msgs_per_s: retr.perSecond,
      pop3_retr_mb_per_s: retr.mbPerSecond,
      server_rss_mb_idle: rssIdle,
      server_rss_mb_after_smtp: rssAfterSmtp,
      server_rss_mb_after_pop3: rssAfterPop3,
    };
  } finally {
    lab.child.kill('SIGTERM');
    await new Promise((r) => lab.child.once('exit', r));
    await rm(lab.dataDir, { recursive: true, force: true });
  }
}
