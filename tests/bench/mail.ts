/**
 * SMTP and POP3 figures against a real lab server running in its own process, as a user runs
 * it (`maillab serve`): durable deliveries per second with 1 and 8 connections (10 KB
 * messages to port 25, so each one is also checked for SPF, DKIM and DMARC, then written with
 * an fsync), POP3 RETR throughput, and the server's resident memory. The SMTP load comes from
 * smtpSource, a lean pipelining client like Postfix's smtp-source: the two cores are shared
 * with the client, and a heavier client would measure itself.
 */
import { readdir } from 'node:fs/promises';
import { connect } from 'node:net';
import { join } from 'node:path';
import { startLabProcess } from '../helpers/labProcess.js';
import { smtpSource } from './smtpSource.js';

function message10k(n: number): Buffer {
  const line = 'The quick brown fox jumps over the lazy dog while the MTA queues mail. 0123456789\r\n';
  const body = line.repeat(Math.ceil(10_000 / line.length)).slice(0, 10_000);
  return Buffer.from(`From: bench@example.com\r\nTo: bob@example.com\r\nSubject: bench ${n}\r\nMessage-ID: <bench.${n}@example.com>\r\n\r\n${body}`);
}

/** Delivers `total` messages to bob over `connections` parallel SMTP sessions; returns messages/s. */
function smtpRate(port: number, connections: number, total: number): Promise<number> {
  return smtpSource({ port, connections, total, from: 'bench@example.com', to: 'bob@example.com', message: message10k });
}

/** Messages in bob's INBOX on disk: every 250 must have left exactly one file in new/. */
async function bobsNewMessages(dataDir: string): Promise<number> {
  return (await readdir(join(dataDir, 'sandboxes', 'default', 'vhosts', 'example.com', 'bob', 'new'))).length;
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
    const rssIdle = await lab.rssMb();
    const before = await bobsNewMessages(lab.dataDir);
    await smtpRate(lab.ports.smtp!, 8, 200); // warm-up: JIT, file system caches
    const one = await smtpRate(lab.ports.smtp!, 1, 1000);
    const eight = await smtpRate(lab.ports.smtp!, 8, 3000);
    const delivered = (await bobsNewMessages(lab.dataDir)) - before;
    if (delivered !== 4200) throw new Error(`the server said 250 to 4200 messages but ${delivered} are in bob's new/`);
    const rssAfterSmtp = await lab.rssMb();
    const retr = await pop3Retr(lab.ports.pop3!);
    const rssAfterPop3 = await lab.rssMb();
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
    await lab.stop();
  }
}
