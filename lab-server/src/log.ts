/**
 * The lab's log: one line per event, "<time> <component> <message>", to stderr so stdout stays
 * for what the CLI prints on purpose. Tests pass a silent logger.
 */

/**
 * `level` 'error' marks a failure of the lab itself (a 500, a session that threw): its cause,
 * stack and all, which whoever runs the lab needs even when nothing else is wanted.
 */
export type Logger = (component: string, message: string, level?: 'error') => void;

/**
 * A log line's text as it may be written: line breaks become spaces and every other control
 * character (C0, DEL, C1: ESC sequences included) a "?", as Postfix's printable() does, so
 * text a client chose (a Message-ID, an address, a HELO name) can neither forge a line nor
 * drive the terminal that shows the log. Other characters (UTF-8 names) stay as they are.
 */
export function printable(text: string): string {
  return text.replace(/[\r\n]+/g, ' ').replace(/[\u0000-\u001f\u007f-\u009f]/g, '?');
}

export const consoleLogger: Logger = (component, message) => {
  process.stderr.write(`${new Date().toISOString()} ${component}: ${printable(message)}\n`);
};

export const silentLogger: Logger = () => undefined;

/** Nothing but the lab's own failures (the tests' labs): a 500 under load leaves its stack in the test's output. */
export const errorsOnlyLogger: Logger = (component, message, level) => {
  if (level === 'error') consoleLogger(component, message, level);
};

/**
 * One line for the first of a repeated event (a wrong password from one address), then one
 * summary line per minute while it goes on, instead of a line each: a guesser cannot fill
 * the log, and the administrator still sees who and how often.
 */
export class RepeatedEvents {
  private readonly pending = new Map<string, { count: number; last: string }>();

  constructor(
    private readonly log: Logger,
    private readonly component: string,
    private readonly windowMs = 60_000,
  ) {}

  note(key: string, message: string): void {
    const seen = this.pending.get(key);
    if (seen) {
      seen.count++;
      seen.last = message;
      return;
    }
    // Past this many distinct keys at once, the rest share one summary.
    if (this.pending.size >= 10_000 && key !== '*') return this.note('*', message);
    this.log(this.component, message);
    this.pending.set(key, { count: 0, last: message });
    setTimeout(() => {
      const entry = this.pending.get(key);
      this.pending.delete(key);
      if (entry && entry.count > 0) this.log(this.component, `${entry.count} more in the last ${this.windowMs / 1000} s like: ${entry.last}`);
    }, this.windowMs).unref();
  }
}
