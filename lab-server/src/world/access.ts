/**
 * Which sandbox a connection belongs to. Fixed when it starts (a bridge handoff), otherwise
 * the sandbox external clients reach; in classroom mode an external client's credentials pick
 * the learner's sandbox when it authenticates (every learner's mailboxes have their own
 * generated passwords).
 */
import { EventEmitter } from 'node:events';
import { AuthPenalty, penaltyAddress } from './authPenalty.js';
import type { WorldUser } from './definition.js';
import { loginsPaused } from './loginReplies.js';
import { MAILBOX_MOVING, mailboxElsewhere, type OtherNode } from './nodeReplies.js';
import type { Sandbox } from './sandbox.js';

export interface ConnectionScope {
  sandbox: Sandbox;
  /** True when the lab's own browser-terminal bridge opened this connection. */
  viaBridge: boolean;
  owner?: string;
  /** Whose wrong passwords this connection's count toward (see AuthPenalty): the client's address, or the bridge's learner. */
  penaltyKey: string;
  /**
   * 'reset' and 'deleted' of whatever sandbox the connection is in now (it may change at
   * login), so sessions can end when their world is replaced or removed.
   */
  events: EventEmitter;
  /** Stops forwarding sandbox events; call when the connection ends. */
  release(): void;
  /** Wrong passwords sent on this connection so far. */
  authFailures: number;
}

/** How hard a connection may guess passwords (Dovecot: auth_failure_delay, three tries). */
export interface LoginPolicy {
  failureDelayMs: number;
  failuresPerConnection: number;
  /**
   * Time a client from outside the lab has from connecting to logging in, however busy it
   * keeps the connection (Dovecot: "no auth attempts in 180 secs"), so bytes trickled now and
   * then cannot hold a connection open for ever.
   */
  deadlineMs: number;
}

/**
 * Events on ConnectionScope.events besides 'reset' and 'deleted':
 *   'login'          a password was accepted (the connection is no longer pre-login);
 *   'too-many-failures'  after the reply to the last wrong password allowed: close the connection.
 */
export const TOO_MANY_FAILURES = 'too-many-failures';

export type LabMode = 'single' | 'classroom';

/** A login whose mailbox is on another lab node: the mail server refuses it naming that node. */
export class MailboxElsewhere extends Error {
  constructor(readonly node: OtherNode) {
    super(`mailbox on node ${node.id}`);
  }
}

/** A login refused for now, not for a wrong password: the same login works later (IMAP UNAVAILABLE, POP3 SYS/TEMP, SMTP 454). */
export class TryLoginLater extends Error {
  constructor(readonly text: string) {
    super(text);
  }
}

/** A login whose sandbox a drain is moving to another node right now: it works again in a moment. */
export class MailboxMoving extends TryLoginLater {
  constructor() {
    super(MAILBOX_MOVING.en);
  }
}

/** What a mail server says while a login's mailbox is being moved (ASCII; the terminal explains it in both languages). */
export const MOVING_TEXT = MAILBOX_MOVING.en;

/** What a mail server says when a login's mailbox is on another node (likewise). */
export function wrongNodeText(node: OtherNode, service: string): string {
  return mailboxElsewhere(node, service).en;
}

/** What the lab notes about a connection it opens to itself (net/handoff.ts keeps these). */
export interface HandoffTicket {
  sandboxId: string;
  /** Which learner opened it (for transcripts and limits in later issues). */
  owner?: string;
  /**
   * Set when a lab MTA opened it to relay mail: the MTA's address in the lab network
   * (192.0.2.100), which the receiving server takes as the client address for Received:
   * and SPF instead of the loopback address the connection really comes from.
   */
  labAddress?: string;
}

/** Looks up the ticket of an accepted connection by its peer's address and port. */
export interface HandoffClaims {
  claim(remoteAddress: string | undefined, remotePort: number | undefined): Promise<HandoffTicket | undefined>;
}

/** Where connections find their sandboxes: the lab's Sandboxes, or one sandbox of its own (lab/warmUp.ts). */
export interface SandboxSource {
  get(id: string): Promise<Sandbox>;
  /** The sandboxes in memory now (a classroom login looks through them). */
  loaded(): Sandbox[];
}

const FORWARDED = ['reset', 'deleted', 'moving'] as const;

export class SandboxAccess {
  constructor(
    readonly sandboxes: SandboxSource,
    readonly handoffs: HandoffClaims,
    /** The sandbox that connections from outside the lab reach before they log in. */
    readonly externalSandboxId: string,
    readonly mode: LabMode = 'single',
    readonly loginPolicy: LoginPolicy = { failureDelayMs: 1000, failuresPerConnection: 3, deadlineMs: 180_000 },
    /** Wrong passwords per remote address, across all connections and mail protocols. */
    readonly penalty = AuthPenalty.from(),
  ) {}

