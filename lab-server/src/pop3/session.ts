/**
 * One POP3 session (RFC 1939, CAPA from RFC 2449, STLS from RFC 2595, AUTH PLAIN from
 * RFC 5034). States: AUTHORIZATION -> TRANSACTION -> UPDATE. Deletions are only marks until
 * QUIT; a connection that drops without QUIT deletes nothing.
 */
import { isLoopback } from '../net/handoff.js';
import type { LineChannel } from '../net/lineChannel.js';
import { MailboxElsewhere, TryLoginLater, wrongNodeText, type ConnectionScope, type SandboxAccess } from '../world/access.js';
import type { WorldUser } from '../world/definition.js';
import { sendMessage } from './download.js';
import type { MaildropLocks } from './locks.js';
import { Maildrop, type NumberedMessage } from './maildrop.js';

type State = 'AUTHORIZATION' | 'TRANSACTION' | 'UPDATE';

export interface Pop3Options {
  access: SandboxAccess;
  locks: MaildropLocks;
  /** Present when STLS may be offered. */
  startTls?: () => Promise<void>;
  /** Refuse USER/PASS and AUTH before TLS even from loopback (--require-tls-auth). */
  requireTlsAuth: boolean;
  hostName: string;
  /** Told the verb of every known command (metrics). */
  onCommand?: (verb: string) => void;
}

/** A promise when the reply is not all sent yet (a big message, a slow client, a login). */
type Handler = (args: string[]) => Promise<void> | undefined;

const COMMANDS_HELP = 'USER, PASS, AUTH, STAT, LIST, RETR, TOP, UIDL, DELE, RSET, NOOP, CAPA, STLS, QUIT';
/** Commands answered in a row from what a pipelining client sent, before others get a turn. */
const COMMANDS_PER_TURN = 32;

export class Pop3Session {
  private state: State = 'AUTHORIZATION';
  private pendingUser: string | undefined;
  private user: WorldUser | undefined;
  private drop: Maildrop | undefined;
  private lockReleased = false;
  private readonly handlers: Record<string, { states: State[]; run: Handler }>;

  constructor(
    private readonly channel: LineChannel,
    private readonly scope: ConnectionScope,
    private readonly options: Pop3Options,
  ) {
    const auth: State[] = ['AUTHORIZATION'];
    const trans: State[] = ['TRANSACTION'];
    const both: State[] = ['AUTHORIZATION', 'TRANSACTION'];
    this.handlers = {
      CAPA: { states: both, run: () => this.capa() },
      NOOP: { states: trans, run: () => this.ok('') },
      QUIT: { states: both, run: () => this.quit() },
      USER: { states: auth, run: (a) => this.userCommand(a) },
      PASS: { states: auth, run: (a) => this.pass(a) },
      AUTH: { states: auth, run: (a) => this.auth(a) },
      STLS: { states: auth, run: () => this.stls() },
      STAT: { states: trans, run: () => this.stat() },
      LIST: { states: trans, run: (a) => this.list(a) },
      UIDL: { states: trans, run: (a) => this.uidl(a) },
      RETR: { states: trans, run: (a) => this.retr(a) },
      TOP: { states: trans, run: (a) => this.top(a) },
      DELE: { states: trans, run: (a) => this.dele(a) },
      RSET: { states: trans, run: () => this.rset() },
    };
  }

  /** Runs the session until the client quits or goes away. */
  async run(): Promise<void> {
    await this.ok(`${this.options.hostName} POP3 MailLab ready. Log in with USER and PASS (type CAPA to see what this server can do)`);
    try {
      await new Promise<void>((resolve, reject) => this.answer(resolve, reject));
    } finally {
      this.release();
    }
  }

  /**
   * Answers the commands that have come, one after another, and arranges to be called again
   * when more come or a reply that took a promise is done. A client downloading message after
   * message costs no promise per command this way; a pipelining one lets other sessions' I/O in
   * every few dozen commands.
   */
  private answer(done: () => void, fail: (err: unknown) => void): void {
    const again = (): void => this.answer(done, fail);
    try {
      for (let inRow = 0; this.state !== 'UPDATE'; inRow++) {
        const line = this.channel.nextLine();
        if (!line) {
          if (this.channel.closed) break;
          return this.channel.onArrival(again);
        }
        if (inRow === COMMANDS_PER_TURN) {
          setImmediate(again);
          return;
        }
        const pending = this.handle(line.bytes, line.tooLong);
        if (pending) {
          pending.then(again, fail);
          return;
        }
      }
      done();
    } catch (err) {
      fail(err);
    }
  }

  /** Ends the session without UPDATE (shutdown, sandbox reset): marked deletions are kept. */
  async abort(reason: string): Promise<void> {
    this.release();
    this.state = 'UPDATE';
    await this.err(`[SYS/TEMP] ${reason}`);
    this.channel.close();
    // A client that never closes its side must not hold the server open.
    setTimeout(() => this.channel.destroy(), 500).unref();
  }

