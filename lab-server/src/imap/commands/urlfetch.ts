/**
 * URLFETCH (RFC 4467, with URLAUTH=BINARY of RFC 5524): the octets an authorized IMAP URL names,
 * whoever owns them, or NIL when the URL does not check out (wrong token, expired, revoked, no
 * such message). In the (url BINARY BODYPARTSTRUCTURE) form it gives the part decoded and its
 * structure.
 */
import { defineCommand, LOGGED_IN } from '../command.js';
import { contentLiteral } from '../binary.js';
import { convert, laneOf, type UrlParts } from '../conversions.js';
import { InvalidImapUrl, parseImapUrl, type ImapUrl } from '../imapUrl.js';
import type { Token } from '../parser.js';
import { cut } from '../partial.js';
import { ok, stringBytes } from '../response.js';
import { ArgumentError, describe, rest, textOf } from '../schema.js';
import { authorizedMailbox, resolveUrl, type UrlSession } from '../urlContent.js';

const PARAMS = ['BODY', 'BINARY', 'BODYPARTSTRUCTURE'];

interface Request {
  text: string;
  /** Undefined for the plain form, which answers a bare string. */
  params?: string[];
}

function readRequest(token: Token): Request {
  if (token.type !== 'list') return { text: textOf(token, 'URL') };
  const [first, ...rest] = token.items;
  if (!first) throw new ArgumentError('An empty () in URLFETCH: write ("imap://..." BINARY)');
  const params = rest.map((t) => {
    const word = t.type === 'atom' ? t.value.toUpperCase() : '';
    if (!PARAMS.includes(word)) throw new ArgumentError(`Unknown URLFETCH parameter "${describe(t)}": use ${PARAMS.join(', ')}`);
    return word;
  });
  if (params.includes('BODY') && params.includes('BINARY')) throw new ArgumentError('Ask for BODY or BINARY, not both');
  return { text: textOf(first, 'URL'), params };
}

export default defineCommand({
  name: 'URLFETCH',
  states: LOGGED_IN,
  args: [rest('URL')],
  example: 'URLFETCH "imap://alice@mail.example.com/INBOX/;UID=1;URLAUTH=authuser:INTERNAL:..."',
  async handle({ session, out }, [tokens]) {
    const requests = tokens.map(readRequest);
    // One URL's answer at a time, out before the next is read: many URLs naming a large
    // message must not be held (and joined) together.
    await out.piece('* URLFETCH');
    try {
      for (const request of requests) {
        const answer = await answerOf(session, request);
        await out.piece(' ');
        await out.piece(answer);
      }
    } finally {
      await out.piece('\r\n');
    }
    return ok('URLFETCH completed');
  },
});

/** "url NIL", "url {n}..." or "url (BODYPARTSTRUCTURE ... BINARY ...)" for one request. */
async function answerOf(session: UrlSession, request: Request): Promise<Buffer> {
  const url = stringBytes(request.text);
  let parsed: ImapUrl | undefined;
  try {
    parsed = parseImapUrl(request.text);
  } catch (err) {
    if (!(err instanceof InvalidImapUrl)) throw err;
  }
  // Only a URL with its own authorization is fetched this way (RFC 4467 §7).
  const owner = parsed?.urlauth?.token ? await authorizedMailbox(session, parsed) : undefined;
  const target = owner && parsed ? await resolveUrl(owner, parsed) : undefined;
  if (!target) return Buffer.concat([url, Buffer.from(' NIL')]);
  if (!request.params || request.params.length === 0) return Buffer.concat([url, Buffer.from(' '), contentLiteral(target.data)]);
  const partOnly = target.section.kind === '';
  const want = { structure: request.params.includes('BODYPARTSTRUCTURE') && partOnly, binary: request.params.includes('BINARY') && partOnly };
  const parts = want.structure || want.binary ? await convert<UrlParts>('urlParts', [target.view.wire, target.section.path, want], laneOf(owner!.dir)) : {};
  const items: Buffer[] = [];
  if (request.params.includes('BODYPARTSTRUCTURE')) items.push(Buffer.concat([Buffer.from('BODYPARTSTRUCTURE '), parts.structure ? Buffer.from(parts.structure) : NIL]));
  if (request.params.includes('BINARY')) {
    const data = partOnly ? (parts.binary ? Buffer.from(parts.binary) : undefined) : target.data;
    items.push(Buffer.concat([Buffer.from('BINARY '), data ? contentLiteral(partOnly ? cut(data, parsed!.partial) : data) : NIL]));
  }
  if (request.params.includes('BODY')) items.push(Buffer.concat([Buffer.from('BODY '), contentLiteral(target.data)]));
  return Buffer.concat([url, Buffer.from(' ('), joined(items), Buffer.from(')')]);
}

const NIL = Buffer.from('NIL');

function joined(parts: Buffer[]): Buffer {
  return Buffer.concat(parts.flatMap((p, i) => (i === 0 ? [p] : [Buffer.from(' '), p])));
}

