/**
 * The limits that keep one client from taking the lab away from everyone else: connection
 * caps and timeouts on every port, login throttling, joins. The defaults let a class of 300
 * behind one NAT address work without ever meeting them; tests and the benchmark lower them
 * through LabConfig.limits.
 */

export interface LabLimits {
  /** Open connections to one mail port from one address (Thunderbird keeps up to 5 per account). */
  mailConnectionsPerAddress: number;
  /** Open connections to all the mail ports together, from anywhere. */
  mailConnections: number;
  /**
   * New TLS handshakes one address may start on the mail ports in a minute (465, 993, 995 and
   * STARTTLS; Postfix's smtpd_client_new_tls_session_rate_limit): each costs a millisecond or
   * two of CPU, so past this a client is refused (454 / NO / -ERR, or closed on the TLS ports).
   * 0: no limit. The browser terminals' and lab MTAs' own connections never count.
   */
  mailNewTlsSessionsPerMinute: number;
  /**
   * Idle time allowed to a mail client from outside the lab before it logs in (Dovecot gives
   * three minutes, Postfix under stress ten seconds). Port 25 has no login: it keeps the
   * SMTP idle timeout. The browser terminals' own connections are not affected.
   */
  mailPreLoginTimeoutMs: number;
  /** Time from connecting to logging in, however busy the client keeps the connection (slowloris). */
  mailLoginDeadlineMs: number;
  /** Wrong passwords one SMTP, POP3 or IMAP connection may send before it is closed. */
  mailAuthFailuresPerConnection: number;
  /** How long each wrong password's answer is held back (Dovecot's auth_failure_delay). */
  mailAuthFailureDelayMs: number;
  /**
   * Wrong mail passwords from one address, over all its connections, before each further try
   * from it waits its turn (Dovecot's auth_penalty; see world/authPenalty.ts). Logins already
   * proven right from the address never wait.
   */
  mailAuthFreeFailures: number;
  /** The longest turn: a try whose turn is further away is told to come back later. */
  mailAuthPenaltyMaxDelayMs: number;
  /** An address quiet this long starts afresh. */
  mailAuthPenaltyQuietMs: number;
  /** Addresses the penalty remembers at most. */
  mailAuthPenaltyAddresses: number;

  /**
   * Bytes of messages being received over SMTP (DATA to the final dot) and IMAP (literals, as
   * APPEND's, until the command is done) held in memory at once, for the whole lab and per
   * client (address, or learner behind the bridge); a message that does not fit is refused with
   * 452 4.3.1 or NO [UNAVAILABLE], to be sent again later (smtp/dataBudget.ts). Both take it as
   * the octets arrive: a literal announced and never sent holds nothing.
   */
  mailDataBytes: number;
  mailDataBytesPerAddress: number;
  /**
   * The same for one learner logged in from an address (world/memoryShare.ts): a quarter of the
   * address's, so a classmate behind the classroom's NAT who holds all of theirs leaves the
   * rest three quarters. Six messages of the largest size at once.
   */
  mailDataBytesPerLearner: number;

  /** Open web connections from one address (six per browser, 300 browsers); a trusted proxy counts only in the total. */
  httpConnectionsPerAddress: number;
  httpConnections: number;
  /** Time for a client to send a request's headers, and its whole request. */
  httpHeadersTimeoutMs: number;
  httpRequestTimeoutMs: number;
  /** An idle keep-alive connection is closed after this. */
  httpKeepAliveTimeoutMs: number;

  /** Wrong passwords one (account, address) pair may try before each next try must wait. */
  loginFreeFailures: number;
  /** The first wait; it doubles with each further wrong password, up to loginMaxDelayMs. */
  loginFirstDelayMs: number;
  loginMaxDelayMs: number;
  /**
   * Wrong passwords a minute across the whole server beyond which the lab is under attack:
   * then every pair waits from its first wrong password on (a right password still works).
   */
  loginBusyFailuresPerMinute: number;
  /** Password checks (scrypt) running at once, and waiting; beyond that the answer is 503. */
  passwordChecksAtOnce: number;
  passwordChecksWaiting: number;

  /** Joins from one address in ten minutes (a whole class behind one NAT address fits). */
  joinsPerAddress: number;
  /** Joins waiting for their sandbox to be made (one at a time); beyond that the answer is 503. */
  joinsWaiting: number;
  /**
   * Learners one class may have: each join makes a sandbox (340 KB on disk, up to its quota of
   * mail), so whoever has a join code may otherwise make them without end, 500 per address
   * every ten minutes. A full class answers 403 and the instructor opens another.
   */
  classLearners: number;
  /**
   * New passwords one instructor may set for learners in ten minutes (each is an scrypt hash
   * and ends a learner's sessions): a class of 300 forgetting at once fits, a loop does not.
   */
  newPasswordsPerInstructor: number;

  /**
   * Answers one learner may have graded in a minute (a visitor not yet a learner: one address);
   * beyond that 429. One a second is more than anyone thinks; a script checking in a loop waits.
   */
  attemptsPerMinute: number;

  /**
   * How long a folder goes unused (no session has it open, no command or delivery touched it)
   * before its index in memory is let go, to be loaded again from disk at the next use.
   */
  folderIdleMs: number;

  /** Longest the mail servers' warm-up at start may take (lab/warmUp.ts); past it the lab starts without the rest. */
  warmUpMs: number;
}

export const DEFAULT_LIMITS: LabLimits = {
  mailConnectionsPerAddress: 2000,
  mailConnections: 10_000,
  mailNewTlsSessionsPerMinute: 3000,
  mailPreLoginTimeoutMs: 60_000,
  mailLoginDeadlineMs: 180_000,
  mailAuthFailuresPerConnection: 3,
  mailAuthFailureDelayMs: 1000,
  mailAuthFreeFailures: 10,
  mailAuthPenaltyMaxDelayMs: 15_000,
  mailAuthPenaltyQuietMs: 10 * 60_000,
  mailAuthPenaltyAddresses: 10_000,
  mailDataBytes: 1024 * 1024 * 1024,
  mailDataBytesPerAddress: 256 * 1024 * 1024,
  mailDataBytesPerLearner: 64 * 1024 * 1024,

  httpConnectionsPerAddress: 2000,
  httpConnections: 6000,
  httpHeadersTimeoutMs: 10_000,
  httpRequestTimeoutMs: 30_000,
  httpKeepAliveTimeoutMs: 5000,

  loginFreeFailures: 5,
  loginFirstDelayMs: 1000,
  loginMaxDelayMs: 15 * 60_000,
  loginBusyFailuresPerMinute: 120,
  passwordChecksAtOnce: 2,
  passwordChecksWaiting: 1000,

  joinsPerAddress: 500,
  joinsWaiting: 1000,
  classLearners: 1000,
  newPasswordsPerInstructor: 300,

  attemptsPerMinute: 60,

  folderIdleMs: 5 * 60_000,

  warmUpMs: 10_000,
};
