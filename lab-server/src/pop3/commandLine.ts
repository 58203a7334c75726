/**
 * A POP3 command line as the session reads it (RFC 1939 §3: a keyword, then arguments each
 * after a space): its verb, its arguments and, for PASS, the rest of the line; or what to tell
 * a client whose line names no command this server knows.
 */

/** Every command this server knows; a known one sent in the wrong state is told so. */
const VERBS = new Set(['USER', 'PASS', 'AUTH', 'STLS', 'CAPA', 'QUIT', 'NOOP', 'STAT', 'LIST', 'UIDL', 'RETR', 'TOP', 'DELE', 'RSET']);
const COMMANDS_HELP = 'USER, PASS, AUTH, STAT, LIST, RETR, TOP, UIDL, DELE, RSET, NOOP, CAPA, STLS, QUIT';
/** Commands whose arguments are message numbers (and TOP's line count): Dovecot reads them strictly. */
const NUMBERED = new Set(['LIST', 'UIDL', 'RETR', 'DELE', 'TOP']);
/** Printable words each after one space (a line that needs neither trimming nor a whitespace split). */
const PLAIN_LINE = /^[!-~]+(?: [!-~]+)*$/;

export interface CommandLine {
  /** The command's name, upper-cased. */
  verb: string;
  args: string[];
  /** PASS's argument is the rest of the line, as a password may contain spaces ('' for others). */
  rest: string;
}

/** The command a line holds, or the error text for a line that holds none. */
export function readCommandLine(bytes: Buffer, tooLong: boolean): CommandLine | string {
  if (tooLong) return 'Line too long: a POP3 command is at most 255 characters. Type a short command such as STAT';
  const line = bytes.toString('latin1');
  // Nearly every line is printable words each after one space: split without trimming or a regular expression.
  const plain = PLAIN_LINE.test(line);
  const text = plain ? line : line.trim();
  if (text.includes('\0')) return 'NUL bytes are not allowed in commands. Type the command as plain text';
  if (text === '') return `Empty command. Commands are: ${COMMANDS_HELP}`;
  const args = plain ? text.split(' ') : text.split(/\s+/);
  const verbRaw = args.shift()!;
  const verb = verbRaw.toUpperCase();
  if (!VERBS.has(verb)) return `Unknown command "${verbRaw.slice(0, 20)}". Commands are: ${COMMANDS_HELP}`;
  if (!plain && args.length > 0 && NUMBERED.has(verb)) {
    const spacing = misspaced(line, verb, args);
    if (spacing) return spacing;
  }
  return { verb, args, rest: verb === 'PASS' ? text.slice(verbRaw.length).replace(/^\s/, '') : '' };
}

/**
 * A tab between the words, or a blank after the last one, in a command that names messages.
 * RFC 1939 §3 separates words with one space; Dovecot answers "-ERR Unknown command: RETR\t1"
 * and "-ERR Noise after message number", and a learner who meets that there should have met it
 * here first, with the line to type. Runs of spaces and blanks before the command stay accepted,
 * as Dovecot accepts the first (USER's argument is read as loosely as before).
 */
function misspaced(line: string, verb: string, args: string[]): string | undefined {
  const fixed = `${verb} ${args.join(' ')}`.slice(0, 40);
  const words = line.trimStart();
  if (words.trimEnd().includes('\t')) {
    return `${verb} and its ${verb === 'TOP' ? 'numbers' : 'message number'} are separated by a tab: POP3 separates words with one space (RFC 1939). Try: ${fixed}`;
  }
  if (words !== words.trimEnd()) {
    return `Noise after "${args.at(-1)!.slice(0, 20)}": the line ends with a blank, and nothing may follow the last word (RFC 1939). Try: ${fixed}`;
  }
  return undefined;
}
