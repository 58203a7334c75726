/**
 * Reads one whole IMAP command off the connection: its first line, then for every literal
 * announced at a line's end ({n} or LITERAL+ {n+}) the n octets and the line that follows.
 * For a synchronising literal it sends the "+" continuation, and only once the size is known
 * to be acceptable, so nothing is ever allocated in proportion to a size a client claims.
 * It knows no command: how large a literal may be is asked of the session. Literal octets are
 * held in memory until the command is done, within the lab's budget for mail being received
 * (the one SMTP's DATA uses): an APPEND of 10 MB stalled one octet short on each of a few
 * hundred connections would otherwise hold gigabytes. As SMTP's DATA, a literal takes from the
 * budget as its octets arrive (the announcement only checks that it would fit now): holding
 * the budget costs a client the bytes it holds, not one line announcing {10485760}.
 */
import type { Line, LineChannel } from '../net/lineChannel.js';
import type { MemoryShare } from '../world/memoryShare.js';

/** Bytes held in memory, counted per client and for the whole lab (smtp/dataBudget.ts). */
export interface MemoryBudget {
  fits(share: MemoryShare, bytes: number): boolean;
  take(share: MemoryShare, bytes: number): boolean;
  give(share: MemoryShare, bytes: number): void;
}

export interface Piece {
  /** A line (without CRLF) or the octets of a literal. */
  kind: 'line' | 'literal';
  bytes: Buffer;
}

export interface CommandLimits {
  /** Largest literal this command may carry. */
  maxLiteral: number;
  /** Largest sum of lines and literals. */
  maxTotal: number;
}

export type ReadResult =
  | { kind: 'command'; pieces: Piece[] }
  /** The command was not read whole; answer it and go on with the next one. */
  | { kind: 'refused'; tag: string | undefined; code?: string; text: string }
  /** The client cannot be followed any more (it is sending more than we will skip). */
  | { kind: 'fatal'; text: string }
  | { kind: 'closed' };

/** Literals per command: LOGIN needs 2, real clients rarely more than a handful. */
const MAX_LITERALS = 64;
/** A refused LITERAL+ literal up to this size is read and thrown away; beyond it we hang up. */
const MAX_SKIP = 64 * 1024 * 1024;
const LITERAL_AT_END = /\{(\d{1,20})(\+?)\}$/;
/** Literal octets are read, counted and skipped in pieces of at most this size. */
const PIECE = 64 * 1024;
const NO_ROOM = 'Too much mail is being received from your address at once; nothing of this command was kept. Send it again in a minute';

