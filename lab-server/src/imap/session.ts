/**
 * One IMAP session (RFC 3501): reads commands, applies the generic guards (commandGuards.ts:
 * size, command name, state, arguments) once, runs the command's handler, sends what changed in
 * the selected mailbox, then the tagged reply. States: not authenticated -> authenticated <->
 * selected -> logout.
 */
import { FolderNotFound, type MaildirFolder } from '../maildir/folder.js';
import type { Mailbox } from '../maildir/mailbox.js';
import { mailboxOf } from '../maildir/sandboxMaildirs.js';
import { isLoopback } from '../net/handoff.js';
import type { SandboxUsage } from '../quota/usage.js';
import type { LineChannel } from '../net/lineChannel.js';
import type { ConnectionScope } from '../world/access.js';
import type { WorldUser } from '../world/definition.js';
import type { ImapCommand, SessionApi, SessionState } from './command.js';
import { commandLimits, elsewhereReply, lookupCommand, runGuarded } from './commandGuards.js';
import { CommandReader } from './commandReader.js';
import type { ImapOptions } from './options.js';
import { LiveResults } from './liveResults.js';
import { runFetch } from './commands/fetch.js';
import type { FetchItem } from './fetchItems.js';
import { Notifier } from './notifier.js';
import type { NotifySpec } from './notify.js';
import { NotifyPush } from './notifyPush.js';
import { SequenceSet } from './sequenceSet.js';
import { encodeMutf7 } from './mutf7.js';
import { ImapSyntaxError, parseCommand, type Token } from './parser.js';
import { bad, CommandFailed, no, ResponseWriter, type Completion } from './response.js';
import { sessionCapabilities } from './capabilities.js';
import { MODIFIED_UTF7, UTF8_NAMES, type ParseContext } from './schema.js';
import { SelectedMailbox } from './selected.js';
import { condstoreOn, qresyncOn } from './condstore.js';

export class ImapSession implements SessionApi {
  state: SessionState = 'not-authenticated';
  user: WorldUser | undefined;
  mailbox: Mailbox | undefined;
  selected: SelectedMailbox | undefined;
  readonly liveResults = new LiveResults();
  /** Extensions turned on with ENABLE (RFC 5161), upper-cased. */
  readonly enabled = new Set<string>();
  /** NOTIFY's events, sent as they happen (RFC 5465). */
  private readonly pushes: NotifyPush;
  readonly out: ResponseWriter;
  private readonly reader: CommandReader;
  private aborted = false;

  constructor(
    private readonly channel: LineChannel,
    private readonly scope: ConnectionScope,
    private readonly options: ImapOptions,
  ) {
    this.out = new ResponseWriter(channel);
    this.reader = new CommandReader(channel, (line) => commandLimits(this.state, line, options.maxMessageSize), options.literalBudget);
    this.pushes = new NotifyPush(this);
  }

  get closed(): boolean {
    return this.aborted || this.state === 'logout';
  }

  get selectedFolder(): MaildirFolder | undefined {
    return this.selected?.folder;
  }

  log(message: string): void {
    this.options.log(message);
  }

  /** NOTIFY's MessageNew (fetch-att): FETCH responses for messages that just arrived. */
  async fetchNew(uids: number[], items: FetchItem[]): Promise<void> {
    // Under CONDSTORE every untagged FETCH carries the message's MODSEQ (RFC 7162 §3.1).
    if (this.selected?.reportsModseq && !items.some((i) => i.kind === 'MODSEQ')) items = [...items, { kind: 'MODSEQ' }];
    await runFetch({ tag: '*', uid: true, session: this, out: this.out }, SequenceSet.of(uids), items);
  }

  /** NOTIFY: something the client wants to hear about happened. */
  wake(): void {
    this.pushes.wake();
  }

  get encrypted(): boolean {
    return this.channel.encrypted;
  }

  get canStartTls(): boolean {
    return this.options.startTls !== undefined && !this.channel.encrypted;
  }

