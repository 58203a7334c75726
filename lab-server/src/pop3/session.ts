/**
 * One POP3 session (RFC 1939, CAPA from RFC 2449). States: AUTHORIZATION (the login commands,
 * authorization.ts) -> TRANSACTION -> UPDATE. Deletions are only marks until QUIT; a
 * connection that drops without QUIT deletes nothing.
 */
import { plural } from '../grading/feedback.js';
import type { LineChannel } from '../net/lineChannel.js';
import type { ConnectionScope } from '../world/access.js';
import type { WorldUser } from '../world/definition.js';
import { Authorization, type LoggedIn } from './authorization.js';
import { readCommandLine } from './commandLine.js';
import { sendMessage } from './download.js';
import type { Maildrop, NumberedMessage } from './maildrop.js';
import { err, multiline, ok, type Pop3Options, type Reply } from './options.js';
import { ReadAhead, retrStatus } from './readAhead.js';

type State = 'AUTHORIZATION' | 'TRANSACTION' | 'UPDATE';

/** Commands answered in a row from what a pipelining client sent, before others get a turn. */
const COMMANDS_PER_TURN = 32;
const CAPABILITIES = ['TOP', 'UIDL', 'RESP-CODES', 'AUTH-RESP-CODE', 'PIPELINING', 'EXPIRE NEVER', 'IMPLEMENTATION MailLab'];

export class Pop3Session {
  private state: State = 'AUTHORIZATION';
  private readonly authorization: Authorization;
  private user: WorldUser | undefined;
  private drop: Maildrop | undefined;
  private lockReleased = false;
  private readonly ahead = new ReadAhead();
  /** How run() is told the session is over, or failed. */
  private done: () => void = () => undefined;
  private fail: (reason: unknown) => void = () => undefined;
  /**
   * answer(), made once: it is called back when more comes from the client or a reply that
   * took a promise is sent, and a function made per command would cost every RETR.
   */
  private readonly again = (): void => this.answer();

  constructor(
    private readonly channel: LineChannel,
    scope: ConnectionScope,
    private readonly options: Pop3Options,
  ) {
    this.authorization = new Authorization(channel, scope, options);
  }

