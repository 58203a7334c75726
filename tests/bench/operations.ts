/**
 * Figures for issue 16 against a lab server in its own process: how long the message
 * inspector takes for an ordinary message and for a hostile one (10,000 parts, deep nesting),
 * how long everyone else waits for /healthz while four hostile inspections run at once, what
 * a /metrics scrape and a /readyz probe cost, and what an armed fault costs an SMTP
 * conversation that it does not fire on. (Each SMTP greeting includes smtp-server's 100 ms
 * wait for early talkers, as Postfix's postscreen does; /readyz waits for one on every port 25.)
 */
import { createConnection } from 'node:net';
import nodemailer from 'nodemailer';
import { startLabProcess, type LabProcess } from '../helpers/labProcess.js';

const round = (ms: number): number => Math.round(ms * 10) / 10;

function summary(times: number[]): { median: number; p95: number } {
  const sorted = [...times].sort((a, b) => a - b);
  return { median: round(sorted[Math.floor(sorted.length / 2)]!), p95: round(sorted[Math.floor(sorted.length * 0.95)]!) };
}

async function timed(fn: () => Promise<unknown>, samples: number, warmup = 2): Promise<{ median: number; p95: number }> {
  const times: number[] = [];
  for (let i = 0; i < samples + warmup; i++) {
    const started = performance.now();
    await fn();
    if (i >= warmup) times.push(performance.now() - started);
  }
  return summary(times);
}

async function get(lab: LabProcess, path: string): Promise<string> {
  const res = await fetch(`http://127.0.0.1:${lab.httpPort}${path}`);
  const text = await res.text();
  if (!res.ok) throw new Error(`${path}: ${res.status} ${text.slice(0, 200)}`);
  return text;
}

/** Sends one raw message to port 25; resolves to the queue id of the 250 reply. */
async function sendRaw(lab: LabProcess, raw: string): Promise<string> {
  const transport = nodemailer.createTransport({ host: '127.0.0.1', port: lab.ports.smtp!, secure: false, ignoreTLS: true });
  const info = await transport.sendMail({ envelope: { from: 'someone@sender.test', to: ['bob@example.com'] }, raw });
  transport.close();
  return /queued as ([0-9A-F]{10})/.exec(info.response)![1]!;
}

function hostileMessage(): string {
  const many = Array.from({ length: 10_000 }, (_, i) => `--b\r\nContent-Type: text/html\r\n\r\n<script>alert(${i})</script>`).join('\r\n');
  let nested = 'Content-Type: text/html\r\n\r\n<script>deep()</script>';
  for (let d = 0; d < 60; d++) nested = `Content-Type: multipart/mixed; boundary="n${d}"\r\n\r\n--n${d}\r\n${nested}\r\n--n${d}--`;
  return ['Subject: hostile', 'MIME-Version: 1.0', 'Content-Type: multipart/mixed; boundary="b"', '', '--b', nested, many, '--b--', ''].join('\r\n');
}

/** One plain SMTP conversation on port 25 up to RCPT TO and QUIT, by hand: the time until 221. */
function smtpConversation(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const socket = createConnection(port, '127.0.0.1');
    const script = ['EHLO bench.test', 'MAIL FROM:<a@bench.test>', 'RCPT TO:<bob@example.com>', 'QUIT'];
    let buffer = '';
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => {
      buffer += chunk;
      for (let end = buffer.indexOf('\r\n'); end !== -1; end = buffer.indexOf('\r\n')) {
        const line = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        if (line[3] === '-') continue;
        if (line.startsWith('221')) {
          socket.end();
          return resolve(performance.now() - started);
        }
        if (!/^2/.test(line)) return reject(new Error(`unexpected reply ${line}`));
        socket.write(`${script.shift()}\r\n`);
      }
    });
    socket.on('error', reject);
  });
}

export async function benchOperations(): Promise<Record<string, unknown>> {
  const lab = await startLabProcess();
  try {
    const plainId = await sendRaw(lab, 'Subject: plain\r\nFrom: someone@sender.test\r\n\r\n' + 'An ordinary message.\r\n'.repeat(100));
    const hostileId = await sendRaw(lab, hostileMessage());
    const inspectPlain = await timed(() => get(lab, `/api/inspect?queue=${plainId}`), 30);
    const inspectHostile = await timed(() => get(lab, `/api/inspect?queue=${hostileId}`), 10);

    // Everyone else: /healthz answered while four hostile inspections are in flight at once.
    let busy = true;
    const others: number[] = [];
    const load = (async () => {
      for (let i = 0; i < 3; i++) await Promise.all(Array.from({ length: 4 }, () => get(lab, `/api/inspect?queue=${hostileId}`)));
      busy = false;
    })();
    while (busy) {
      const started = performance.now();
      await get(lab, '/healthz');
      others.push(performance.now() - started);
      await new Promise((r) => setTimeout(r, 10));
    }
    await load;

    const scrape = await get(lab, '/metrics');
    const metricsScrape = await timed(() => get(lab, '/metrics'), 30);
    const readyz = await timed(() => get(lab, '/readyz'), 10);

    const unarmed = await timed(() => smtpConversation(lab.ports.smtp!), 30, 3);
    // Armed faults that never fire here: a DNS fault, and a reply fault on the other MTA.
    const put = await fetch(`http://127.0.0.1:${lab.httpPort}/api/faults`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ faults: [{ kind: 'dns', name: 'nowhere.example', type: 'A', rcode: 'SERVFAIL' }, { kind: 'reply', host: 'mail.otherdomain.com', step: 'rcpt', code: 452 }] }),
    });
    if (put.status !== 200) throw new Error(`PUT /api/faults: ${put.status}`);
    const armed = await timed(() => smtpConversation(lab.ports.smtp!), 30, 3);

    return {
      inspectPlainMs: inspectPlain,
      inspectHostileMs: inspectHostile,
      healthzDuringHostileInspectionsMs: { ...summary(others), worst: round(Math.max(...others)), samples: others.length },
      metricsScrapeMs: metricsScrape,
      metricsBytes: scrape.length,
      metricsSeries: scrape.split('\n').filter((l) => l && !l.startsWith('#')).length,
      readyzMs: readyz,
      smtpConversationMs: { noFaults: unarmed, twoFaultsArmedElsewhere: armed },
    };
  } finally {
    await lab.stop();
  }
}