/** The tag at the start of a line, if it has one that could be a tag (for error replies). */
export function tagOf(line: Buffer): string | undefined {
  const text = line.subarray(0, 64).toString('latin1');
  const m = /^([^\s(){%*"\\+\x00-\x1f\x7f]+) /.exec(text);
  return m ? m[1] : undefined;
}

/** The literal announced at the end of a line, if any. */
export function literalAtEnd(line: Buffer): { size: number; synchronising: boolean } | undefined {
  // Most lines end otherwise: no string and no regex for them.
  if (line[line.length - 1] !== 0x7d) return undefined;
  const m = LITERAL_AT_END.exec(line.subarray(Math.max(0, line.length - 24)).toString('latin1'));
  if (!m) return undefined;
  return { size: Number(m[1]), synchronising: m[2] !== '+' };
}

export class CommandReader {
  /** Literal octets of the command last read, taken from the budget until the next is read. */
  private held = 0;
  /** Whose share `held` was taken from: a login during the command does not change it. */
  private heldShare: MemoryShare | undefined;

  constructor(
    private readonly channel: LineChannel,
    private readonly limitsFor: (firstLine: Buffer) => CommandLimits,
    private readonly budget?: { memory: MemoryBudget; share: () => MemoryShare },
  ) {}

  /** Gives back what the last command's literals took (the session calls it when it ends). */
  release(): void {
    if (this.held > 0) this.budget?.memory.give(this.heldShare!, this.held);
    this.held = 0;
    this.heldShare = undefined;
  }

  /** Whether `bytes` more would fit in this client's budget now (nothing is taken). */
  private fits(bytes: number): boolean {
    return !this.budget || this.budget.memory.fits((this.heldShare ??= this.budget.share()), bytes);
  }

  private take(bytes: number): boolean {
    if (!this.budget) return true;
    if (!this.budget.memory.take((this.heldShare ??= this.budget.share()), bytes)) return false;
    this.held += bytes;
    return true;
  }

  async next(): Promise<ReadResult> {
    // The previous command is done: its literals are no longer held.
    this.release();
    const first = await this.channel.readLine();
    if (!first) return { kind: 'closed' };
    if (first.tooLong) return this.refuseLong(first, first.bytes, 'Line too long: a command line is at most 64 KiB. Send long values as literals, e.g. {5000}');
    const limits = this.limitsFor(first.bytes);
    const pieces: Piece[] = [{ kind: 'line', bytes: first.bytes }];
    let total = first.bytes.length;
    let line = first.bytes;
    for (let literals = 0; ; literals++) {
      const literal = literalAtEnd(line);
      if (!literal) return { kind: 'command', pieces };
      const tooBig =
        literals >= MAX_LITERALS
          ? `Too many literals in one command (at most ${MAX_LITERALS})`
          : literal.size > limits.maxLiteral || total + literal.size > limits.maxTotal
            ? `Literal of ${literal.size} octets is too large: this command accepts at most ${Math.min(limits.maxLiteral, limits.maxTotal)} octets`
            : undefined;
      const noRoom = !tooBig && !this.fits(literal.size);
      const code = noRoom ? 'UNAVAILABLE' : 'TOOBIG';
      const problem = tooBig ?? (noRoom ? NO_ROOM : undefined);
      if (problem) {
        this.release();
        // No "+" was sent, so a client waits for our answer and sends nothing more.
        if (literal.synchronising) return { kind: 'refused', tag: tagOf(first.bytes), code, text: problem };
        // LITERAL+: the octets are already on their way; skip them without keeping them.
        return this.refuseRest(first.bytes, literal.size, code, problem);
      }
      if (literal.synchronising) await this.channel.write(`+ Ready for ${literal.size} octets of literal data\r\n`);
      const bytes = await this.readLiteral(literal.size);
      if (bytes === 'closed') return { kind: 'closed' };
      if (typeof bytes === 'number') {
        // The budget ran out while the octets came (others took it meanwhile): drop the rest.
        this.release();
        return this.refuseRest(first.bytes, bytes, 'UNAVAILABLE', NO_ROOM);
      }
      pieces.push({ kind: 'literal', bytes });
      const next = await this.channel.readLine();
      if (!next) return { kind: 'closed' };
      if (next.tooLong) return this.refuseLong(next, first.bytes, 'Line too long after a literal: a command line is at most 64 KiB');
      pieces.push({ kind: 'line', bytes: next.bytes });
      total += literal.size + next.bytes.length;
      line = next.bytes;
    }
  }

  /**
   * A literal's `size` octets, each piece taken from the budget as it comes; or, when the budget
   * has no room for a piece, how many octets of the literal are still to come.
   */
  private async readLiteral(size: number): Promise<Buffer | number | 'closed'> {
    const parts: Buffer[] = [];
    for (let have = 0; have < size; ) {
      const piece = await this.channel.readUpTo(Math.min(size - have, PIECE));
      if (!piece) return 'closed';
      have += piece.length;
      if (!this.take(piece.length)) return size - have;
      parts.push(piece);
    }
    return parts.length === 1 ? parts[0]! : Buffer.concat(parts, size);
  }

  /**
   * Refuses a command with an over-long line (BAD, with the tag from its first line). A
   * LITERAL+ announced at the line's end is on its way: its octets are skipped with the rest of
   * the command, not read as commands.
   */
  private async refuseLong(line: Line, firstLine: Buffer, problem: string): Promise<ReadResult> {
    const literal = literalAtEnd(line.tail!);
    if (literal && !literal.synchronising) return this.refuseRest(firstLine, literal.size, undefined, problem);
    return { kind: 'refused', tag: tagOf(firstLine), text: problem };
  }

  /** Drops the `left` octets of a refused literal still to come and the rest of its command, then refuses it (BAD without a code). */
  private async refuseRest(firstLine: Buffer, left: number, code: string | undefined, problem: string): Promise<ReadResult> {
    if (left > MAX_SKIP || !(await this.skip(left))) return { kind: 'fatal', text: `${problem}. Closing the connection` };
    return (await this.skipRestOfCommand()) ? { kind: 'refused', tag: tagOf(firstLine), code, text: problem } : { kind: 'closed' };
  }

  /** Reads and drops n octets in small pieces. */
  private async skip(n: number): Promise<boolean> {
    for (let left = n; left > 0; ) {
      const chunk = await this.channel.readUpTo(Math.min(left, PIECE));
      if (!chunk) return false;
      left -= chunk.length;
    }
    return true;
  }

  /** After a skipped literal: drops the rest of that command, including further LITERAL+ parts. */
  private async skipRestOfCommand(): Promise<boolean> {
    for (;;) {
      const line = await this.channel.readLine();
      if (!line) return false;
      const literal = literalAtEnd(line.tooLong ? line.tail! : line.bytes);
      if (!literal) return true;
      if (literal.synchronising || literal.size > MAX_SKIP) return true;
      if (!(await this.skip(literal.size))) return false;
    }
  }
}
