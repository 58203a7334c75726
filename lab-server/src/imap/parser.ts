/**
 * Turns the pieces of one command (lines and literals) into a tag, a command name and a tree
 * of arguments: atoms, strings (quoted or literal) and parenthesised lists. It knows the
 * lexical rules of RFC 3501 §4 and §9 but no command; what the arguments mean is for the
 * command's schema to decide.
 */
import type { Piece } from './commandReader.js';

export type Token =
  | {
      type: 'atom';
      value: string;
      /** For FETCH's BODY[...]: what stood between the brackets. */
      section?: Token[];
      /** For FETCH's <origin.count>: the text between the angle brackets. */
      partial?: string;
    }
  /** `binary`: sent as a literal8, ~{n} (RFC 3516), which may hold any octet, NUL included. */
  | { type: 'string'; value: Buffer; literal: boolean; binary?: boolean }
  | { type: 'list'; items: Token[] };

export interface ParsedCommand {
  tag: string;
  /** The command name as typed (compare case-insensitively). */
  name: string | undefined;
  args: Token[];
}

export class ImapSyntaxError extends Error {
  constructor(
    message: string,
    /** The tag, when the command had a usable one. */
    readonly tag?: string,
  ) {
    super(message);
  }
}

/** Deepest nesting of parentheses and brackets accepted. */
export const MAX_DEPTH = 16;
/** Most tokens in one command (SEARCH with many keys, FETCH with many items). */
const MAX_TOKENS = 20_000;
const TAG = /^[^\s(){%*"\\+\]\x00-\x1f\x7f]+$/;

export function parseCommand(pieces: readonly Piece[]): ParsedCommand {
  for (const piece of pieces) {
    if (piece.kind === 'line' && piece.bytes.includes(0)) {
      throw new ImapSyntaxError('NUL bytes are not allowed in a command line. Type the command as plain text', tagGuess(pieces));
    }
  }
  const lexer = new Lexer(pieces);
  const tagToken = lexer.next('tag');
  if (!tagToken) throw new ImapSyntaxError('Empty line. Every IMAP command starts with a tag, e.g. a1 CAPABILITY');
  if (tagToken.type !== 'atom' || tagToken.section || !TAG.test(tagToken.value)) {
    throw new ImapSyntaxError('Every IMAP command starts with a tag: a short label you choose, such as a1, then a space and the command. Try: a1 CAPABILITY');
  }
  const tag = tagToken.value;
  let args: Token[];
  let nameToken: Token | undefined;
  try {
    nameToken = lexer.next('command');
    args = lexer.rest();
  } catch (err) {
    if (err instanceof ImapSyntaxError) throw new ImapSyntaxError(err.message, tag);
    throw err;
  }
  if (nameToken && (nameToken.type !== 'atom' || nameToken.section)) {
    throw new ImapSyntaxError('After the tag comes the command name, e.g. a1 NOOP', tag);
  }
  return { tag, name: nameToken?.type === 'atom' ? nameToken.value : undefined, args };
}

function tagGuess(pieces: readonly Piece[]): string | undefined {
  const first = pieces[0]?.bytes.subarray(0, 64).toString('latin1') ?? '';
  const m = /^([^\s(){%*"\\+\]\x00-\x1f\x7f]+) /.exec(first);
  return m?.[1];
}

class Lexer {
  private piece = 0;
  private pos = 0;
  private tokens = 0;

  constructor(private readonly pieces: readonly Piece[]) {}

  private get line(): Buffer {
    return this.pieces[this.piece]!.bytes;
  }

  /** One top-level token, or undefined at the end of the command. */
  next(what: string): Token | undefined {
    this.skipSpaces();
    if (this.atEnd()) return undefined;
    const token = this.token(0, undefined);
    if (!token) throw new ImapSyntaxError(`Unexpected "${this.peekText()}" where the ${what} should be`);
    return token;
  }

  /** All remaining top-level tokens. */
  rest(): Token[] {
    const out: Token[] = [];
    for (;;) {
      this.skipSpaces();
      if (this.atEnd()) return out;
      const c = this.line[this.pos];
      if (c === 0x29) throw new ImapSyntaxError('Unbalanced ")": there is no "(" for it to close');
      if (c === 0x5d) throw new ImapSyntaxError('Unbalanced "]": there is no "[" for it to close');
      out.push(this.token(0, undefined)!);
    }
  }

  private atEnd(): boolean {
    return this.pos >= this.line.length && this.piece >= this.pieces.length - 1;
  }

  private skipSpaces(): void {
    while (this.pos < this.line.length && this.line[this.pos] === 0x20) this.pos++;
  }

  private peekText(): string {
    return this.line.subarray(this.pos, this.pos + 20).toString('latin1');
  }

  private count(): void {
    if (++this.tokens > MAX_TOKENS) throw new ImapSyntaxError(`Too many arguments (more than ${MAX_TOKENS})`);
  }

  /** Reads one token at the cursor; `closer` is the byte that ends the enclosing group. */
  private token(depth: number, closer: number | undefined): Token | undefined {
    const c = this.line[this.pos];
    if (c === undefined) return undefined;
    this.count();
    if (c === 0x28) {
      this.pos++;
      return { type: 'list', items: this.group(depth + 1, 0x29) };
    }
    if (c === 0x22) return this.quoted();
    if (c === 0x7b) return this.literal();
    if (c === 0x7e && this.line[this.pos + 1] === 0x7b) {
      this.pos++;
      return { ...this.literal(), binary: true };
    }
    if (c === 0x29 || c === 0x5d) return undefined;
    return this.atom(depth, closer);
  }

  /** Tokens up to the closing byte (")" or "]"), which is consumed. */
  private group(depth: number, close: number): Token[] {
    if (depth > MAX_DEPTH) throw new ImapSyntaxError(`Parentheses nested too deeply (more than ${MAX_DEPTH} levels)`);
    const items: Token[] = [];
    for (;;) {
      this.skipSpaces();
      if (this.pos >= this.line.length) {
        throw new ImapSyntaxError(close === 0x29 ? 'Missing ")": a list was opened with "(" but never closed' : 'Missing "]" after a section such as BODY[HEADER');
      }
      const c = this.line[this.pos];
      if (c === close) {
        this.pos++;
        return items;
      }
      const token = this.token(depth, close);
      if (!token) throw new ImapSyntaxError(`Unexpected "${String.fromCharCode(c!)}" inside ${close === 0x29 ? '( )' : '[ ]'}`);
      items.push(token);
    }
  }

  private quoted(): Token {
    const line = this.line;
    const bytes: number[] = [];
    for (let i = this.pos + 1; i < line.length; i++) {
      const c = line[i]!;
      if (c === 0x22) {
        this.pos = i + 1;
        this.expectSeparator();
        return { type: 'string', value: Buffer.from(bytes), literal: false };
      }
      if (c === 0x5c) {
        const n = line[i + 1];
        if (n !== 0x22 && n !== 0x5c) throw new ImapSyntaxError('In a quoted string a backslash may only come before " or \\ (write \\\\ for one backslash)');
        bytes.push(n);
        i++;
        continue;
      }
      bytes.push(c);
    }
    throw new ImapSyntaxError('Unterminated quoted string: a closing " is missing');
  }

  private literal(): Extract<Token, { type: 'string' }> {
    const rest = this.line.subarray(this.pos).toString('latin1');
    if (!/^\{\d{1,20}\+?\}$/.test(rest)) {
      throw new ImapSyntaxError('A literal {n} must end the line, and the n octets follow on the next line, e.g. {5}');
    }
    const data = this.pieces[this.piece + 1];
    if (!data || data.kind !== 'literal') throw new ImapSyntaxError('Unterminated literal: its octets never came');
    this.piece += 2;
    this.pos = 0;
    this.expectSeparator();
    return { type: 'string', value: data.bytes, literal: true };
  }

  private atom(depth: number, closer: number | undefined): Token {
    const line = this.line;
    const start = this.pos;
    let i = this.pos;
    for (; i < line.length; i++) {
      const c = line[i]!;
      if (c === 0x20 || c === 0x28 || c === 0x29 || c === 0x22 || c === 0x7b) break;
      if (c === 0x5d && closer === 0x5d) break;
      if (c < 0x20 || c === 0x7f) throw new ImapSyntaxError('Control characters are not allowed in a command');
      if (c === 0x5b) {
        // BODY[...]: a section in brackets, maybe followed by <partial>.
        const value = line.subarray(start, i).toString('latin1');
        const save = { piece: this.piece, pos: this.pos, tokens: this.tokens };
        this.pos = i + 1;
        try {
          const section = this.group(depth + 1, 0x5d);
          let partial: string | undefined;
          if (this.line[this.pos] === 0x3c) {
            const end = this.line.indexOf(0x3e, this.pos);
            if (end === -1) throw new ImapSyntaxError('Missing ">" after a partial range such as <0.100>');
            partial = this.line.subarray(this.pos + 1, end).toString('latin1');
            this.pos = end + 1;
          }
          this.expectSeparator();
          return { type: 'atom', value, section, partial };
        } catch (err) {
          // Not a section after all (a mailbox name may contain "["): read it as a plain atom.
          if (!(err instanceof ImapSyntaxError) || !/Missing "\]"/.test(err.message)) throw err;
          Object.assign(this, save);
          i = this.skipToAtomEnd(i, closer);
          break;
        }
      }
    }
    this.pos = i;
    const value = line.subarray(start, i).toString('latin1');
    if (value === '') throw new ImapSyntaxError(`Unexpected "${this.peekText()}"`);
    return { type: 'atom', value };
  }

  private skipToAtomEnd(i: number, closer: number | undefined): number {
    const line = this.line;
    for (; i < line.length; i++) {
      const c = line[i]!;
      if (c === 0x20 || c === 0x28 || c === 0x29 || c === 0x22 || c === 0x7b || (c === 0x5d && closer === 0x5d)) break;
    }
    return i;
  }

  /** After a string or section, a space, a closing bracket or the end must follow. */
  private expectSeparator(): void {
    const c = this.line[this.pos];
    if (c === undefined || c === 0x20 || c === 0x29 || c === 0x5d) return;
    throw new ImapSyntaxError(`Expected a space before "${this.peekText()}"`);
  }
}