  /**
   * Set in a cluster: the node holding the sandbox these credentials open when it is another
   * one, so the login can be refused with a reply that names the right node; 'moving' while a
   * drain copies it.
   */
  elsewhere: (login: string, password: string) => Promise<OtherNode | 'moving' | undefined> = async () => undefined;

  /** Decides the sandbox of a connection the moment it is accepted. */
  async forConnection(remoteAddress: string | undefined, remotePort: number | undefined): Promise<ConnectionScope> {
    const ticket = await this.handoffs.claim(remoteAddress, remotePort);
    const sandbox = await this.sandboxes.get(ticket ? ticket.sandboxId : this.externalSandboxId);
    // The bridge's connections all come from loopback: there each learner counts for themself.
    const penaltyKey = ticket ? `bridge ${ticket.owner ?? ticket.sandboxId}` : penaltyAddress(remoteAddress ?? 'unknown');
    return scopeFor(sandbox, Boolean(ticket), ticket?.owner, penaltyKey);
  }

  /**
   * Checks credentials. A bridge connection stays in its sandbox. In classroom mode an
   * external connection moves to the sandbox whose mailbox these credentials open.
   */
  authenticate(scope: ConnectionScope, login: string, password: string): WorldUser | undefined {
    const here = scope.sandbox.authenticate(login, password);
    if (here || scope.viaBridge || this.mode !== 'classroom') return here;
    for (const sandbox of this.sandboxes.loaded()) {
      if (sandbox.id === scope.sandbox.id) continue;
      const user = sandbox.authenticate(login, password);
      if (user) {
        moveScope(scope, sandbox);
        return user;
      }
    }
    return undefined;
  }

  /**
   * A login on a mail connection: the password check, then for a wrong password a delay before
   * the answer, and after the last allowed failure the connection is told to close.
   */
  async login(scope: ConnectionScope, login: string, password: string): Promise<WorldUser | undefined> {
    // A try pipelined after the last allowed one is not even checked.
    const allowed = scope.authFailures < this.loginPolicy.failuresPerConnection;
    if (allowed) {
      // Its address's turn first, when that address has been guessing (a timer, never a sleep).
      const turn = this.penalty.turn(scope.penaltyKey, login, password);
      if ('retryMs' in turn) throw new TryLoginLater(loginsPaused(Math.ceil(turn.retryMs / 1000)).en);
      if (turn.waitMs) await new Promise((r) => setTimeout(r, turn.waitMs));
    }
    const user = allowed ? this.authenticate(scope, login, password) : undefined;
    // In a cluster, right credentials for a mailbox another node holds, or one a drain is
    // moving, are not a wrong password (nor, for a copy a drain left here, a right one).
    const other = scope.viaBridge ? undefined : await this.elsewhere(login, password).catch(() => undefined);
    if (other && allowed) this.penalty.uncount(scope.penaltyKey);
    if (other === 'moving') throw new MailboxMoving();
    if (other) throw new MailboxElsewhere(other);
    if (user) {
      if (allowed) this.penalty.succeeded(scope.penaltyKey, login, password);
      scope.events.emit('login', user);
      return user;
    }
    scope.authFailures++;
    await new Promise((r) => setTimeout(r, this.loginPolicy.failureDelayMs));
    // After the caller has answered this one (its reply is written before immediates run).
    if (scope.authFailures >= this.loginPolicy.failuresPerConnection) setImmediate(() => scope.events.emit(TOO_MANY_FAILURES));
    return undefined;
  }
}

function scopeFor(sandbox: Sandbox, viaBridge: boolean, owner: string | undefined, penaltyKey: string): ConnectionScope {
  const events = new EventEmitter();
  const scope: ConnectionScope = { sandbox, viaBridge, events, release: () => undefined, authFailures: 0, penaltyKey };
  if (owner !== undefined) scope.owner = owner;
  moveScope(scope, sandbox);
  return scope;
}

/**
 * The scopes pointing at each sandbox. One listener per sandbox forwards its lifecycle events
 * to all of them, so a connection closing is a Set delete, not a search through one listener
 * per open connection (thousands, when a stranger holds connections to the public sandbox).
 */
const scopesOf = new WeakMap<Sandbox, Set<ConnectionScope>>();

/** Points a scope at a sandbox and forwards that sandbox's lifecycle events. */
function moveScope(scope: ConnectionScope, sandbox: Sandbox): void {
  scope.release();
  let scopes = scopesOf.get(sandbox);
  if (!scopes) {
    const all = new Set<ConnectionScope>();
    // A copy: a scope told of a reset may move (and so leave the set) while being told.
    for (const name of FORWARDED) sandbox.events.on(name, () => [...all].forEach((s) => s.events.emit(name)));
    scopesOf.set(sandbox, all);
    scopes = all;
  }
  const mine = scopes.add(scope);
  scope.sandbox = sandbox;
  scope.release = () => void mine.delete(scope);
}