  get plaintextAllowed(): boolean {
    if (this.channel.encrypted) return true;
    if (this.options.requireTlsAuth) return false;
    // As Dovecot does: clear-text passwords are fine where they cannot be sniffed.
    return this.scope.viaBridge || isLoopback(this.channel.socket.remoteAddress);
  }

  get imap4rev2(): boolean {
    return this.enabled.has('IMAP4REV2');
  }

  get parseContext(): ParseContext {
    // Asked for every command: one of two constants, not an object each time.
    return this.imap4rev2 ? UTF8_NAMES : MODIFIED_UTF7;
  }

  get maxMessageSize(): number {
    return this.options.maxMessageSize;
  }

  get usage(): SandboxUsage {
    return this.scope.sandbox.usage;
  }

  get hostName(): string {
    return this.options.hostName;
  }

  capabilities(): string[] {
    return sessionCapabilities(this.state !== 'not-authenticated', this.canStartTls, this.plaintextAllowed);
  }

  /** Runs the session until the client logs out or goes away. */
  async run(): Promise<void> {
    const next = this.plaintextAllowed ? this.scope.sandbox.hint('Log in with: a1 LOGIN alice@example.com secret') : 'Send a1 STARTTLS first, then log in';
    await this.out.status('OK', `${this.options.hostName} IMAP4rev1 MailLab ready. ${next}`, `CAPABILITY ${this.capabilities().join(' ')}`);
    try {
      while (this.state !== 'logout' && !this.aborted) {
        const read = await this.reader.next();
        if (this.aborted || read.kind === 'closed') break;
        if (read.kind === 'fatal') {
          await this.out.status('BYE', read.text);
          break;
        }
        if (read.kind === 'refused') {
          const reply = read.code ? no(read.text, read.code) : bad(read.text);
          if (read.tag) await this.out.tagged(read.tag, reply);
          else await this.out.status('BAD', read.text, read.code);
          continue;
        }
        await this.pushes.command(() => this.execute(read.pieces));
      }
    } finally {
      this.reader.release();
      await this.pushes.replace(undefined);
      this.deselect();
      this.channel.close();
    }
  }

  /** Ends the session at once with BYE (shutdown, sandbox reset). */
  async abort(reason: string): Promise<void> {
    if (this.aborted) return;
    this.aborted = true;
    await this.out.status('BYE', reason).catch(() => undefined);
    this.channel.close();
    // A client that never closes its side must not hold the server open.
    setTimeout(() => this.channel.destroy(), 500).unref();
  }

  private async execute(pieces: Parameters<typeof parseCommand>[0]): Promise<void> {
    let parsed;
    try {
      parsed = parseCommand(pieces);
    } catch (err) {
      if (!(err instanceof ImapSyntaxError)) throw err;
      if (err.tag) await this.out.tagged(err.tag, bad(err.message));
      else await this.out.status('BAD', err.message);
      return;
    }
    const { tag, args } = parsed;
    const name = parsed.name?.toUpperCase();
    const found = lookupCommand(tag, name);
    if ('untaggedBad' in found) await this.out.status('BAD', this.scope.sandbox.hint(found.untaggedBad));
    else if ('taggedBad' in found) await this.out.tagged(tag, bad(found.taggedBad));
    else {
      this.options.onCommand?.(found.command.name);
      await this.runCommand(found.command, tag, args);
    }
  }

  private async runCommand(command: ImapCommand, tag: string, tokens: Token[]): Promise<void> {
    let done = await runGuarded({ tag, uid: false, session: this, out: this.out }, command, tokens, (message) => this.options.log(message));
    if (this.aborted || done.sent) return;
    // The server's own words (never mail): no demo password in a learner's sandbox.
    if (done.status !== 'OK') done = { ...done, text: this.scope.sandbox.hint(done.text) };
    if (this.selected && this.state === 'selected') {
      const reply = { done };
      if (!(await this.sendUpdates(!command.noExpungeUpdates, reply))) return;
      done = reply.done;
    }
    if (this.pushes.watching) await this.pushes.sendPending();
    await this.out.tagged(tag, done);
  }

