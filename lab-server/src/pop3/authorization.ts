/**
 * A POP3 session's AUTHORIZATION state: USER and PASS (RFC 1939), AUTH PLAIN (RFC 5034), STLS
 * (RFC 2595), and the login that locks and opens the maildrop. Clear-text passwords are only
 * taken where they cannot be sniffed, as Dovecot does.
 */
import { mailboxOf } from '../maildir/sandboxMaildirs.js';
import { isLoopback } from '../net/handoff.js';
import type { LineChannel } from '../net/lineChannel.js';
import { MailboxElsewhere, TryLoginLater, wrongNodeText, type ConnectionScope } from '../world/access.js';
import type { WorldUser } from '../world/definition.js';
import { Maildrop } from './maildrop.js';
import { err, multiline, ok, type Pop3Options } from './options.js';

/** What a successful login hands the session: the user and their locked, opened maildrop. */
export interface LoggedIn {
  user: WorldUser;
  drop: Maildrop;
}

export class Authorization {
  private pendingUser: string | undefined;

  constructor(
    private readonly channel: LineChannel,
    private readonly scope: ConnectionScope,
    private readonly options: Pop3Options,
  ) {}

  /** CAPA before login: the session's `common` capabilities with how to log in first and STLS last. */
  capabilities(common: string[]): string[] {
    const login = this.plaintextAllowed() ? ['USER', 'SASL PLAIN'] : [];
    return [...login, ...common, ...(this.options.startTls && !this.channel.encrypted ? ['STLS'] : [])];
  }

  async user(args: string[]): Promise<void> {
    if (await this.refusePlaintext()) return;
    if (args.length !== 1) return this.refuse('USER needs exactly one argument, your login. Try: USER alice@example.com');
    this.pendingUser = args[0];
    await ok(this.channel, `Send PASS with the password for ${args[0]}`);
  }

  /** PASS's one argument is the rest of the line: a password may contain spaces. */
  async pass(password: string): Promise<LoggedIn | undefined> {
    if (await this.refusePlaintext()) return;
    const user = this.pendingUser;
    this.pendingUser = undefined;
    if (user === undefined) return this.refuse('Send USER first, then PASS. Try: USER alice@example.com');
    if (password === '') return this.refuse(this.scope.sandbox.hint('PASS needs the password. Try: PASS secret'));
    return this.login(user, password);
  }

  async auth(args: string[]): Promise<LoggedIn | undefined> {
    if (args.length === 0) {
      await multiline(this.channel, 'Supported mechanisms follow', ['PLAIN']);
      return undefined;
    }
    if (await this.refusePlaintext()) return;
    if (args[0]!.toUpperCase() !== 'PLAIN') return this.refuse(`Unsupported mechanism ${args[0]}. Use AUTH PLAIN`);
    let response = args[1];
    if (response === undefined) {
      await this.channel.write('+ \r\n');
      const line = await this.channel.readLine();
      if (!line) return;
      response = line.bytes.toString('latin1').trim();
    }
    if (response === '*') return this.refuse('[AUTH] Authentication cancelled');
    const decoded = decodePlain(response);
    if (!decoded) return this.refuse('[AUTH] Malformed AUTH PLAIN response: send base64 of "\\0user\\0password"');
    // The lab cannot log in as someone else: an authorization identity must be the user (RFC 4616 §2).
    if (decoded.authzid && decoded.authzid.toLowerCase() !== decoded.login.toLowerCase()) {
      return this.refuse('[AUTH] You may only authorize as yourself: leave the first part of AUTH PLAIN empty ("\\0user\\0password")');
    }
    return this.login(decoded.login, decoded.password);
  }

  async stls(): Promise<void> {
    if (this.channel.encrypted) return this.refuse('This connection is already encrypted');
    if (!this.options.startTls) return this.refuse('STLS is not available on this port');
    const refused = this.options.startTlsRefusal?.();
    if (refused) return this.refuse(`[SYS/TEMP] ${refused}`);
    await ok(this.channel, 'Begin TLS negotiation now');
    await this.options.startTls();
  }

  /** Answers -ERR `text`; nobody logged in. */
  private async refuse(text: string): Promise<undefined> {
    await err(this.channel, text);
    return undefined;
  }

  private plaintextAllowed(): boolean {
    if (this.channel.encrypted) return true;
    if (this.options.requireTlsAuth) return false;
    // As Dovecot does: clear-text passwords are fine where they cannot be sniffed.
    return this.scope.viaBridge || isLoopback(this.channel.socket.remoteAddress);
  }

  private async refusePlaintext(): Promise<boolean> {
    if (this.plaintextAllowed()) return false;
    await this.refuse('[AUTH] Plaintext authentication is not allowed on an unencrypted connection. Send STLS first, then log in');
    return true;
  }

  /** Checks the password, locks the maildrop and reads it; says why not when it cannot. */
  private async login(login: string, password: string): Promise<LoggedIn | undefined> {
    // A wrong password is answered after a delay; a few of them close the connection.
    let user;
    try {
      user = await this.options.access.login(this.scope, login, password);
    } catch (e) {
      if (e instanceof MailboxElsewhere) return this.refuse(`[SYS/PERM] ${wrongNodeText(e.node, 'pop3')}`);
      // RFC 3206 SYS/TEMP: a temporary failure; the same login works later (a drain, or its address's turn).
      if (e instanceof TryLoginLater) return this.refuse(`[SYS/TEMP] ${e.text}`);
      throw e;
    }
    if (!user) return this.refuse('[AUTH] Wrong user name or password. Lab users are alice@example.com, bob@example.com, carol@otherdomain.com');
    const mailbox = mailboxOf(this.scope.sandbox, user);
    if (!this.options.locks.acquire(mailbox)) {
      return this.refuse(`[IN-USE] ${user.address}'s maildrop is open in another POP3 session. QUIT that session first, then log in again`);
    }
    const folder = mailbox.inbox;
    // Its index stays in memory until the session ends (maildir/idleFolders.ts).
    const close = folder.keepOpen();
    try {
      return { user, drop: new Maildrop(mailbox, folder, [...(await folder.sync())], close) };
    } catch (e) {
      close();
      this.options.locks.release(mailbox);
      throw e;
    }
  }
}

function decodePlain(base64: string): { authzid: string; login: string; password: string } | undefined {
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(base64)) return undefined;
  const parts = Buffer.from(base64, 'base64').toString('utf8').split('\0');
  if (parts.length !== 3 || !parts[1]) return undefined;
  return { authzid: parts[0]!, login: parts[1], password: parts[2]! };
}