  private handle(bytes: Buffer, tooLong: boolean): Promise<void> | undefined {
    if (tooLong) return this.err('Line too long: a POP3 command is at most 255 characters. Type a short command such as STAT');
    if (bytes.includes(0)) return this.err('NUL bytes are not allowed in commands. Type the command as plain text');
    const text = bytes.toString('latin1').trim();
    if (text === '') return this.err(`Empty command. Commands are: ${COMMANDS_HELP}`);
    const [verbRaw = '', ...args] = text.split(/\s+/);
    const verb = verbRaw.toUpperCase();
    const handler = this.handlers[verb];
    if (!handler) return this.err(`Unknown command "${verbRaw.slice(0, 20)}". Commands are: ${COMMANDS_HELP}`);
    this.options.onCommand?.(verb);
    if (!handler.states.includes(this.state)) return this.err(this.wrongState(verb));
    // PASS's argument may contain spaces (a password with spaces).
    return handler.run(verb === 'PASS' ? [text.slice(verbRaw.length).replace(/^\s/, '')] : args);
  }

  private wrongState(verb: string): string {
    if (this.state === 'AUTHORIZATION') {
      return `${verb} is not allowed before login. Log in first: USER alice@example.com, then PASS <password>`;
    }
    if (verb === 'STLS') return 'STLS is only allowed before login. Reconnect and send STLS first';
    return `Already logged in as ${this.user?.address}. ${verb} is only allowed before login`;
  }

  private async capa(): Promise<void> {
    const caps = ['TOP', 'UIDL', 'RESP-CODES', 'AUTH-RESP-CODE', 'PIPELINING', 'EXPIRE NEVER', 'IMPLEMENTATION MailLab'];
    if (this.state === 'AUTHORIZATION') {
      if (this.plaintextAllowed()) caps.unshift('USER', 'SASL PLAIN');
      if (this.options.startTls && !this.channel.encrypted) caps.push('STLS');
    }
    await this.multiline('Capability list follows', caps);
  }

  private plaintextAllowed(): boolean {
    if (this.channel.encrypted) return true;
    if (this.options.requireTlsAuth) return false;
    // As Dovecot does: clear-text passwords are fine where they cannot be sniffed.
    return this.scope.viaBridge || isLoopback(this.channel.socket.remoteAddress);
  }

  private async refusePlaintext(): Promise<boolean> {
    if (this.plaintextAllowed()) return false;
    await this.err('[AUTH] Plaintext authentication is not allowed on an unencrypted connection. Send STLS first, then log in');
    return true;
  }

  private async userCommand(args: string[]): Promise<void> {
    if (await this.refusePlaintext()) return;
    if (args.length !== 1) return this.err('USER needs exactly one argument, your login. Try: USER alice@example.com');
    this.pendingUser = args[0];
    await this.ok(`Send PASS with the password for ${args[0]}`);
  }

  private async pass(args: string[]): Promise<void> {
    if (await this.refusePlaintext()) return;
    const user = this.pendingUser;
    this.pendingUser = undefined;
    if (user === undefined) return this.err('Send USER first, then PASS. Try: USER alice@example.com');
    const password = args[0] ?? '';
    if (password === '') return this.err(this.scope.sandbox.hint('PASS needs the password. Try: PASS secret'));
    await this.login(user, password);
  }

  private async auth(args: string[]): Promise<void> {
    if (args.length === 0) return this.multiline('Supported mechanisms follow', ['PLAIN']);
    if (await this.refusePlaintext()) return;
    if (args[0]!.toUpperCase() !== 'PLAIN') return this.err(`Unsupported mechanism ${args[0]}. Use AUTH PLAIN`);
    let response = args[1];
    if (response === undefined) {
      await this.channel.write('+ \r\n');
      const line = await this.channel.readLine();
      if (!line) return;
      response = line.bytes.toString('latin1').trim();
    }
    if (response === '*') return this.err('[AUTH] Authentication cancelled');
    const decoded = decodePlain(response);
    if (!decoded) return this.err('[AUTH] Malformed AUTH PLAIN response: send base64 of "\\0user\\0password"');
    await this.login(decoded.login, decoded.password);
  }

  private async login(login: string, password: string): Promise<void> {
    // A wrong password is answered after a delay; a few of them close the connection.
    let user;
    try {
      user = await this.options.access.login(this.scope, login, password);
    } catch (err) {
      if (err instanceof MailboxElsewhere) return this.err(`[SYS/PERM] ${wrongNodeText(err.node, 'pop3')}`);
      // RFC 3206 SYS/TEMP: a temporary failure; the same login works later (a drain, or its address's turn).
      if (err instanceof TryLoginLater) return this.err(`[SYS/TEMP] ${err.text}`);
      throw err;
    }
    if (!user) {
      return this.err('[AUTH] Wrong user name or password. Lab users are alice@example.com, bob@example.com, carol@otherdomain.com');
    }
    const mailbox = this.scope.sandbox.mailbox(user);
    if (!this.options.locks.acquire(mailbox)) {
      return this.err(`[IN-USE] ${user.address}'s maildrop is open in another POP3 session. QUIT that session first, then log in again`);
    }
    try {
      const folder = mailbox.inbox;
      const drop = new Maildrop(mailbox, folder, [...(await folder.sync())]);
      this.user = user;
      this.drop = drop;
      this.state = 'TRANSACTION';
      await this.ok(`Logged in as ${user.address}: ${drop.messages.length} messages (${drop.octets()} octets)`);
    } catch (err) {
      this.options.locks.release(mailbox);
      throw err;
    }
  }

