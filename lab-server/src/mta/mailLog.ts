/**
 * An MTA's log, one file per host in <sandbox>/log/<host>.log, in the syslog form Postfix
 * writes: "Nov 28 21:03:24 mail.example.com postfix/smtp[2025]: 3F2A1B0C7D: to=<...>, ...".
 * Lines are appended in order; a file over 1 MB is rotated to .1 (as logrotate would).
 */
import { EventEmitter } from 'node:events';
import { appendFile, mkdir, readFile, rename, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Sandbox } from '../world/sandbox.js';
import type { Clock } from './clock.js';

const MAX_LOG_BYTES = 1024 * 1024;
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** "Nov 28 21:03:24" (syslog's timestamp, UTC). */
export function syslogTime(ms: number): string {
  const d = new Date(ms);
  const two = (n: number): string => String(n).padStart(2, '0');
  return `${MONTHS[d.getUTCMonth()]} ${String(d.getUTCDate()).padStart(2, ' ')} ${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())}`;
}

/** Where a sandbox keeps the log of one of its mail servers. */
export function mtaLogFile(sandbox: Sandbox, host: string): string {
  return join(sandbox.dir, 'log', `${host}.log`);
}

/** The last `count` lines of a mail server's log, oldest first (also for graders). */
export async function readMtaLog(sandbox: Sandbox, host: string, count = 1000): Promise<string[]> {
  return readMtaLogFile(mtaLogFile(sandbox, host), count);
}

async function readMtaLogFile(file: string, count: number): Promise<string[]> {
  const read = async (path: string): Promise<string[]> => {
    try {
      return (await readFile(path, 'utf8')).split('\n').filter((l) => l !== '');
    } catch {
      return [];
    }
  };
  let lines = await read(file);
  if (lines.length < count) lines = [...(await read(`${file}.1`)), ...lines];
  return lines.slice(-count);
}

export interface LogLine {
  sandboxId: string;
  host: string;
  line: string;
}

export class MailLog {
  private chain: Promise<unknown> = Promise.resolve();
  private pending: string[] = [];
  /** Lines since the size was last checked for rotation. */
  private written = 0;

  constructor(
    readonly file: string,
    readonly host: string,
    private readonly sandboxId: string,
    private readonly clock: Clock,
    /** Every line is also announced here ('line', LogLine): live views and tests listen. */
    private readonly events: EventEmitter,
  ) {}

  /** Appends one line from a Postfix program ("smtp", "qmgr", "submission/smtpd", ...). */
  write(program: string, message: string): void {
    const line = `${syslogTime(this.clock.now())} ${this.host} postfix/${program}[${process.pid}]: ${message.replace(/[\r\n]+/g, ' ')}`;
    this.events.emit('line', { sandboxId: this.sandboxId, host: this.host, line } satisfies LogLine);
    // Lines written while an append is running go out together in the next one.
    this.pending.push(line);
    if (this.pending.length === 1) this.chain = this.chain.then(() => this.append()).catch(() => undefined);
  }

  /** Waits until every line written so far is on disk. */
  flushed(): Promise<void> {
    return this.chain.then(() => undefined);
  }

  /** The last `count` lines, oldest first. */
  async tail(count = 200): Promise<string[]> {
    await this.flushed();
    return readMtaLogFile(this.file, count);
  }

  private async append(): Promise<void> {
    const lines = this.pending;
    this.pending = [];
    if (this.written === 0 || this.written >= 100) {
      this.written = 0;
      await mkdir(dirname(this.file), { recursive: true });
      const size = await stat(this.file).then((s) => s.size, () => 0);
      if (size > MAX_LOG_BYTES) await rename(this.file, `${this.file}.1`);
    }
    this.written += lines.length;
    await appendFile(this.file, lines.map((l) => `${l}\n`).join(''));
  }
}
