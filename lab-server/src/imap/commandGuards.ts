/**
 * The generic checks every IMAP command goes through, once for all of them (the session runs
 * them around each handler): how large it may be before it is even read, which command its
 * line names, whether the session's state allows it, and what its failure tells the client
 * (a login included, when the mailbox is on another node or on its way there).
 */
import { isOutOfSpace } from '../files/diskSpace.js';
import { FolderNotFound } from '../maildir/folder.js';
import { WorkerJobFailed } from '../workers/pool.js';
import { MailboxElsewhere, TryLoginLater, wrongNodeText } from '../world/access.js';
import type { WorldUser } from '../world/definition.js';
import { appendRoom, type CommandContext, type ImapCommand, type SessionState } from './command.js';
import type { CommandLimits } from './commandReader.js';
import { COMMANDS, COMMAND_NAMES } from './commands/index.js';
import { bad, CommandFailed, no, type Completion } from './response.js';
import type { Token } from './parser.js';
import { ArgumentError, validateArgs } from './schema.js';
import { wrongStateText } from './stateReplies.js';
import { workerFailedText } from './workerReplies.js';

const SMALL_LIMITS: CommandLimits = { maxLiteral: 8 * 1024, maxTotal: 64 * 1024 };
const COMMAND_LIMITS: CommandLimits = { maxLiteral: 64 * 1024, maxTotal: 1024 * 1024 };

/** Before login every command is small; APPEND may carry a whole message. */
export function commandLimits(state: SessionState, firstLine: Buffer, maxMessageSize: number): CommandLimits {
  if (state === 'not-authenticated') return SMALL_LIMITS;
  if (namesAppend(firstLine)) {
    return { maxLiteral: maxMessageSize, maxTotal: appendRoom(maxMessageSize) };
  }
  return COMMAND_LIMITS;
}

const APPEND = Buffer.from('APPEND');

/** "<tag> APPEND ..." in any case, read off the bytes (every command line passes here). */
function namesAppend(line: Buffer): boolean {
  const at = line.indexOf(0x20) + 1;
  if (at <= 1 || at > 72 || line[at + APPEND.length] !== 0x20) return false;
  // Letters compared without their case bit: only "a" and "A" agree with "A" that way.
  for (let i = 0; i < APPEND.length; i++) if ((line[at + i]! & ~0x20) !== APPEND[i]) return false;
  return true;
}

/** The command a line names, or what to answer instead: an untagged BAD or a tagged one. */
export type Lookup = { command: ImapCommand } | { untaggedBad: string } | { taggedBad: string };

export function lookupCommand(tag: string, name: string | undefined): Lookup {
  // "LOGIN alice secret" or a lone "NOOP": the command name where the tag should be. A
  // tagless "UID FETCH ..." would otherwise run as FETCH by sequence number, tagged "UID".
  const tagAsCommand = tag.toUpperCase();
  if (COMMANDS.has(tagAsCommand) && (!name || !COMMANDS.has(name) || (tagAsCommand === 'UID' && COMMANDS.get(name)!.uidForm))) {
    const example = tagAsCommand === 'UID' && name ? `UID ${COMMANDS.get(name)?.example ?? 'FETCH 1:* FLAGS'}` : COMMANDS.get(tagAsCommand)!.example;
    return { untaggedBad: `Every IMAP command starts with a tag, a short label of your choice that the reply will carry. Try: a1 ${example}` };
  }
  if (!name) return { taggedBad: `Missing command after the tag "${tag}". Try: ${tag} CAPABILITY` };
  const command = COMMANDS.get(name);
  if (!command) return { taggedBad: `Unknown command "${name.slice(0, 30)}". Commands are: ${COMMAND_NAMES.join(', ')}` };
  return { command };
}

/**
 * Runs a command the line named inside the guards: the session's state, the arguments, the
 * selected folder's files held still while it works, and what it threw told as its reply.
 */
export async function runGuarded(ctx: CommandContext, command: ImapCommand, tokens: Token[], log: (message: string) => void): Promise<Completion> {
  const { session, tag } = ctx;
  if (!command.states.includes(session.state)) return bad(wrongState(command, session.state, tag, session.user));
  // While a command works on the selected folder its files stay where they are (IDLE only waits).
  const held = command.name === 'IDLE' ? undefined : session.selected?.folder;
  held?.hold();
  try {
    return await command.handle(ctx, validateArgs(command.args, tokens, session.parseContext));
  } catch (err) {
    const reply = failureReply(err, command, tag);
    if (!reply) log(`${command.name} failed: ${(err as Error).stack ?? err}`);
    return reply ?? no('Internal server error; nothing was changed that was not reported. Try again', 'SERVERBUG');
  } finally {
    held?.release();
  }
}

/** Why a command cannot run in this state, and what to do first. */
function wrongState(command: ImapCommand, state: SessionState, tag: string, user: WorldUser | undefined): string {
  if (state === 'not-authenticated') return wrongStateText(command.name, 'login', tag);
  if (command.states.includes('selected') && !command.states.includes('authenticated')) return wrongStateText(command.name, 'selected', tag);
  return wrongStateText(command.name, 'not-logged-in', tag, user?.address);
}

/** The tagged reply for what a handler threw; undefined for a fault of the server's own. */
function failureReply(err: unknown, command: ImapCommand, tag: string): Completion | undefined {
  if (err instanceof ArgumentError) return bad(`${err.message}. Try: ${tag} ${command.example}`);
  if (err instanceof CommandFailed) return err.completion;
  if (err instanceof FolderNotFound) return no(`Mailbox "${err.folderName}" does not exist (any more). Type: ${tag} LIST "" "*"`, 'NONEXISTENT');
  // As Dovecot answers a full disk: nothing was stored; deleting mail (unlinks) still works.
  if (isOutOfSpace(err)) return no('Not enough disk space on the lab server: nothing was stored. Delete mail you do not need (STORE +FLAGS (\\Deleted), then EXPUNGE), or ask whoever runs the lab to free space, then try again', 'OVERQUOTA');
  if (err instanceof WorkerJobFailed) return no(workerFailedText(command.name, err.message, tag), 'LIMIT');
  return undefined;
}

/** A login whose mailbox is not on this node: what the client is told, as a thrown failure. */
export function elsewhereReply(err: unknown, login: string): CommandFailed | undefined {
  // RFC 5530 UNAVAILABLE: a temporary failure; the same login works later (a drain, or its address's turn).
  if (err instanceof TryLoginLater) return new CommandFailed(no(err.text, 'UNAVAILABLE'));
  if (!(err instanceof MailboxElsewhere)) return undefined;
  // RFC 2221 login referral: the client is told which server holds this mailbox.
  const { node } = err;
  return new CommandFailed(no(wrongNodeText(node, 'imap'), `REFERRAL imap://${encodeURIComponent(login)};AUTH=*@${node.host}:${node.ports.imap ?? 143}/`));
}
