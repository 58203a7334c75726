/**
 * APPEND (RFC 3501 §6.3.11) with APPENDUID (RFC 4315), MULTIAPPEND (RFC 3502: several messages,
 * all stored or none), BINARY literal8 messages (RFC 3516) and CATENATE (RFC 4469: a message
 * built from text and parts of messages already here). With flags a message lands in cur/
 * (APPEND to Sent writes .Sent/cur/...:2,S), keywords as letters beside the flags; each is
 * \Recent for the next session that selects the folder.
 */
import type { MaildirFolder } from '../../maildir/folder.js';
import { KeywordTooLong, TooManyKeywords } from '../../maildir/keywords.js';
import { appendRoom, defineCommand, LOGGED_IN, type CommandContext } from '../command.js';
import { messageSummary } from '../mime/cache.js';
import { WorkerJobFailed } from '../../workers/pool.js';
import { parseAppend, type AppendMessage } from '../appendArgs.js';
import { convert, laneOf } from '../conversions.js';
import { InvalidFlag, parseFlagTokens, type FlagChange } from '../flags.js';
import { InvalidImapUrl, parseImapUrl } from '../imapUrl.js';
import { CommandFailed, no, ok } from '../response.js';
import { reserveOrRefuse } from '../quota.js';
import { ArgumentError, rest } from '../schema.js';
import { compactSet } from '../sequenceSet.js';
import { authorizedMailbox, resolveUrl } from '../urlContent.js';
import { existingFolder, shown } from './common.js';

function flagsOf(message: AppendMessage): FlagChange {
  try {
    return parseFlagTokens(message.flagTokens);
  } catch (err) {
    if (err instanceof InvalidFlag) throw new ArgumentError(err.message);
    throw err;
  }
}

/** The letters of a message's keywords in the target folder, added to its dovecot-keywords if new. */
async function keywordLetters(target: MaildirFolder, flags: FlagChange): Promise<string> {
  try {
    return await target.keywords.lettersFor(flags.keywords);
  } catch (err) {
    if (err instanceof TooManyKeywords) throw new CommandFailed(no(`${err.message}. Append it without that keyword`, 'LIMIT'));
    if (err instanceof KeywordTooLong) throw new CommandFailed(no(`${err.message}. Append it with a shorter keyword`, 'CANNOT'));
    throw err;
  }
}

/** The text of a CATENATE URL in a response code, where "]" may not stand. */
const urlInCode = (url: string): string => url.replace(/[\]\r\n]/g, '?').slice(0, 200);

function tooBig(room: number, maxMessageSize: number): CommandFailed {
  const text =
    room < maxMessageSize
      ? `These messages together are larger than the ${appendRoom(maxMessageSize)} octets one APPEND may carry. Append them one at a time`
      : `The message is larger than the ${maxMessageSize} octets this server accepts`;
  return new CommandFailed(no(text, 'TOOBIG'));
}

/**
 * The octets of one message: its literal, or its CATENATE parts joined, at most `room` of them.
 * Parts are counted as they come: URLs naming a large message again and again stop at the first
 * one too many, not after gigabytes were read and joined.
 */
async function assemble({ session }: CommandContext, message: AppendMessage, room: number): Promise<{ bytes: Buffer; binary: boolean }> {
  if (message.data.kind === 'literal') {
    if (message.data.bytes.length > room) throw tooBig(room, session.maxMessageSize);
    return message.data;
  }
  const pieces: Buffer[] = [];
  let size = 0;
  let binary = false;
  for (const part of message.data.parts) {
    if (part.kind === 'text') {
      size += part.bytes.length;
      if (size > room) throw tooBig(room, session.maxMessageSize);
      pieces.push(part.bytes);
      binary ||= part.binary;
      continue;
    }
    let data: Buffer | undefined;
    try {
      const url = parseImapUrl(part.url);
      const owner = await authorizedMailbox(session, url);
      data = owner && (await resolveUrl(owner, url))?.data;
    } catch (err) {
      if (!(err instanceof InvalidImapUrl)) throw err;
    }
    if (!data) throw new CommandFailed(no(`The URL ${urlInCode(part.url)} names no message part you can read. Check the mailbox, UIDVALIDITY and UID`, `BADURL ${urlInCode(part.url)}`));
    size += data.length;
    if (size > room) throw tooBig(room, session.maxMessageSize);
    pieces.push(data);
  }
  return { bytes: Buffer.concat(pieces), binary };
}

export default defineCommand({
  name: 'APPEND',
  states: LOGGED_IN,
  args: [rest('mailbox name and message')],
  example: 'APPEND Sent (\\Seen) {310}',
  async handle(ctx, [tokens]) {
    const { tag, session } = ctx;
    const { mailbox: name, messages } = parseAppend(tokens, session.parseContext);
    const flags = messages.map(flagsOf);
    const target = await existingFolder(session, name, tag, 'TRYCREATE');
    const items = [];
    let left = appendRoom(session.maxMessageSize);
    for (const [i, message] of messages.entries()) {
      const { bytes, binary } = await assemble(ctx, message, Math.min(session.maxMessageSize, left));
      left -= bytes.length;
      if (bytes.length === 0) return no('An empty message cannot be stored: send the header and body as the literal');
      // A literal8 may hold NULs and bare line ends: such parts are kept base64-encoded.
      const stored = binary ? ((await convert<Uint8Array | null>('storableMessage', [bytes], laneOf(session.mailbox!.dir))) ?? bytes) : bytes;
      // A view, not a copy: the literal and the worker's answer are this command's own (a copy
      // of a 9 MB message was 45-55 ms of one turn).
      items.push({ message: Buffer.isBuffer(stored) ? stored : Buffer.from(stored.buffer, stored.byteOffset, stored.byteLength), flags: flags[i]!.letters + (await keywordLetters(target, flags[i]!)), internalDate: message.date });
    }
    // Room for every message is held first: MULTIAPPEND stores all of them or none.
    const hold = await reserveOrRefuse(session.usage, tag, items.reduce((n, item) => n + item.message.length, 0), items.length);
    const uids = await target.deliverAll(items).finally(() => hold.commit());
    // As Dovecot caches fields at save time: the ENVELOPE is known even if another session
    // expunges the message before anyone fetches it. The message is stored whatever happens
    // here: a worker that cannot read it must not turn this into a NO (the client would send
    // it again, and have it twice); a FETCH of it says what is wrong.
    for (const uid of uids) {
      const info = target.get(uid);
      if (info) await messageSummary(target, info).catch((err: unknown) => {
        if (!(err instanceof WorkerJobFailed)) throw err;
      });
    }
    const ignoredFlags = [...new Set(flags.flatMap((f) => f.ignored))];
    const ignored = ignoredFlags.length > 0 ? ` (${ignoredFlags.join(' ')} ignored: the server sets \\Recent)` : '';
    const what = uids.length === 1 ? `as UID ${uids[0]}` : `as UIDs ${compactSet(uids)}`;
    return ok(`APPEND completed: stored in "${shown(name)}" ${what}${ignored}`, `APPENDUID ${target.uidValidity} ${compactSet(uids)}`);
  },
});
