/**
 * Helpers for the mail-world tests: submit with Python's smtplib as a mail client would, call
 * the lab's HTTP API, and wait for what the MTAs write to their logs.
 */
import type { LogLine } from '../../lab-server/src/mta/mailLog.js';
import { python } from './clients.js';
import type { TestLab } from './lab.js';

/** Records every MTA log line of a lab from now on; `next` waits for one that matches. */
export class LogWatch {
  readonly lines: LogLine[] = [];
  private cursor = 0;
  private wake: (() => void) | undefined;
  private readonly listener = (l: LogLine): void => {
    this.lines.push(l);
    this.wake?.();
  };

  constructor(private readonly lab: TestLab) {
    lab.world.events.on('line', this.listener);
  }

  /** The next line (after the last one returned) matching `pattern`, in `sandboxId` (default: any). */
  async next(pattern: RegExp, options: { sandboxId?: string; timeoutMs?: number } = {}): Promise<string> {
    const deadline = Date.now() + (options.timeoutMs ?? 15_000);
    for (;;) {
      for (; this.cursor < this.lines.length; this.cursor++) {
        const l = this.lines[this.cursor]!;
        if ((!options.sandboxId || l.sandboxId === options.sandboxId) && pattern.test(l.line)) {
          this.cursor++;
          return l.line;
        }
      }
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no log line matching ${pattern} in time; last lines:\n${this.lines.slice(-15).map((l) => l.line).join('\n')}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  }

  /** Every line so far that matches. */
  all(pattern: RegExp): string[] {
    return this.lines.map((l) => l.line).filter((l) => pattern.test(l));
  }

  stop(): void {
    this.lab.world.events.off('line', this.listener);
  }
}

const SUBMIT = `
import smtplib, ssl
ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
s = smtplib.SMTP('127.0.0.1', P['port'], timeout=20)
s.starttls(context=ctx)
s.login(P['user'], P['password'])
try:
    refused = s.sendmail(P['from'], P['to'], P['data'].encode())
    print(json.dumps({'refused': {k: [v[0], v[1].decode()] for k, v in refused.items()}}))
except smtplib.SMTPRecipientsRefused as e:
    print(json.dumps({'refused': {k: [v[0], v[1].decode()] for k, v in e.recipients.items()}, 'error': 'all refused'}))
except smtplib.SMTPSenderRefused as e:
    print(json.dumps({'error': [e.smtp_code, e.smtp_error.decode()]}))
s.quit()
`;

export interface SubmitResult {
  refused: Record<string, [number, string]>;
  error?: unknown;
}

/** Sends a message on the submission port (587, STARTTLS + AUTH) with smtplib. */
export async function submit(lab: TestLab, m: { user?: string; password?: string; from?: string; to: string[]; subject: string; body?: string; headers?: string }): Promise<SubmitResult> {
  const user = m.user ?? 'alice@example.com';
  const from = m.from ?? user;
  const data = `${m.headers ?? `From: ${from}\r\nTo: ${m.to.join(', ')}\r\n`}Subject: ${m.subject}\r\n\r\n${m.body ?? 'Hello from the lab.'}\r\n`;
  const r = await python(SUBMIT, { port: lab.port('submission'), user, password: m.password ?? 'secret', from, to: m.to, data });
  if (r.code !== 0 || r.stderr) throw new Error(`smtplib failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as SubmitResult;
}

/** Calls the lab's JSON API. */
export async function api<T = Record<string, unknown>>(lab: TestLab, method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
  const res = await fetch(`http://127.0.0.1:${lab.httpPort}${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as T };
}

/** Replaces a record line of a zone through the API (the way a learner edits it). */
export async function editZone(lab: TestLab, zone: string, edit: (text: string) => string): Promise<{ status: number; body: Record<string, unknown> }> {
  const current = await api<{ text: string }>(lab, 'GET', `/api/zones/${zone}`);
  return api(lab, 'PUT', `/api/zones/${zone}`, { text: edit(current.body.text) });
}

/** Waits until no delivery attempt is running in a sandbox's MTAs. */
export async function mtasSettled(lab: TestLab, sandboxId = 'default'): Promise<void> {
  for (const mta of await lab.world.mtas(await lab.sandboxes.get(sandboxId))) await mta.idle();
}

/** A fault as GET /api/faults lists it. */
export interface FaultView {
  id: string;
  seen: number;
  fired: number;
  spent: boolean;
  does: { en: string; 'zh-CN': string };
  when: { en: string; 'zh-CN': string };
}

/** Arms exactly `faults` in the default sandbox, as the world page does (PUT /api/faults). */
export async function armFaults(lab: TestLab, faults: unknown[]): Promise<FaultView[]> {
  const r = await api<{ faults: FaultView[] }>(lab, 'PUT', '/api/faults', { faults });
  if (r.status !== 200) throw new Error(`PUT /api/faults answered ${r.status}: ${JSON.stringify(r.body)}`);
  return r.body.faults;
}
