/**
 * What a command module is: the states it is allowed in, its argument schema, an example a
 * learner can copy, and its handler. The session applies the generic guards (state,
 * arguments) once for all of them, then calls the handler with typed values.
 */
import type { Mailbox } from '../maildir/mailbox.js';
import type { FetchItem } from './fetchItems.js';
import type { SandboxUsage } from '../quota/usage.js';
import type { LiveResults } from './liveResults.js';
import type { NotifySpec } from './notify.js';
import type { WorldUser } from '../world/definition.js';
import type { Completion, ResponseWriter } from './response.js';
import type { ArgSpec, ArgValues, ParseContext } from './schema.js';
import type { SelectedMailbox } from './selected.js';

export type SessionState = 'not-authenticated' | 'authenticated' | 'selected' | 'logout';

export const ANY_STATE: readonly SessionState[] = ['not-authenticated', 'authenticated', 'selected'];
export const LOGGED_IN: readonly SessionState[] = ['authenticated', 'selected'];
export const SELECTED: readonly SessionState[] = ['selected'];

/** Octets one APPEND may carry in all (every message, MULTIAPPEND's too, and its command lines). */
export const appendRoom = (maxMessageSize: number): number => maxMessageSize + 64 * 1024;
export const NOT_AUTHENTICATED: readonly SessionState[] = ['not-authenticated'];

/** What a command may ask of its session. */
export interface SessionApi {
  readonly state: SessionState;
  readonly user: WorldUser | undefined;
  /** The logged-in user's Maildir++ tree. */
  readonly mailbox: Mailbox | undefined;
  readonly selected: SelectedMailbox | undefined;
  /** Extensions turned on with ENABLE, upper-cased (IMAP4REV2, ...). */
  readonly enabled: Set<string>;
  /** IMAP4rev2 is enabled (RFC 9051): UTF-8 mailbox names, ESEARCH answers, no \Recent. */
  readonly imap4rev2: boolean;
  readonly parseContext: ParseContext;
  /** Search results kept up to date for the client (RFC 5267 UPDATE). */
  readonly liveResults: LiveResults;
  readonly encrypted: boolean;
  /** STARTTLS is possible on this connection now. */
  readonly canStartTls: boolean;
  /** Plaintext LOGIN/AUTHENTICATE is allowed now (TLS, loopback or bridge, unless required). */
  readonly plaintextAllowed: boolean;
  /** Largest message APPEND accepts. */
  readonly maxMessageSize: number;
  /** The disk quota of this connection's sandbox. */
  readonly usage: SandboxUsage;
  readonly hostName: string;
  capabilities(): string[];
  /** Asked before STARTTLS's OK: why no handshake may start now, or undefined (counts one when not). */
  startTlsRefusal(): string | undefined;
  startTls(): Promise<void>;
  /** Checks credentials in this connection's sandbox; on success the session is logged in. */
  login(login: string, password: string): Promise<WorldUser | undefined>;
  /** Another user of this sandbox and their Maildir (URLAUTH lends access across users). */
  userMailbox(login: string): { user: WorldUser; mailbox: Mailbox } | undefined;
  /** Selects a folder (read-only for EXAMINE), replacing any selected one; throws CommandFailed. */
  select(name: string, readOnly: boolean): Promise<SelectedMailbox>;
  /** Leaves the selected state (CLOSE, UNSELECT). */
  deselect(): void;
  /** One raw line from the client (AUTHENTICATE responses, IDLE's DONE). */
  readLine(): Promise<Buffer | undefined>;
  /** The client went away or logged out, or the session was aborted. */
  readonly closed: boolean;
  /** Sends what changed in the selected mailbox; false if the session had to end. */
  sendUpdates(allowExpunge: boolean): Promise<boolean>;
  /** Runs IDLE's wait; NOTIFY's events go out as they happen meanwhile. */
  idle<T>(run: () => Promise<T>): Promise<T>;
  /** NOTIFY SET (a spec, with MessageNew's FETCH items) or NOTIFY NONE; the STATUS lines to send. */
  notify(spec: NotifySpec | undefined, fetchItems?: FetchItem[]): Promise<string[]>;
  /** Ends the session after the tagged reply. */
  logout(): void;
}

export interface CommandContext {
  tag: string;
  /** Run through UID (UID FETCH, UID STORE, ...): numbers are UIDs. */
  uid: boolean;
  session: SessionApi;
  out: ResponseWriter;
}

export interface ImapCommand<S extends readonly ArgSpec<unknown>[] = readonly ArgSpec<unknown>[]> {
  name: string;
  states: readonly SessionState[];
  args: S;
  /** An example without the tag, for error replies: "SELECT INBOX". */
  example: string;
  /** Can follow UID (FETCH, SEARCH, STORE, COPY, MOVE, EXPUNGE). */
  uidForm?: boolean;
  /**
   * RFC 3501 §7.4.1: no EXPUNGE response may be sent while FETCH, STORE or SEARCH (without
   * UID) runs, because the client is still using sequence numbers.
   */
  noExpungeUpdates?: boolean;
  handle(ctx: CommandContext, args: ArgValues<S>): Promise<Completion>;
}

/**
 * Declares a command; the generic ties the handler's argument types to the schema. Every
 * command comes out with the same fields in the same order, optional ones included: the
 * session reads them for every command, and one shape keeps those reads quick however many
 * different commands a client sends.
 */
export function defineCommand<const S extends readonly ArgSpec<unknown>[]>(command: ImapCommand<S>): ImapCommand<S> {
  const { name, states, args, example, uidForm = false, noExpungeUpdates = false, handle } = command;
  return { name, states, args, example, uidForm, noExpungeUpdates, handle };
}