  /**
   * Sends what changed in the selected mailbox; false if the session had to end. A HIGHESTMODSEQ
   * a QRESYNC client must hear (highestModseq.ts) goes in `reply`, when that is an OK without a
   * code, as Dovecot puts it; else untagged.
   */
  async sendUpdates(allowExpunge: boolean, reply?: { done: Completion }): Promise<boolean> {
    const selected = this.selected;
    if (!selected) return true;
    try {
      // Live search results (rare) weave their updates in; otherwise the mailbox's own go out alone.
      const lines = this.liveResults.count > 0 ? await this.liveResults.around(selected, () => selected.updates(allowExpunge)) : await selected.updates(allowExpunge);
      for (const line of lines) await this.out.untagged(line);
      const modseq = selected.modseqs.take();
      if (modseq === undefined || !selected.reportsVanished) return true;
      if (reply?.done.status === 'OK' && !reply.done.code) reply.done = { ...reply.done, code: `HIGHESTMODSEQ ${modseq}` };
      else await this.out.untagged(`OK [HIGHESTMODSEQ ${modseq}] Highest`);
      return true;
    } catch (err) {
      if (!(err instanceof FolderNotFound)) throw err;
      this.deselect();
      await this.abort(`The selected mailbox "${selected.name}" was deleted by another session. Reconnect and select another one`);
      return false;
    }
  }

  startTlsRefusal(): string | undefined {
    return this.options.startTlsRefusal?.();
  }

  async startTls(): Promise<void> {
    await this.out.flush();
    await this.options.startTls!();
  }

  async login(login: string, password: string): Promise<WorldUser | undefined> {
    // A wrong password is answered after a delay; a few of them close the connection.
    const user = await this.options.access.login(this.scope, login, password).catch((err: unknown) => {
      throw elsewhereReply(err, login) ?? err;
    });
    if (!user) return undefined;
    this.user = user;
    this.mailbox = mailboxOf(this.scope.sandbox, user);
    await this.mailbox.inbox.create();
    this.state = 'authenticated';
    return user;
  }

  userMailbox(login: string): { user: WorldUser; mailbox: Mailbox } | undefined {
    const found = this.scope.sandbox.findLogin(login);
    return 'user' in found ? { user: found.user, mailbox: mailboxOf(this.scope.sandbox, found.user) } : undefined;
  }

  async select(name: string, readOnly: boolean): Promise<SelectedMailbox> {
    this.deselect();
    const folder = this.mailbox!.folder(name);
    if (!(await folder.exists())) {
      throw new CommandFailed(no(`Mailbox "${encodeMutf7(name)}" does not exist. See your mailboxes with: LIST "" "*"`, 'NONEXISTENT'));
    }
    const selected = await SelectedMailbox.open(name, folder, readOnly);
    selected.reportsRecent = !this.imap4rev2;
    selected.reportsModseq = condstoreOn(this);
    selected.reportsVanished = qresyncOn(this);
    this.selected = selected;
    this.state = 'selected';
    return selected;
  }

  deselect(): void {
    this.liveResults.clear();
    this.selected?.close();
    this.selected = undefined;
    if (this.state === 'selected') this.state = 'authenticated';
  }

  async readLine(): Promise<Buffer | undefined> {
    await this.out.flush();
    const line = await this.channel.readLine();
    if (!line) return undefined;
    return line.tooLong ? Buffer.alloc(0) : line.bytes;
  }

  /** IDLE: pushes go out as they happen while it runs. */
  idle<T>(run: () => Promise<T>): Promise<T> {
    return this.pushes.idle(run);
  }

  logout(): void {
    this.state = 'logout';
  }

  /** NOTIFY SET (a spec) or NOTIFY NONE (undefined); returns the STATUS lines asked for. */
  notify(spec: NotifySpec | undefined, fetchItems?: FetchItem[]): Promise<string[]> {
    return this.pushes.replace(spec && new Notifier(this, spec, this), fetchItems);
  }
}
