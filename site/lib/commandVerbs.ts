/**
 * The commands each protocol knows, so a mistyped one ("DTAA", "a5 FECTH 1 FLAGS") can be
 * told apart from a known one used wrongly, and answered with "did you mean DATA?".
 * SMTP: RFC 5321 §4.1 and its extensions; POP3: RFC 1939, 2449, 2595, 5034, 6856;
 * IMAP: RFC 3501/9051 and the extensions a learner meets.
 */
export type Protocol = 'smtp' | 'pop3' | 'imap';

export const VERBS: Record<Protocol, readonly string[]> = {
  smtp: ['HELO', 'EHLO', 'MAIL', 'RCPT', 'DATA', 'BDAT', 'RSET', 'NOOP', 'QUIT', 'VRFY', 'EXPN', 'HELP', 'STARTTLS', 'AUTH', 'ETRN'],
  pop3: ['USER', 'PASS', 'APOP', 'STAT', 'LIST', 'RETR', 'DELE', 'NOOP', 'RSET', 'QUIT', 'TOP', 'UIDL', 'CAPA', 'STLS', 'AUTH', 'UTF8'],
  imap: [
    'CAPABILITY', 'NOOP', 'LOGOUT', 'STARTTLS', 'AUTHENTICATE', 'LOGIN', 'ENABLE', 'SELECT', 'EXAMINE', 'CREATE', 'DELETE', 'RENAME',
    'SUBSCRIBE', 'UNSUBSCRIBE', 'LIST', 'LSUB', 'NAMESPACE', 'STATUS', 'APPEND', 'IDLE', 'CHECK', 'CLOSE', 'UNSELECT', 'EXPUNGE',
    'SEARCH', 'FETCH', 'STORE', 'COPY', 'MOVE', 'UID', 'SORT', 'THREAD', 'ID', 'GETQUOTA', 'GETQUOTAROOT', 'SETQUOTA', 'COMPRESS', 'NOTIFY',
    'CANCELUPDATE', 'GENURLAUTH', 'URLFETCH', 'RESETKEY',
  ],
};

/** The command word of a line the learner sent (IMAP: the word after the tag), upper-cased. */
export function verbOf(protocol: Protocol, line: string): string {
  const words = line.trim().split(/\s+/);
  const word = protocol === 'imap' ? words[1] : words[0];
  // "MAIL FROM:<a@b>" and "RCPT TO:<…>" keep their verb; "FROM:<…>" alone is not one.
  return (word ?? '').replace(/:.*$/, '').toUpperCase();
}

export function isKnownVerb(protocol: Protocol, verb: string): boolean {
  return VERBS[protocol].includes(verb.toUpperCase());
}

/** Edit distance counting a swap of two neighbours as one edit (FECTH → FETCH is one). */
function distance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i]![j] = Math.min(d[i]![j]!, d[i - 2]![j - 2]! + 1);
    }
  }
  return d[a.length]![b.length]!;
}

/** The known command closest to a mistyped one, if one is close enough to be what was meant. */
export function suggestVerb(protocol: Protocol, verb: string): string | undefined {
  const typed = verb.toUpperCase();
  if (!typed || isKnownVerb(protocol, typed)) return undefined;
  const allowed = typed.length <= 4 ? 1 : 2;
  let best: { verb: string; d: number } | undefined;
  for (const known of VERBS[protocol]) {
    const d = distance(typed, known);
    if (d <= allowed && (!best || d < best.d)) best = { verb: known, d };
  }
  return best?.verb;
}
