/**
 * APPEND's arguments: a mailbox, then one message or several (MULTIAPPEND, RFC 3502), each with
 * optional flags and date-time, given as a literal, a literal8 (BINARY, RFC 3516), or CATENATE
 * (RFC 4469): pieces of text and URLs of parts of messages already on the server.
 */
import { parseDateTime } from './dates.js';
import type { Token } from './parser.js';
import { ArgumentError, decodeMailbox, describe, textOf, type ParseContext } from './schema.js';

export type CatenatePart = { kind: 'text'; bytes: Buffer; binary: boolean } | { kind: 'url'; url: string };

export interface AppendMessage {
  flagTokens: Token[];
  date?: Date;
  data: { kind: 'literal'; bytes: Buffer; binary: boolean } | { kind: 'catenate'; parts: CatenatePart[] };
}

const MESSAGE_HELP = 'each message is a literal {size} (or ~{size} for binary), or CATENATE (TEXT {size} URL "/INBOX/;UID=1")';

function isLiteral(token: Token | undefined): token is Extract<Token, { type: 'string' }> {
  return token?.type === 'string' && token.literal;
}

function readCatenate(list: Token | undefined): CatenatePart[] {
  if (list?.type !== 'list' || list.items.length === 0) throw new ArgumentError('CATENATE needs its parts in parentheses, e.g. CATENATE (URL "/INBOX/;UID=1/;SECTION=HEADER" TEXT {12})');
  const parts: CatenatePart[] = [];
  for (let i = 0; i < list.items.length; i += 2) {
    const kind = list.items[i];
    const value = list.items[i + 1];
    const word = kind?.type === 'atom' ? kind.value.toUpperCase() : '';
    if (word === 'TEXT') {
      if (!isLiteral(value)) throw new ArgumentError('TEXT in CATENATE is followed by a literal {size}');
      parts.push({ kind: 'text', bytes: value.value, binary: value.binary === true });
    } else if (word === 'URL') {
      if (!value || value.type === 'list') throw new ArgumentError('URL in CATENATE is followed by the URL, e.g. URL "/INBOX/;UID=1"');
      parts.push({ kind: 'url', url: textOf(value, 'URL') });
    } else {
      throw new ArgumentError(`"${kind ? describe(kind) : ''}" is not a CATENATE part: use TEXT {size} or URL "..."`);
    }
  }
  return parts;
}

/** Reads the whole APPEND command after its name. */
export function parseAppend(tokens: readonly Token[], context?: ParseContext): { mailbox: string; messages: AppendMessage[] } {
  const first = tokens[0];
  if (!first) throw new ArgumentError('Missing mailbox name');
  const mailbox = decodeMailbox(textOf(first, 'mailbox name'), context);
  const messages: AppendMessage[] = [];
  let i = 1;
  while (i < tokens.length || messages.length === 0) {
    const message: Partial<AppendMessage> & { flagTokens: Token[] } = { flagTokens: [] };
    if (tokens[i]?.type === 'list') message.flagTokens = (tokens[i++] as Extract<Token, { type: 'list' }>).items;
    const maybeDate = tokens[i];
    // A quoted string that starts like a date is the date-time; anything else is a misplaced message.
    if (maybeDate?.type === 'string' && !maybeDate.literal && /^ ?\d/.test(maybeDate.value.toString('latin1'))) {
      const date = parseDateTime(maybeDate.value.toString('latin1'));
      if (!date) throw new ArgumentError('The date-time must look like "01-Sep-2026 08:00:00 +0000", a day the month has, in the years 0000 to 9999');
      message.date = date;
      i++;
    }
    const data = tokens[i++];
    if (data?.type === 'string' && !data.literal) throw new ArgumentError('The message must be sent as a literal: {size}, then the message on the following lines');
    if (isLiteral(data)) message.data = { kind: 'literal', bytes: data.value, binary: data.binary === true };
    else if (data?.type === 'atom' && data.value.toUpperCase() === 'CATENATE') message.data = { kind: 'catenate', parts: readCatenate(tokens[i++]) };
    else throw new ArgumentError(data ? `"${describe(data)}" is not a message: ${MESSAGE_HELP}` : `The message is missing: ${MESSAGE_HELP}`);
    messages.push(message as AppendMessage);
  }
  return { mailbox, messages };
}
