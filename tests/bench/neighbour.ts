/**
 * A hostile neighbour: 50 learners of a class type SMTP transactions through the bridge, each
 * in their own sandbox, while one more client runs each attack of issue 12 in turn. For each
 * attack: the learners' line-to-reply p50/p99 (targets: p99 under 100 ms, no failed
 * transaction) and the lab process's worst event-loop delay (target under 100 ms), read from
 * its own /metrics (monitorEventLoopDelay, reset at every scrape).
 *
 * The attackers are other processes (Python's smtplib, imaplib and http.client, the
 * connection holder of tests/helpers/attacker.ts, a Node script with a WebSocket for the
 * terminal flood), so the learners' client shares no event loop with them. The lab runs in its
 * own process (labProcess.ts). `BENCH_ATTACKS=flood,slowloris` runs only the attacks named.
 * The TLS row sends hellos by hand from a Node script: each costs the lab a handshake (an RSA
 * signature), the attacker next to nothing.
 */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { promisify } from 'node:util';
import { Attacker } from '../helpers/attacks.js';
import { startLabProcess, type LabProcess } from '../helpers/labProcess.js';
import { TypingLearner } from './typingLearner.js';

const LEARNERS = 50;
/** How long each attack runs while the learners type (an attack that ends sooner is repeated). */
const ROW_MS = 15_000;
const run = promisify(execFile);

const percentile = (sorted: number[], p: number): number => Math.round((sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? 0) * 10) / 10;

/** The lab's worst event-loop delay since the last scrape, in ms (prom-client resets it each time). */
async function worstLoopDelayMs(lab: LabProcess): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${lab.httpPort}/metrics`)).text();
  const m = /^nodejs_eventloop_lag_max_seconds (\S+)$/m.exec(text);
  return m ? Math.round(Number(m[1]) * 1000 * 10) / 10 : NaN;
}

/**
 * How long the lab's main thread has waited for a CPU (Linux schedstat), in ms: on a machine
 * shared with other work, delays that are the machine's, not the lab's.
 */
async function cpuWaitMs(lab: LabProcess): Promise<number> {
  const stat = await readFile(`/proc/${lab.child.pid}/task/${lab.child.pid}/schedstat`, 'utf8').catch(() => '0 0');
  return Number(stat.split(' ')[1]) / 1e6;
}

/** Runs an attacker script in a process of its own, so the learners' client is not slowed by it. */
function child(command: string, args: string[], timeoutMs = 120_000): Promise<string> {
  return run(command, args, { timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 }).then(
    (r) => r.stdout.trim(),
    (err: Error & { stdout?: string; stderr?: string }) => `failed: ${err.stderr?.trim().split('\n').pop() ?? err.message}`,
  );
}
const python = (script: string): Promise<string> => child('python3', ['-c', script]);
const node = (script: string, args: string[]): Promise<string> => child(process.execPath, ['--input-type=module', '-e', script, ...args]);

/** Runs the maillab command on the lab's data dir, with nothing on its stdin. */
function cli(lab: LabProcess, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(process.execPath, ['bin/maillab.mjs', ...args, '--data', lab.dataDir], { timeout: 60_000 }, (err, stdout) => (err ? reject(err) : resolve(stdout)));
    child.stdin?.end();
  });
}

async function join(lab: LabProcess, code: string, name: string, headers: Record<string, string> = {}): Promise<{ status: number; cookie: string }> {
  const r = await fetch(`http://127.0.0.1:${lab.httpPort}/api/join`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: `http://127.0.0.1:${lab.httpPort}`, ...headers },
    body: JSON.stringify({ code, displayName: name, password: `password of ${name}` }),
  });
  await r.text();
  return { status: r.status, cookie: (r.headers.get('set-cookie') ?? '').split(';')[0]! };
}

/** Runs one attack, until `until` at most; `round` counts its repeats within one row. */
type Attack = (lab: LabProcess, until: number, round: number) => Promise<string>;

