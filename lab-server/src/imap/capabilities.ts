/**
 * What this IMAP server offers after login (CAPABILITY, RFC 3501 §6.1.1); each is implemented
 * completely. Before login STARTTLS and the AUTH= mechanisms are added (sessionCapabilities).
 */
export const CAPABILITIES = [
  'IMAP4rev1', 'LITERAL+', 'SASL-IR', 'ID', 'ENABLE', 'IDLE', 'NAMESPACE', 'UIDPLUS', 'MOVE', 'UNSELECT', 'CHILDREN', 'SPECIAL-USE',
  // Search and order on the server: RFC 4731, 5182, 5256, 5267, 5957.
  'ESEARCH', 'SEARCHRES', 'SORT', 'SORT=DISPLAY', 'ESORT', 'CONTEXT=SEARCH', 'CONTEXT=SORT', 'THREAD=ORDEREDSUBJECT', 'THREAD=REFERENCES',
  // Mailboxes: RFC 5258, 5819, 8438.
  'LIST-EXTENDED', 'LIST-STATUS', 'STATUS=SIZE',
  // Messages in and out: RFC 3516, 3502, 4469, 4467, 5524.
  'BINARY', 'MULTIAPPEND', 'CATENATE', 'URLAUTH', 'URLAUTH=BINARY',
  // RFC 9051: a server offering both revisions runs IMAP4rev1 until the client sends ENABLE IMAP4rev2.
  'IMAP4rev2',
  // Events as they happen: RFC 5465.
  'NOTIFY',
  // Modification sequences and quick resynchronisation: RFC 7162.
  'CONDSTORE', 'QRESYNC',
  // Limits on what a user may store: RFC 9208.
  'QUOTA', 'QUOTA=RES-STORAGE', 'QUOTA=RES-MESSAGE',
];

/** What a session advertises now: before login, also how it may log in (RFC 3501 §6.2, RFC 2595). */
export function sessionCapabilities(loggedIn: boolean, canStartTls: boolean, plaintextAllowed: boolean): string[] {
  if (loggedIn) return [...CAPABILITIES];
  return [...CAPABILITIES, ...(canStartTls ? ['STARTTLS'] : []), ...(plaintextAllowed ? ['AUTH=PLAIN', 'AUTH=LOGIN'] : ['LOGINDISABLED'])];
}
