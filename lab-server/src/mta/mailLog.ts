/**
 * An MTA's log, one file per host in <sandbox>/log/<host>.log, in the syslog form Postfix
 * writes: "Nov 28 21:03:24 mail.example.com postfix/smtp[2025]: 3F2A1B0C7D: to=<...>, ...".
 * Lines are appended in order; a file over 1 MB is rotated to .1 (as logrotate would).
 */
import { EventEmitter } from 'node:events';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AppendLog } from '../files/appendLog.js';
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
  private readonly appender: AppendLog;

  constructor(
    readonly file: string,
    readonly host: string,
    private readonly sandboxId: string,
    private readonly clock: Clock,
    /** Every line is also announced here ('line', LogLine): live views and tests listen. */
    private readonly events: EventEmitter,
  ) {
    this.appender = new AppendLog(file, MAX_LOG_BYTES);
  }

  /** Appends one line from a Postfix program ("smtp", "qmgr", "submission/smtpd", ...). */
  write(program: string, message: string): void {
    const line = `${syslogTime(this.clock.now())} ${this.host} postfix/${program}[${process.pid}]: ${message.replace(/[\r\n]+/g, ' ')}`;
    this.events.emit('line', { sandboxId: this.sandboxId, host: this.host, line } satisfies LogLine);
    // A log line that cannot be written must not stop the mail it describes.
    this.appender.append(line).catch(() => undefined);
  }

  /** Writes what is pending and lets go of the file. */
  close(): Promise<void> {
    return this.appender.close();
  }

  /** Waits until every line written so far is on disk. */
  flushed(): Promise<void> {
    return this.appender.flushed();
  }

  /** The last `count` lines, oldest first. */
  async tail(count = 200): Promise<string[]> {
    await this.flushed();
    return readMtaLogFile(this.file, count);
  }
}
