/**
 * APPEND (RFC 3501 §6.3.11) with APPENDUID (RFC 4315): stores a message the client sends as a
 * literal. With flags it lands in cur/ (APPEND to Sent writes .Sent/cur/...:2,S).
 */
import { defineCommand, LOGGED_IN } from '../command.js';
import { parseDateTime } from '../dates.js';
import { InvalidFlag, parseFlagTokens } from '../flags.js';
import type { Token } from '../parser.js';
import { no, ok } from '../response.js';
import { ArgumentError, list, mailboxName, optional, type ArgSpec } from '../schema.js';
import { existingFolder, shown } from './common.js';

const dateTime: ArgSpec<Date> = {
  what: 'date-time',
  parse([token]) {
    const text = token!.type === 'string' ? token!.value.toString('latin1') : '';
    const date = parseDateTime(text);
    if (!date) throw new ArgumentError('The date-time must look like "01-Sep-2026 08:00:00 +0000"');
    return date;
  },
};

const message: ArgSpec<Buffer> = {
  what: 'message, sent as a literal {size}',
  parse([token]) {
    if (token!.type !== 'string' || !token!.literal) {
      throw new ArgumentError('The message must be sent as a literal: {size}, then the message on the following lines');
    }
    return token!.value;
  },
};

export default defineCommand({
  name: 'APPEND',
  states: LOGGED_IN,
  args: [
    mailboxName(),
    optional(list('flag list'), (t: Token) => t.type === 'list'),
    // A quoted string that starts like a date is the date-time; anything else is a misplaced message.
    optional(dateTime, (t: Token) => t.type === 'string' && !t.literal && /^ ?\d/.test(t.value.toString('latin1'))),
    message,
  ],
  example: 'APPEND Sent (\\Seen) {310}',
  async handle({ tag, session }, [name, flagTokens, date, bytes]) {
    let flags;
    try {
      flags = parseFlagTokens(flagTokens ?? []);
    } catch (err) {
      if (err instanceof InvalidFlag) throw new ArgumentError(err.message);
      throw err;
    }
    const target = await existingFolder(session, name, tag, 'TRYCREATE');
    if (bytes.length === 0) return no('An empty message cannot be stored: send the header and body as the literal');
    const [uid] = await target.deliverAll([{ message: bytes, flags: flags.letters, internalDate: date }]);
    const ignored = flags.ignored.length > 0 ? ` (${flags.ignored.join(' ')} ignored: only system flags are kept)` : '';
    return ok(`APPEND completed: stored in "${shown(name)}" as UID ${uid}${ignored}`, `APPENDUID ${target.uidValidity} ${uid}`);
  },
});
