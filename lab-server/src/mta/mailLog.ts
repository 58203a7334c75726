/**
 * An MTA's log, one file per host in <sandbox>/log/<host>.log, in the syslog form Postfix
 * writes: "Nov 28 21:03:24 mail.example.com postfix/smtp[2025]: 3F2A1B0C7D: to=<...>, ...".
 * Lines are appended in order; a file over 1 MB is rotated to .1 (as logrotate would). Where
 * the file is and how it is read back: world/mailLogFiles.ts.
 */
import { EventEmitter } from 'node:events';
import { AppendLog } from '../files/appendLog.js';
import { printable } from '../log.js';
import { readMtaLogFile } from '../world/mailLogFiles.js';
import type { Clock } from './clock.js';

const MAX_LOG_BYTES = 1024 * 1024;
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** "Nov 28 21:03:24" (syslog's timestamp, UTC). */
export function syslogTime(ms: number): string {
  const d = new Date(ms);
  const two = (n: number): string => String(n).padStart(2, '0');
  return `${MONTHS[d.getUTCMonth()]} ${String(d.getUTCDate()).padStart(2, ' ')} ${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())}`;
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
    const line = `${syslogTime(this.clock.now())} ${this.host} postfix/${program}[${process.pid}]: ${printable(message)}`;
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