/** Each row of issue 12's table that is a load, as the attacker would run it; each says what it got. */
function attacks(code: string): Record<string, Attack> {
  const ports = (lab: LabProcess): string => JSON.stringify({ smtp: lab.ports.smtp, submission: lab.ports.submission, imap: lab.ports.imap, http: lab.httpPort });
  return {
    'MIME bomb (400,000 parts) to port 25, then ENVELOPE, BODYSTRUCTURE, SEARCH TEXT': (lab) =>
      python(`
import smtplib, imaplib, json
P = json.loads('${ports(lab)}')
body = 'From: m@attacker.test\\r\\nSubject: bomb\\r\\nContent-Type: multipart/mixed; boundary=zz\\r\\n\\r\\n' + '--zz\\r\\n\\r\\nx\\r\\n' * 400000
s = smtplib.SMTP('127.0.0.1', P['smtp'], timeout=120); s.sendmail('m@attacker.test', ['bob@example.com'], body.encode()); s.quit()
m = imaplib.IMAP4('127.0.0.1', P['imap'], timeout=120); m.login('bob@example.com', 'secret'); n = m.select('INBOX')[1][0].decode()
out = [m.fetch(n, '(ENVELOPE)')[0], m.fetch(n, '(BODYSTRUCTURE)')[0], m.search(None, 'TEXT', '"bomb"')[0]]
m.store(n, '+FLAGS', '\\\\Deleted'); m.expunge(); m.logout(); print(' '.join(out))`),

    'terminal flood: {"type":"line","text":"X"*16000} in a loop to POP3': async (lab, until) => {
      const flooder = await join(lab, code, `Flooder ${Date.now()}`);
      return node(
        `
import WebSocket from 'ws';
const [port, cookie, until] = process.argv.slice(1);
const ws = new WebSocket('ws://127.0.0.1:' + port + '/api/terminal?service=pop3', { headers: { origin: 'http://127.0.0.1:' + port, cookie } });
let notices = 0, errors = 0, sent = 0;
ws.on('message', (d) => { const t = JSON.parse(d.toString()).type; notices += t === 'notice'; errors += t === 'error'; });
ws.on('error', () => {});
await new Promise((r) => ws.once('open', r));
const line = JSON.stringify({ type: 'line', text: 'X'.repeat(16000) });
// As fast as the socket drains: a script, not a person.
while (Date.now() < Number(until) && ws.readyState === WebSocket.OPEN) {
  if (ws.bufferedAmount < 1024 * 1024) { ws.send(line); sent++; if (sent % 64 === 0) await new Promise((r) => setImmediate(r)); }
  else await new Promise((r) => setTimeout(r, 5));
}
console.log(sent + ' lines sent, ' + notices + ' recording notice(s), ' + errors + ' error(s), ' + (ws.readyState === WebSocket.OPEN ? 'still open' : 'closed by the lab'));
ws.close();`,
        [String(lab.httpPort), flooder.cookie, String(until)],
      );
    },

    'joins and wrong passwords through the proxy (trusted 127.0.0.1, X-Forwarded-For)': async (lab, _until, round) => {
      const statuses: Record<number, number> = {};
      const count = (s: number): void => void (statuses[s] = (statuses[s] ?? 0) + 1);
      await Promise.all(Array.from({ length: 30 }, (_, i) => join(lab, code, `Joiner ${round}.${i}`, { 'x-forwarded-for': `198.51.100.${i + 1}` }).then((r) => count(r.status))));
      for (let i = 0; i < 50; i++) {
        const r = await fetch(`http://127.0.0.1:${lab.httpPort}/api/login`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', origin: `http://127.0.0.1:${lab.httpPort}`, 'x-forwarded-for': '203.0.113.66' },
          body: JSON.stringify({ code, displayName: 'Learner 1', password: `wrong ${i}` }),
        });
        count(r.status);
        await r.text();
      }
      return JSON.stringify(statuses);
    },

    'ten 9 MB messages to port 25 from outside': (lab) =>
      python(`
import smtplib, json
P = json.loads('${ports(lab)}')
body = 'Subject: big\\r\\n\\r\\n' + ('y' * 76 + '\\r\\n') * (9 * 1024 * 1024 // 78)
out = []
for i in range(10):
    s = smtplib.SMTP('127.0.0.1', P['smtp'], timeout=120)
    try:
        s.sendmail('stranger@outside.test', ['bob@example.com'], body.encode()); out.append('250')
    except smtplib.SMTPRecipientsRefused as e: out.append(str(list(e.recipients.values())[0][0]))
    except smtplib.SMTPResponseException as e: out.append(str(e.smtp_code))
    s.quit()
print(' '.join(out))`),

    'AUTH PLAIN with a wrong password in a loop on 587': (lab, until) =>
      python(`
import smtplib, json, time, base64, ssl
P = json.loads('${ports(lab)}')
tries, refused, dropped = 0, 0, 0
while time.time() < ${until / 1000}:
    try:
        s = smtplib.SMTP('127.0.0.1', P['submission'], timeout=10); s.starttls(context=ssl._create_unverified_context()); s.ehlo('x')
        while time.time() < ${until / 1000}:
            code, _ = s.docmd('AUTH', 'PLAIN ' + base64.b64encode(b'\\0alice@example.com\\0wrong').decode()); tries += 1
            if code != 235: refused += 1
            if code == 421: break
        dropped += 1
    except Exception: dropped += 1
print(f'{tries} tries, {refused} refused, {dropped} connections dropped')`),

    '2,000 idle connections on each mail port and on HTTP': async (lab, until) => {
      const attacker = Attacker.start();
      const got: string[] = [];
      for (const [name, port] of [['smtp', lab.ports.smtp], ['submission', lab.ports.submission], ['pop3', lab.ports.pop3], ['imap', lab.ports.imap], ['http', lab.httpPort]] as const) {
        const r = await attacker.open(port!, { count: 2000, from: '127.0.0.2', timeoutMs: 5000 });
        got.push(`${name}: ${r.open} held`);
      }
      await new Promise((r) => setTimeout(r, Math.max(0, until - Date.now())));
      await attacker.closeAll();
      attacker.stop();
      return got.join(', ');
    },

    'slowloris: HTTP headers one line every 2 s on 1,000 connections': async (lab, until) => {
      const attacker = Attacker.start();
      const r = await attacker.open(lab.httpPort, { count: 1000, from: '127.0.0.3', timeoutMs: 2000 });
      await attacker.write('GET / HTTP/1.1\r\nHost: lab\r\n');
      await attacker.write('X-Slow: 1\r\n', 2000);
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, until - Date.now())));
      const closed = await attacker.waitClosed(1000);
      await attacker.closeAll();
      attacker.stop();
      return `${r.open} opened; ${closed.error ?? `all closed by the server within ${closed.ms} ms of the end`}`;
    },

    'TLS handshake flood: 1,000 ClientHellos at once to 993, 995 and 465, again and again': (lab, until) =>
      node(
        `
import { connect } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { Duplex } from 'node:stream';
const [until, ...ports] = process.argv.slice(1).map(Number);
// The first flight of Node's own TLS client, sent by hand on every connection at once.
const hello = await new Promise((resolve) => {
  const wire = new Duplex({ read() {}, write(chunk, _e, done) { resolve(chunk); done(); } });
  tlsConnect({ socket: wire, rejectUnauthorized: false }).on('error', () => {});
});
let rounds = 0, sent = 0, answered = 0;
while (Date.now() < until) {
  const sockets = await Promise.all(ports.flatMap((port) => Array.from({ length: Math.round(1000 / ports.length) }, () => new Promise((resolve) => {
    const s = connect({ port, host: '127.0.0.1', localAddress: '127.0.0.4' });
    s.on('error', () => resolve(undefined));
    s.once('connect', () => resolve(s));
  }))));
  const open = sockets.filter(Boolean);
  const replies = open.map((s) => new Promise((resolve) => { s.once('data', () => resolve(1)); s.once('close', () => resolve(0)); setTimeout(() => resolve(0), 10000); }));
  for (const s of open) s.write(hello);
  sent += open.length;
  answered += (await Promise.all(replies)).reduce((a, b) => a + b, 0);
  for (const s of open) s.destroy();
  rounds++;
}
console.log(sent + ' hellos in ' + rounds + ' rounds, ' + answered + ' answered (ServerHello)');`,
        [String(until), String(lab.ports.imaps), String(lab.ports.pop3s), String(lab.ports.submissions)],
      ),

    '3,000 GET /api/exercises without a cookie': (lab) =>
      python(`
import http.client, json
from concurrent.futures import ThreadPoolExecutor
P = json.loads('${ports(lab)}')
def get(_):
    c = http.client.HTTPConnection('127.0.0.1', P['http'], timeout=30); c.request('GET', '/api/exercises'); r = c.getresponse(); r.read(); c.close(); return r.status
with ThreadPoolExecutor(16) as pool: statuses = list(pool.map(get, range(3000)))
print(json.dumps({s: statuses.count(s) for s in set(statuses)}))`),
  };
}