  /** Runs the session until the client quits or goes away. */
  async run(): Promise<void> {
    await this.ok(`${this.options.hostName} POP3 MailLab ready. Log in with USER and PASS (type CAPA to see what this server can do)`);
    try {
      await new Promise<void>((resolve, reject) => {
        this.done = resolve;
        this.fail = reject;
        this.answer();
      });
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
  private answer(): void {
    try {
      for (let inRow = 0; this.state !== 'UPDATE'; inRow++) {
        if (inRow === COMMANDS_PER_TURN) {
          setImmediate(this.again);
          return;
        }
        // Decoded at once: a copy of every command's bytes would be Node code a new process runs slowly.
        const line = this.channel.nextLine(true);
        if (!line) {
          if (this.channel.closed) break;
          // Every command is answered: the client is reading the last reply.
          if (this.drop) this.ahead.prepare(this.drop);
          return this.channel.onArrival(this.again);
        }
        const pending = this.handle(line.bytes, line.tooLong);
        if (pending) {
          pending.then(this.again, this.fail);
          return;
        }
      }
      this.done();
    } catch (e) {
      this.fail(e);
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

  private handle(bytes: Buffer, tooLong: boolean): Reply {
    const command = readCommandLine(bytes, tooLong);
    if (typeof command === 'string') return this.err(command);
    this.options.onCommand?.(command.verb);
    if (this.state === 'TRANSACTION') return this.transaction(command.verb, command.args);
    return this.authorizing(command.verb, command.args, command.rest);
  }

  private authorizing(verb: string, args: string[], rest: string): Reply {
    switch (verb) {
      case 'USER':
        return this.authorization.user(args);
      case 'PASS':
        return this.enter(this.authorization.pass(rest));
      case 'AUTH':
        return this.enter(this.authorization.auth(args));
      case 'STLS':
        return this.authorization.stls();
      case 'CAPA':
        return this.multiline('Capability list follows', this.authorization.capabilities(CAPABILITIES));
      case 'QUIT':
        return this.quit();
      default:
        return this.err(`${verb} is not allowed before login. Log in first: USER alice@example.com, then PASS <password>`);
    }
  }

  private transaction(verb: string, args: string[]): Reply {
    switch (verb) {
      case 'RETR':
        return this.retr(args);
      case 'TOP':
        return this.top(args);
      case 'STAT':
        return this.stat();
      case 'LIST':
        return this.list(args);
      case 'UIDL':
        return this.uidl(args);
      case 'DELE':
        return this.dele(args);
      case 'RSET':
        return this.rset();
      case 'NOOP':
        return this.ok('');
      case 'CAPA':
        return this.multiline('Capability list follows', CAPABILITIES);
      case 'QUIT':
        return this.quit();
      case 'STLS':
        return this.err('STLS is only allowed before login. Reconnect and send STLS first');
      default:
        return this.err(`Already logged in as ${this.user?.address}. ${verb} is only allowed before login`);
    }
  }

  /** The TRANSACTION state, once a USER/PASS or AUTH login has opened the maildrop. */
  private async enter(login: Promise<LoggedIn | undefined>): Promise<void> {
    const loggedIn = await login;
    if (!loggedIn) return;
    const { user, drop } = loggedIn;
    this.user = user;
    this.drop = drop;
    this.state = 'TRANSACTION';
    await this.ok(`Logged in as ${user.address}: ${plural(drop.messages.length, 'message')} (${drop.octets()} octets)`);
  }

  private stat(): Reply {
    return this.ok(`${this.drop!.live().length} ${this.drop!.octets()}`);
  }

  private list(args: string[]): Reply {
    if (args.length > 0) {
      const found = this.pickOne(args, 'LIST');
      return typeof found === 'string' ? this.err(found) : this.ok(`${found.number} ${found.info.wireSize}`);
    }
    const live = this.drop!.live();
    return this.multiline(
      plural(live.length, 'message'),
      live.map(({ number, info }) => `${number} ${info.wireSize}`),
    );
  }

  private uidl(args: string[]): Reply {
    const drop = this.drop!;
    if (args.length > 0) {
      const found = this.pickOne(args, 'UIDL');
      return typeof found === 'string' ? this.err(found) : this.ok(`${found.number} ${drop.uidl(found.info)}`);
    }
    return this.multiline(
      'Unique-ID listing follows',
      drop.live().map(({ number, info }) => `${number} ${drop.uidl(info)}`),
    );
  }

  private retr(args: string[]): Reply {
    const found = this.pickOne(args, 'RETR');
    if (typeof found === 'string') return this.err(found);
    this.drop!.retrieved.add(found.number);
    this.ahead.sent(found.number);
    const ready = this.ahead.take(found.number, this.drop!.folder);
    if (ready !== undefined) return this.channel.send(ready, 'latin1');
    return this.sendMessage(found, retrStatus(found.info));
  }

  /**
   * The one message a command names. More words after it are refused, as Dovecot refuses them
   * ("Noise after message number"): "DELE 1 2 3" deleted only message 1, without a word.
   */
  private pickOne(args: string[], verb: string): NumberedMessage | string {
    if (args.length > 1) return `${verb} takes one message number, not ${args.length} ("${args[1]!.slice(0, 20)}" is one too many). Send one ${verb} per message: ${verb} 1, then ${verb} 2`;
    return this.drop!.pick(args[0], `${verb} 1`);
  }

  private top(args: string[]): Reply {
    const lines = Number(args[1]);
    if (args.length !== 2 || !/^\d+$/.test(args[1]!) || !Number.isSafeInteger(lines)) {
      return this.err('TOP needs a message number and a line count. Try: TOP 1 5');
    }
    const found = this.drop!.pick(args[0], 'TOP 1 5');
    if (typeof found === 'string') return this.err(found);
    return this.sendMessage(found, '+OK Top of message follows\r\n', lines);
  }

  private sendMessage(found: NumberedMessage, status: string, topLines?: number): Reply {
    const sent = sendMessage(this.channel, this.drop!.folder, found.info.uid, status, topLines);
    if (sent === true) return undefined;
    if (sent === false) return this.gone(found);
    return sent.then((whole) => (whole ? undefined : this.gone(found)));
  }

  private gone(found: NumberedMessage): Reply {
    this.drop!.retrieved.delete(found.number);
    return this.err(`Message ${found.number} was removed by another session. Type LIST to see what is left`);
  }

  private dele(args: string[]): Reply {
    const found = this.pickOne(args, 'DELE');
    if (typeof found === 'string') return this.err(found);
    this.drop!.deleted.add(found.number);
    return this.ok(`Message ${found.number} marked for deletion; it is removed when you QUIT (RSET undoes this)`);
  }

  private rset(): Reply {
    const drop = this.drop!;
    drop.deleted.clear();
    return this.ok(`${plural(drop.messages.length, 'message')}, none marked for deletion`);
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
    this.ahead.release();
    if (!this.drop || this.lockReleased) return;
    this.lockReleased = true;
    this.drop.close();
    this.options.locks.release(this.drop.mailbox);
  }

  private ok(text: string): Reply {
    return ok(this.channel, text);
  }

  private err(text: string): Reply {
    return err(this.channel, text);
  }

  private multiline(first: string, lines: string[]): Reply {
    return multiline(this.channel, first, lines);
  }
}
