/**
 * The mailbox figures of issue 15, taken the same way from any IMAP/POP3 server over a Maildir
 * (the lab, or a private Dovecot for comparison): 5,000 messages dropped into new/ as an MDA
 * would, then the first SELECT and `FETCH 1:* (UID FLAGS ENVELOPE)`, the same warm, the same
 * after a restart of the server, `UID FETCH n BODY.PEEK[]` and POP3 RETR throughput, each with
 * the server's CPU time (which a busy machine skews far less than wall time), and the memory
 * 100 sessions idling in IDLE add.
 */
import { chown, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { join } from 'node:path';
import { ImapWire } from './imapWire.js';

export const MAILBOX_SIZE = 5000;
const IDLERS = 100;

export interface ServerUnderTest {
  imapPort(): number;
  pop3Port(): number;
  /** The INBOX Maildir of the user the figures log in as (alice@example.com / secret). */
  inboxDir: string;
  /** Owner the server needs on message files, if any. */
  owner?: { uid: number; gid: number };
  /** Stops and starts the server on the same data. */
  restart(): Promise<void>;
  /** The server's processes now (for its memory). */
  pids(): Promise<number[]>;
}

/** Proportional set size of processes, in bytes: shared pages count once over all sharers. */
export async function pss(pids: readonly number[]): Promise<number> {
  let total = 0;
  for (const pid of pids) {
    try {
      total += Number(/^Pss:\s+(\d+)/m.exec(await readFile(`/proc/${pid}/smaps_rollup`, 'utf8'))?.[1] ?? 0) * 1024;
    } catch {
      // gone meanwhile
    }
  }
  return total;
}

/**
 * CPU time (all threads) the processes have used, in microseconds. Throughput on a shared
 * machine depends on who else wants the CPU; the server's own CPU per operation does not.
 * Read from each thread's schedstat (nanoseconds), not /proc/pid/stat (10 ms ticks, too coarse
 * for a 30 ms FETCH).
 */
export async function cpuMicros(pids: readonly number[]): Promise<number> {
  let total = 0;
  for (const pid of pids) {
    try {
      for (const task of await readdir(`/proc/${pid}/task`)) {
        total += Number((await readFile(`/proc/${pid}/task/${task}/schedstat`, 'utf8')).split(' ')[0]) / 1000;
      }
    } catch {
      // gone meanwhile
    }
  }
  return total;
}

/** A message as a Maildir keeps it: LF line ends. */
export function benchMessage(n: number): Buffer {
  const body = `Message ${n} of the benchmark mailbox.\n`.repeat(30);
  const date = new Date(Date.UTC(2026, 8, 1) + n * 60_000).toUTCString().replace('GMT', '+0000');
  return Buffer.from(
    `From: "Sender ${n % 97}" <sender${n % 97}@example.com>\nTo: Alice <alice@example.com>\nCc: bob@example.com\n` +
      `Subject: Benchmark message ${n}\nDate: ${date}\nMessage-ID: <bench.${n}@example.com>\nMIME-Version: 1.0\n` +
      `Content-Type: text/plain; charset=us-ascii\n\n${body}`,
  );
}

/** Writes messages straight into new/, named as Dovecot's deliver names them (S= and W= sizes). */
export async function dropIntoNew(server: ServerUnderTest, count: number, first = 0): Promise<void> {
  const dir = join(server.inboxDir, 'new');
  await mkdir(dir, { recursive: true });
  const now = Math.floor(Date.now() / 1000);
  for (let n = first; n < first + count; n++) {
    const data = benchMessage(n);
    const lines = data.toString('latin1').split('\n').length - 1;
    const path = join(dir, `${now}.M${n}P${process.pid}Q${n}.bench,S=${data.length},W=${data.length + lines}`);
    await writeFile(path, data);
    if (server.owner) await chown(path, server.owner.uid, server.owner.gid);
  }
}

const ms = (start: number): number => Math.round((performance.now() - start) * 10) / 10;
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function timed(c: ImapWire, command: string): Promise<{ ms: number; reply: string }> {
  const t = performance.now();
  const reply = await c.command(command);
  return { ms: ms(t), reply };
}

/** SELECT and FETCH ENVELOPE, each with its wall time and the server's CPU time (all its threads or processes). */
async function selectAndFetch(server: ServerUnderTest, results: Record<string, number>, suffix: string): Promise<ImapWire> {
  const c = await ImapWire.open(server.imapPort());
  await c.command('LOGIN alice@example.com secret');
  const pids = await server.pids();
  let cpu = await cpuMicros(pids);
  const cpuSince = async (): Promise<number> => {
    const now = await cpuMicros(pids);
    const used = Math.round((now - cpu) / 100) / 10;
    cpu = now;
    return used;
  };
  results[`select_${suffix}_ms`] = (await timed(c, 'SELECT INBOX')).ms;
  results[`select_${suffix}_server_cpu_ms`] = await cpuSince();
  const fetch = await timed(c, 'FETCH 1:* (UID FLAGS ENVELOPE)');
  results[`fetch_envelopes_${suffix}_server_cpu_ms`] = await cpuSince();
  if ((fetch.reply.match(/ FETCH \(/g) ?? []).length < MAILBOX_SIZE) throw new Error('FETCH 1:* did not return every message');
  results[`fetch_envelopes_${suffix}_ms`] = fetch.ms;
  return c;
}

/** RETRs every message of the maildrop one by one over one POP3 session. */
async function pop3Retr(port: number, pids: () => Promise<number[]>): Promise<{ perSecond: number; mbPerSecond: number; cpuMicros: number }> {
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
  socket.write('USER alice@example.com\r\n');
  await until('\r\n');
  socket.write('PASS secret\r\n');
  if (!(await until('\r\n')).startsWith('+OK')) throw new Error('POP3 login failed');
  socket.write('STAT\r\n');
  const count = Number(/^\+OK (\d+)/.exec(await until('\r\n'))![1]);
  if (count < MAILBOX_SIZE) throw new Error(`POP3 STAT says ${count} messages`);
  let bytes = 0;
  const serverPids = await pids();
  const cpuBefore = await cpuMicros(serverPids);
  const started = performance.now();
  for (let i = 1; i <= count; i++) {
    socket.write(`RETR ${i}\r\n`);
    bytes += (await until('\r\n.\r\n')).length;
  }
  const seconds = (performance.now() - started) / 1000;
  const cpu = (await cpuMicros(serverPids)) - cpuBefore;
  socket.write('QUIT\r\n');
  await until('\r\n');
  socket.destroy();
  return { perSecond: Math.round(count / seconds), mbPerSecond: Math.round((bytes / 1e6 / seconds) * 10) / 10, cpuMicros: Math.round(cpu / count) };
}

export async function mailboxFigures(server: ServerUnderTest): Promise<Record<string, number>> {
  const results: Record<string, number> = {};
  await dropIntoNew(server, MAILBOX_SIZE);

  // First: the server has never seen these messages (a read-write SELECT also claims \Recent).
  let c = await selectAndFetch(server, results, 'first');
  const selects: number[] = [];
  const fetches: number[] = [];
  for (let i = 0; i < 5; i++) {
    selects.push((await timed(c, 'SELECT INBOX')).ms);
    fetches.push((await timed(c, 'FETCH 1:* (UID FLAGS ENVELOPE)')).ms);
  }
  results.select_warm_ms = median(selects);
  results.fetch_envelopes_warm_ms = median(fetches);
  await c.command('LOGOUT');
  c.close();

  await server.restart();
  c = await selectAndFetch(server, results, 'after_restart');

  // One message at a time, request and reply, as a client opening messages does.
  const count = 2000;
  let bytes = 0;
  const imapPids = await server.pids();
  const cpuBefore = await cpuMicros(imapPids);
  const t = performance.now();
  for (let i = 0; i < count; i++) {
    const uid = 1 + ((i * 7919) % MAILBOX_SIZE);
    bytes += (await c.command(`UID FETCH ${uid} BODY.PEEK[]`)).length;
  }
  const seconds = (performance.now() - t) / 1000;
  results.uid_fetch_body_per_s = Math.round(count / seconds);
  results.uid_fetch_body_mb_per_s = Math.round((bytes / seconds / 1e6) * 10) / 10;
  results.uid_fetch_body_server_cpu_us = Math.round(((await cpuMicros(imapPids)) - cpuBefore) / count);
  await c.command('LOGOUT');
  c.close();

  const retr = await pop3Retr(server.pop3Port(), () => server.pids());
  results.pop3_retr_msgs_per_s = retr.perSecond;
  results.pop3_retr_mb_per_s = retr.mbPerSecond;
  results.pop3_retr_server_cpu_us = retr.cpuMicros;

  // 100 sessions selected and idling; then one new message must reach all of them. The
  // baseline is taken once the server has been left alone as long as the sessions are below,
  // so that what any server starts when it goes quiet (the lab's envelope reader threads, at
  // its first quiet moment) is not counted as the sessions'.
  await new Promise((r) => setTimeout(r, 1500));
  const before = await pss(await server.pids());
  const idlers: ImapWire[] = [];
  for (let i = 0; i < IDLERS; i++) {
    const w = await ImapWire.open(server.imapPort());
    await w.command('LOGIN alice@example.com secret');
    await w.command('SELECT INBOX');
    w.socket.write('idle IDLE\r\n');
    await w.until(/\+ [^\r\n]*\r\n$/);
    idlers.push(w);
  }
  await new Promise((r) => setTimeout(r, 1000));
  results.memory_per_idle_session_kb = Math.round(((await pss(await server.pids())) - before) / IDLERS / 1024);
  for (const w of idlers) w.close();
  return results;
}