export async function benchHostileNeighbour(): Promise<Record<string, unknown>> {
  const lab = await startLabProcess(['--mode', 'classroom', '--trust-proxy', '127.0.0.1']);
  const learners: TypingLearner[] = [];
  try {
    await cli(lab, ['instructor', 'add', 'Bench Teacher']);
    const code = /Join code \/ 加入码: (\S+)/.exec(await cli(lab, ['class', 'create', 'Neighbours', '--instructor', 'Bench Teacher']))![1]!;
    for (let i = 0; i < LEARNERS; i++) {
      const joined = await join(lab, code, `Learner ${i}`);
      if (joined.status !== 201) throw new Error(`learner ${i} could not join: ${joined.status}`);
      learners.push(new TypingLearner(lab.httpPort, joined.cookie, i));
    }
    await Promise.all(learners.map((l) => l.start()));
    const rows: Record<string, unknown> = {};
    const measure = async (name: string, attack?: Attack): Promise<void> => {
      await new Promise((r) => setTimeout(r, 2000));
      await worstLoopDelayMs(lab);
      const waitedBefore = await cpuWaitMs(lab);
      const from = performance.now();
      const until = Date.now() + ROW_MS;
      // An attack that ends sooner than the row is run again, so every row is as long.
      const got: string[] = [];
      if (!attack) await new Promise((r) => setTimeout(r, ROW_MS));
      else do got.push(await attack(lab, until, got.length));
      while (Date.now() < until);
      const result = got.length === 0 ? 'nothing' : got.length === 1 ? got[0]! : `${got.length} rounds; first: ${got[0]}; last: ${got.at(-1)}`;
      const to = performance.now();
      const latencies = learners.flatMap((l) => l.samples.filter((s) => s.at >= from && s.at <= to).map((s) => s.ms)).sort((a, b) => a - b);
      rows[name] = {
        attacker_got: result,
        seconds: Math.round((to - from) / 100) / 10,
        learner_lines: latencies.length,
        line_to_reply_ms_p50: percentile(latencies, 50),
        line_to_reply_ms_p99: percentile(latencies, 99),
        failed_transactions: learners.reduce((n, l) => n + l.failures.filter((t) => t >= from && t <= to).length, 0),
        lab_worst_event_loop_delay_ms: await worstLoopDelayMs(lab),
        lab_rss_mb: await lab.rssMb(),
        lab_waited_for_cpu_ms: Math.round((await cpuWaitMs(lab)) - waitedBefore),
        load_average_1min: loadavg()[0],
      };
    };
    await measure('no attack (baseline)');
    // BENCH_ATTACKS=slowloris,flood runs only the attacks whose names hold one of those words.
    const only = process.env.BENCH_ATTACKS?.split(',').filter(Boolean);
    for (const [name, attack] of Object.entries(attacks(code))) if (!only || only.some((w) => name.includes(w))) await measure(name, attack);
    return { learners: LEARNERS, rows };
  } finally {
    learners.forEach((l) => l.stop());
    await lab.stop();
  }
}
