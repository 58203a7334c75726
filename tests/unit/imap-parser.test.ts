/**
 * The IMAP command parser and command reader: literals, quoted strings, lists, sections and
 * every kind of bad input, checked on the parsed tree (parser) and on a real socket (reader).
 */
import { once } from 'node:events';
import { createServer, connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { commandLimits } from '../../lab-server/src/imap/commandGuards.js';
import { CommandReader, literalAtEnd, tagOf, type Piece } from '../../lab-server/src/imap/commandReader.js';
import { ImapSyntaxError, MAX_DEPTH, parseCommand, type Token } from '../../lab-server/src/imap/parser.js';
import { LineChannel } from '../../lab-server/src/net/lineChannel.js';

const line = (text: string): Piece => ({ kind: 'line', bytes: Buffer.from(text, 'utf8') });
const lit = (text: string): Piece => ({ kind: 'literal', bytes: Buffer.from(text, 'utf8') });

/** A compact picture of tokens: atoms bare, strings in quotes, lists in brackets. */
function show(tokens: Token[]): unknown[] {
  return tokens.map((t) =>
    t.type === 'atom' ? (t.section ? { atom: t.value, section: show(t.section), partial: t.partial } : t.value) : t.type === 'string' ? `"${t.value.toString('utf8')}"${t.literal ? '{L}' : ''}` : show(t.items),
  );
}

function syntaxError(pieces: Piece[]): ImapSyntaxError {
  try {
    parseCommand(pieces);
  } catch (err) {
    if (err instanceof ImapSyntaxError) return err;
    throw err;
  }
  throw new Error('expected a syntax error');
}

describe('parseCommand', () => {
  it('splits tag, command and atoms', () => {
    const c = parseCommand([line('a1 LOGIN alice@example.com secret')]);
    expect(c.tag).toBe('a1');
    expect(c.name).toBe('LOGIN');
    expect(show(c.args)).toEqual(['alice@example.com', 'secret']);
  });

  it('reads quoted strings with \\" and \\\\ escapes', () => {
    const c = parseCommand([line('a2 LOGIN "al\\"ice" "pa ss\\\\word"')]);
    expect(show(c.args)).toEqual(['"al"ice"', '"pa ss\\word"']);
  });

  it('refuses other backslash escapes and unterminated quotes', () => {
    expect(syntaxError([line('a3 LOGIN "a\\x" b')]).message).toMatch(/backslash/);
    const err = syntaxError([line('a4 SELECT "INBOX')]);
    expect(err.message).toMatch(/Unterminated quoted string/);
    expect(err.tag).toBe('a4');
  });

  it('joins literals into the command as strings', () => {
    const c = parseCommand([line('a5 LOGIN {17}'), lit('alice@example.com'), line(' {6+}'), lit('secret'), line('')]);
    expect(show(c.args)).toEqual(['"alice@example.com"{L}', '"secret"{L}']);
  });

  it('reads a literal8 ~{n} (RFC 3516) as a binary string, and ~ elsewhere as part of an atom', () => {
    const c = parseCommand([line('a7 APPEND INBOX ~{3}'), { kind: 'literal', bytes: Buffer.from([0, 0x2d, 0xe4]) }, line(' ~foo')]);
    const [box, data, atom] = c.args;
    expect(box).toEqual({ type: 'atom', value: 'INBOX' });
    expect(data).toEqual({ type: 'string', value: Buffer.from([0, 0x2d, 0xe4]), literal: true, binary: true });
    expect(atom).toEqual({ type: 'atom', value: '~foo' });
    expect(literalAtEnd(Buffer.from('a7 APPEND INBOX ~{3+}'))).toEqual({ size: 3, synchronising: false });
  });

  it('reads nested lists and FETCH sections with partial ranges', () => {
    const c = parseCommand([line('a6 FETCH 1:* (FLAGS BODY.PEEK[HEADER.FIELDS (FROM SUBJECT)] BODY[1.2]<0.100> BODY[])')]);
    expect(show(c.args)).toEqual([
      '1:*',
      [
        'FLAGS',
        { atom: 'BODY.PEEK', section: ['HEADER.FIELDS', ['FROM', 'SUBJECT']], partial: undefined },
        { atom: 'BODY', section: ['1.2'], partial: '0.100' },
        { atom: 'BODY', section: [], partial: undefined },
      ],
    ]);
  });

  it('reads a "[" without "]" as part of a mailbox name', () => {
    const c = parseCommand([line('a7 SELECT foo[bar')]);
    expect(show(c.args)).toEqual(['foo[bar']);
  });

  it('refuses NUL bytes, unbalanced parentheses and deep nesting', () => {
    expect(syntaxError([line('a8 NOOP\0')]).message).toMatch(/NUL/);
    expect(syntaxError([line('a9 FETCH 1 (FLAGS')]).message).toMatch(/Missing "\)"/);
    expect(syntaxError([line('b1 FETCH 1 FLAGS)')]).message).toMatch(/Unbalanced/);
    const deep = '('.repeat(MAX_DEPTH + 5) + ')'.repeat(MAX_DEPTH + 5);
    expect(syntaxError([line(`b2 SEARCH ${deep}`)]).message).toMatch(/nested too deeply/);
    expect(syntaxError([line('b3 LOGIN {5} x')]).message).toMatch(/literal/);
  });

  it('has no tag to give for lines that do not start with one', () => {
    expect(syntaxError([line('')]).tag).toBeUndefined();
    expect(syntaxError([line('(a1) NOOP')]).message).toMatch(/starts with a tag/);
    expect(syntaxError([line('"a1" NOOP')]).tag).toBeUndefined();
    expect(syntaxError([line('+ NOOP')]).tag).toBeUndefined();
  });

  it('finds literal markers and tags for the reader', () => {
    expect(literalAtEnd(Buffer.from('a APPEND Sent {310}'))).toEqual({ size: 310, synchronising: true });
    expect(literalAtEnd(Buffer.from('a APPEND Sent {4294967296+}'))).toEqual({ size: 4294967296, synchronising: false });
    expect(literalAtEnd(Buffer.from('a LOGIN "{5}"'))).toBeUndefined();
    expect(tagOf(Buffer.from('x12 FETCH'))).toBe('x12');
    expect(tagOf(Buffer.from('* OK'))).toBeUndefined();
    expect(literalAtEnd(Buffer.from('a LOGIN {5} x'))).toBeUndefined();
    expect(literalAtEnd(Buffer.from('}'))).toBeUndefined();
    expect(literalAtEnd(Buffer.from(''))).toBeUndefined();
  });

  it('gives APPEND, in any case, room for a whole message and every other command the usual limits', () => {
    const big = 50 * 1024 * 1024;
    for (const line of ['a1 APPEND INBOX {100}', 'a1 append INBOX {100}', 'x.9 aPpEnD "Sent" (\\Seen) {100}']) {
      expect(commandLimits('authenticated', Buffer.from(line), big), line).toEqual({ maxLiteral: big, maxTotal: big + 64 * 1024 });
    }
    for (const line of ['a1 APPENDX INBOX {100}', 'a1 APPEN', 'a1 APPEND', 'APPEND INBOX {100}', 'a1 LOGIN {5}', 'a1 @PPEND INBOX {1}', 'a1  APPEND INBOX {1}']) {
      expect(commandLimits('selected', Buffer.from(line), big).maxLiteral, line).toBe(64 * 1024);
    }
    // Before login even APPEND is small.
    expect(commandLimits('not-authenticated', Buffer.from('a1 APPEND INBOX {100}'), big).maxLiteral).toBe(8 * 1024);
  });
});

describe('CommandReader over a real socket', () => {
  const sockets: Socket[] = [];
  afterEach(() => {
    for (const s of sockets.splice(0)) s.destroy();
  });

  async function pair(limits = { maxLiteral: 100, maxTotal: 1000 }): Promise<{ client: Socket; reader: CommandReader; received: () => string }> {
    const server = createServer();
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const port = (server.address() as { port: number }).port;
    const client = connect(port, '127.0.0.1');
    const [accepted] = (await once(server, 'connection')) as [Socket];
    server.close();
    sockets.push(client, accepted);
    let received = '';
    client.on('data', (d: Buffer) => (received += d.toString('latin1')));
    const reader = new CommandReader(new LineChannel(accepted, 1024), () => limits);
    return { client, reader, received: () => received };
  }

  it('sends "+" for a synchronising literal and not for LITERAL+', async () => {
    const { client, reader, received } = await pair();
    client.write('a1 LOGIN {5}\r\n');
    const pending = reader.next();
    // The "+" comes before the client sends the octets; wait for it (a loaded machine may take a while).
    for (let waited = 0; !received() && waited < 5000; waited += 20) await new Promise((r) => setTimeout(r, 20));
    expect(received()).toMatch(/^\+ Ready for 5 octets/);
    client.write('alice {6+}\r\nsecret\r\n');
    const result = await pending;
    expect(result.kind).toBe('command');
    if (result.kind !== 'command') return;
    expect(result.pieces.map((p) => `${p.kind}:${p.bytes.toString()}`)).toEqual(['line:a1 LOGIN {5}', 'literal:alice', 'line: {6+}', 'literal:secret', 'line:']);
    expect(received().match(/\+ Ready/g)).toHaveLength(1);
  });

  it('refuses a huge synchronising literal without sending "+" or waiting for it', async () => {
    const { client, reader, received } = await pair();
    client.write('a2 APPEND INBOX {4294967296}\r\n');
    const result = await reader.next();
    expect(result).toMatchObject({ kind: 'refused', tag: 'a2', code: 'TOOBIG' });
    expect(received()).toBe('');
    // The connection goes on with the next command.
    client.write('a3 NOOP\r\n');
    expect(await reader.next()).toMatchObject({ kind: 'command' });
  });

  it('skips a too-large LITERAL+ literal without keeping it, then reads on', async () => {
    const { client, reader } = await pair({ maxLiteral: 10, maxTotal: 100 });
    client.write('a4 LOGIN {50+}\r\n' + 'x'.repeat(50) + ' {3+}\r\nabc\r\na5 NOOP\r\n');
    expect(await reader.next()).toMatchObject({ kind: 'refused', tag: 'a4', code: 'TOOBIG' });
    const next = await reader.next();
    expect(next.kind === 'command' && next.pieces[0]!.bytes.toString()).toBe('a5 NOOP');
  });

  it('reports an over-long line once and keeps the connection usable', async () => {
    const { client, reader } = await pair();
    client.write('a6 NOOP ' + 'y'.repeat(5000) + '\r\na7 NOOP\r\n');
    expect(await reader.next()).toMatchObject({ kind: 'refused', text: expect.stringMatching(/too long/) });
    const next = await reader.next();
    expect(next.kind === 'command' && next.pieces[0]!.bytes.toString()).toBe('a7 NOOP');
  });

  it('notices a client that leaves in the middle of a literal', async () => {
    const { client, reader } = await pair();
    client.write('a8 LOGIN {20}\r\nabc');
    const pending = reader.next();
    await new Promise((r) => setTimeout(r, 30));
    client.end();
    expect(await pending).toEqual({ kind: 'closed' });
  });
});
