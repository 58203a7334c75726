/**
 * What a learner typing SMTP by hand is told: replies of smtp-server they would not
 * understand, rewritten to say what to do next, each with its RFC 3463 enhanced status code.
 * Keyed by reply code and the start of the library's text.
 */
import { MAX_RECIPIENTS } from './policy.js';

const LEARNER_REPLIES: Array<{ code: number; startsWith: string; text: string; command?: string; newCode?: number }> = [
  {
    // Port 25 offers no AUTH: Postfix's words, and where a login does work.
    code: 500,
    startsWith: 'Error: command not recognized',
    command: 'AUTH',
    newCode: 503,
    text: '5.5.1 Error: authentication not enabled. Port 25 takes mail between servers without a login; to log in and send, use the submission port 587 (STARTTLS, then AUTH) or 465',
  },
  {
    code: 538,
    startsWith: 'Error: Must issue a STARTTLS',
    text: '5.7.11 Encryption required before AUTH, so your password never crosses the network in clear text. Send STARTTLS first, then EHLO again, then AUTH',
  },
  {
    code: 530,
    startsWith: 'Error: authentication Required',
    text: '5.7.0 Authentication required: this is the submission port. Log in with AUTH PLAIN or AUTH LOGIN before MAIL FROM',
  },
  {
    code: 421,
    startsWith: 'Error: Command line too long',
    text: '4.5.0 Line too long: an SMTP command line is at most 16 KB. Closing the connection; reconnect and send short commands',
  },
  {
    code: 503,
    startsWith: 'Error: need MAIL command',
    text: '5.5.1 Bad sequence of commands: send MAIL FROM:<you@example.com> first, then RCPT TO',
  },
  {
    code: 503,
    startsWith: 'Error: need RCPT command',
    text: '5.5.1 Bad sequence of commands: name at least one recipient with RCPT TO:<bob@example.com> before DATA',
  },
  {
    code: 503,
    startsWith: 'Error: nested MAIL command',
    text: '5.5.1 A message is already started: go on with RCPT TO and DATA, or send RSET to start over',
  },
  {
    code: 452,
    startsWith: 'Error: too many recipients',
    text: `4.5.3 Too many recipients: a message here may have at most ${MAX_RECIPIENTS}. Send DATA now for those accepted, then send the rest in another message`,
  },
  {
    code: 421,
    startsWith: 'Error: too many unauthenticated commands',
    text: '4.7.0 Too many commands before AUTH: on this port log in first (STARTTLS, EHLO, then AUTH PLAIN or AUTH LOGIN). Reconnect and try again',
  },
  {
    code: 421,
    startsWith: 'Timeout - closing connection',
    text: '4.4.2 Timeout: nothing came for too long, closing the connection. Reconnect (and log in promptly on the submission ports)',
  },
  {
    code: 500,
    startsWith: 'Error: command not recognized',
    text: '5.5.2 Command not recognized. Try EHLO, MAIL FROM:<you@example.com>, RCPT TO:<bob@example.com>, DATA, RSET, NOOP or QUIT',
  },
];

/** An RFC 3463 enhanced status code at the start of a reply text: "5.7.1 ...". */
const ENHANCED_CODE = /^[245]\.\d{1,3}\.\d{1,3} /;

/**
 * A reply as the learner should read it (its code, its text), and whether smtp-server must still
 * add an enhanced code. `command` is the verb the reply answers, when the library says.
 */
export function forLearner<T>(code: number, data: T, command?: unknown): { code: number; text: T | string; hasEnhancedCode: boolean } {
  const verb = typeof command === 'string' ? command.toUpperCase() : undefined;
  const better = typeof data === 'string' ? LEARNER_REPLIES.find((r) => r.code === code && data.startsWith(r.startsWith) && (r.command === undefined || r.command === verb)) : undefined;
  const text = better ? better.text : data;
  // Our own texts start with their enhanced status code already; the library adds one to the rest.
  const first = Array.isArray(text) ? text[0] : text;
  return { code: better?.newCode ?? code, text, hasEnhancedCode: typeof first === 'string' && ENHANCED_CODE.test(first) };
}