  private async stls(): Promise<void> {
    if (this.channel.encrypted) return this.err('This connection is already encrypted');
    if (!this.options.startTls) return this.err('STLS is not available on this port');
    await this.ok('Begin TLS negotiation now');
    await this.options.startTls();
  }

  private stat(): Promise<void> | undefined {
    return this.ok(`${this.drop!.live().length} ${this.drop!.octets()}`);
  }

  private list(args: string[]): Promise<void> | undefined {
    if (args.length > 0) {
      const found = this.drop!.pick(args[0]);
      return typeof found === 'string' ? this.err(found) : this.ok(`${found.number} ${found.info.wireSize}`);
    }
    const live = this.drop!.live();
    return this.multiline(
      `${live.length} messages`,
      live.map(({ number, info }) => `${number} ${info.wireSize}`),
    );
  }

  private uidl(args: string[]): Promise<void> | undefined {
    const drop = this.drop!;
    if (args.length > 0) {
      const found = drop.pick(args[0]);
      return typeof found === 'string' ? this.err(found) : this.ok(`${found.number} ${drop.uidl(found.info)}`);
    }
    return this.multiline(
      'Unique-ID listing follows',
      drop.live().map(({ number, info }) => `${number} ${drop.uidl(info)}`),
    );
  }

  private retr(args: string[]): Promise<void> | undefined {
    const found = this.drop!.pick(args[0], 'RETR 1');
    if (typeof found === 'string') return this.err(found);
    this.drop!.retrieved.add(found.number);
    return this.sendMessage(found, `+OK ${found.info.wireSize} octets\r\n`);
  }

  private top(args: string[]): Promise<void> | undefined {
    const lines = Number(args[1]);
    if (args.length !== 2 || !/^\d+$/.test(args[1]!) || !Number.isSafeInteger(lines)) {
      return this.err('TOP needs a message number and a line count. Try: TOP 1 5');
    }
    const found = this.drop!.pick(args[0], 'TOP 1 5');
    if (typeof found === 'string') return this.err(found);
    return this.sendMessage(found, '+OK Top of message follows\r\n', lines);
  }

  private sendMessage(found: NumberedMessage, status: string, topLines?: number): Promise<void> | undefined {
    const sent = sendMessage(this.channel, this.drop!.folder, found.info.uid, status, topLines);
    if (sent === true) return undefined;
    const gone = (): Promise<void> | undefined => {
      this.drop!.retrieved.delete(found.number);
      return this.err(`Message ${found.number} was removed by another session. Type LIST to see what is left`);
    };
    if (sent === false) return gone();
    return sent.then((ok) => (ok ? undefined : gone()));
  }

  private dele(args: string[]): Promise<void> | undefined {
    const found = this.drop!.pick(args[0], 'DELE 1');
    if (typeof found === 'string') return this.err(found);
    this.drop!.deleted.add(found.number);
    return this.ok(`Message ${found.number} marked for deletion; it is removed when you QUIT (RSET undoes this)`);
  }

  private rset(): Promise<void> | undefined {
    const drop = this.drop!;
    drop.deleted.clear();
    return this.ok(`${drop.messages.length} messages, none marked for deletion`);
  }

  private async quit(): Promise<void> {
    if (this.state === 'AUTHORIZATION') {
      this.state = 'UPDATE';
      await this.ok(`${this.options.hostName} POP3 MailLab signing off`);
      this.channel.close();
      return;
    }
    this.state = 'UPDATE';
    let deleted: number | undefined;
    try {
      deleted = await this.drop!.update();
    } catch {
      deleted = undefined;
    }
    this.release();
    if (deleted === undefined) await this.err('[SYS/TEMP] Some deleted messages could not be removed. Log in again and check with LIST');
    else await this.ok(`${this.options.hostName} POP3 MailLab signing off (deleted: ${deleted})`);
    this.channel.close();
  }

  private release(): void {
    if (!this.drop || this.lockReleased) return;
    this.lockReleased = true;
    this.options.locks.release(this.drop.mailbox);
  }

  private ok(text: string): Promise<void> | undefined {
    return this.channel.send(text ? `+OK ${text}\r\n` : '+OK\r\n');
  }

  private err(text: string): Promise<void> | undefined {
    return this.channel.send(`-ERR ${text}\r\n`);
  }

  private multiline(first: string, lines: string[]): Promise<void> | undefined {
    return this.channel.send(`+OK ${first}\r\n${lines.map((l) => `${l}\r\n`).join('')}.\r\n`);
  }
}

function decodePlain(base64: string): { login: string; password: string } | undefined {
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(base64)) return undefined;
  const parts = Buffer.from(base64, 'base64').toString('utf8').split('\0');
  if (parts.length !== 3 || !parts[1]) return undefined;
  return { login: parts[1], password: parts[2]! };
}
