/**
 * The response writer: how values are put on the wire (atoms, quoted strings, literals, NIL,
 * lists) and how untagged, continuation and tagged lines are sent. Replies are gathered and
 * written in large chunks so a FETCH of thousands of messages is not thousands of writes.
 */
import type { LineChannel } from '../net/lineChannel.js';

/** A value in a response: null is NIL, a Buffer or string is sent as a string, arrays are lists. */
export type ImapValue = null | number | string | Buffer | Atom | ImapValue[];

/** Text sent as it is (flags, keywords, already-serialised parts). */
export class Atom {
  constructor(readonly text: string | Buffer) {}
}

export const atom = (text: string | Buffer): Atom => new Atom(text);

const QUOTABLE_MAX = 1024;

/**
 * A string as quoted ("...") when it can be, as a literal ({n}CRLF...) otherwise. With `utf8`
 * (a string, in an IMAP4rev2 session) UTF-8 may stand inside quotes (RFC 9051 §4.3).
 */
export function stringBytes(value: string | Buffer, utf8 = false): Buffer {
  const bytes = typeof value === 'string' ? Buffer.from(value, 'utf8') : value;
  let quotable = bytes.length <= QUOTABLE_MAX;
  for (let i = 0; quotable && i < bytes.length; i++) {
    const c = bytes[i]!;
    if (c < 0x20 || c === 0x7f || (c > 0x7f && !(utf8 && typeof value === 'string'))) quotable = false;
  }
  if (quotable) {
    const text = bytes.toString('latin1').replace(/[\\"]/g, (ch) => `\\${ch}`);
    return Buffer.from(`"${text}"`, 'latin1');
  }
  return Buffer.concat([Buffer.from(`{${bytes.length}}\r\n`), bytes]);
}

/** A mailbox name or other astring: bare when it is a safe atom, else as a string. */
export function astringBytes(value: string, utf8 = false): Buffer {
  if (/^[A-Za-z0-9!#$&'+,\-./:;<=>?@^_`|~\]]+$/.test(value) && value.toUpperCase() !== 'NIL') return Buffer.from(value, 'latin1');
  return stringBytes(value, utf8);
}

/**
 * Serialises a value tree. It is built as one byte string (latin1, a character per octet) and
 * turned into bytes once: an ENVELOPE has dozens of small parts, and a Buffer for each was
 * most of the cost of a first FETCH of thousands of envelopes.
 */
export function serialize(value: ImapValue): Buffer {
  return Buffer.from(serializeText(value), 'latin1');
}

function serializeText(value: ImapValue): string {
  if (value === null) return 'NIL';
  if (typeof value === 'number') return String(value);
  if (value instanceof Atom) return typeof value.text === 'string' ? value.text : value.text.toString('latin1');
  if (Array.isArray(value)) {
    let out = '(';
    for (let i = 0; i < value.length; i++) out += (i > 0 ? ' ' : '') + serializeText(value[i]!);
    return out + ')';
  }
  const text = typeof value === 'string' ? Buffer.from(value, 'utf8').toString('latin1') : value.toString('latin1');
  if (text.length <= QUOTABLE_MAX && /^[\x20-\x7e]*$/.test(text)) return `"${text.replace(/[\\"]/g, (ch) => `\\${ch}`)}"`;
  return `{${text.length}}\r\n${text}`;
}


export type Status = 'OK' | 'NO' | 'BAD';

/** What a command ends with: the tagged status line. */
export interface Completion {
  status: Status;
  /** Response code without brackets, e.g. "READ-WRITE" or "TRYCREATE". */
  code?: string;
  text: string;
  /** The handler already wrote its tagged reply (STARTTLS must answer before the handshake). */
  sent?: true;
}

export const ok = (text: string, code?: string): Completion => ({ status: 'OK', text, code });
export const no = (text: string, code?: string): Completion => ({ status: 'NO', text, code });
export const bad = (text: string, code?: string): Completion => ({ status: 'BAD', text, code });

/** Thrown by helpers to end a command with a NO or BAD they have already worded. */
export class CommandFailed extends Error {
  constructor(readonly completion: Completion) {
    super(completion.text);
  }
}

/** Human text in a status line: one line of printable ASCII. */
export function plainText(text: string): string {
  return text.replace(/[^\x20-\x7e]/g, '?');
}

export class ResponseWriter {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  /** Where small pieces are copied, rather than a buffer for each. */
  private chunk: Buffer | undefined;
  private chunkUsed = 0;
  /**
   * Strings queued behind the chunk (byte strings), copied into it together: a FETCH of
   * thousands of messages is one copy per TEXT_AT characters, not a Buffer.write per line.
   */
  private text = '';
  /** Bytes the last write sent: the next reply's first chunk is made that large. */
  private lastReply = 0;
  /** The full-size blocks the queued chunks were cut from, handed back once written. */
  private blocks: Buffer[] = [];

  constructor(private readonly channel: LineChannel) {}

  /**
   * Queues "* " + the parts + CRLF: strings (byte strings) and bytes, one after the other.
   * Returns a promise only when it writes (enough is queued): the caller awaits that, and
   * otherwise goes on without a turn of the microtask queue per message.
   */
  untaggedParts(parts: ReadonlyArray<string | Buffer>): Promise<void> | undefined {
    this.put('* ');
    // An indexed loop: no iterator object for each response.
    for (let i = 0; i < parts.length; i++) this.put(parts[i]!);
    this.put('\r\n');
    return this.pendingBytes >= FLUSH_AT ? this.flush() : undefined;
  }

  /** Queues "* <data>\r\n"; data may hold literals. */
  async untagged(data: string | Buffer): Promise<void> {
    this.put('* ');
    this.put(data);
    this.put('\r\n');
    if (this.pendingBytes >= FLUSH_AT) await this.flush();
  }

  /**
   * Queues a piece of a long untagged response, written as "* " ... CRLF by the caller: one
   * that may run to gigabytes (URLFETCH of many URLs) goes out as it is made, not joined first.
   */
  async piece(data: string | Buffer): Promise<void> {
    this.put(data);
    if (this.pendingBytes >= FLUSH_AT) await this.flush();
  }

  async continuation(text: string): Promise<void> {
    this.queue(Buffer.from(`+ ${plainText(text)}\r\n`));
    await this.flush();
  }

  async tagged(tag: string, done: Completion): Promise<void> {
    const code = done.code ? `[${done.code}] ` : '';
    // Into the chunk behind the untagged responses: the reply goes out as one buffer, not joined from two.
    this.put(`${tag} ${done.status} ${code}${plainText(done.text)}\r\n`);
    await this.flush();
  }

  /** A status line without a tag: "* OK ...", "* BAD ...", "* BYE ...". */
  async status(kind: 'OK' | 'NO' | 'BAD' | 'BYE' | 'PREAUTH', text: string, code?: string): Promise<void> {
    this.queue(Buffer.from(`* ${kind} ${code ? `[${code}] ` : ''}${plainText(text)}\r\n`, 'latin1'));
    await this.flush();
  }

  async flush(): Promise<void> {
    this.sealChunk();
    // An idle session keeps no chunk.
    this.chunk = undefined;
    if (this.pending.length === 0) return;
    const pending = this.pending;
    const bytes = this.pendingBytes;
    const blocks = this.blocks;
    this.lastReply = bytes;
    this.pending = [];
    this.pendingBytes = 0;
    this.blocks = [];
    if (pending.length === 1 || bytes <= JOIN_AT) await this.channel.write(pending.length === 1 ? pending[0]! : Buffer.concat(pending, bytes));
    // A large reply (one message's body named a thousand times over) goes out a piece at a time,
    // each waiting for the client: joined first, it would be copied whole into memory.
    else for (const piece of pending) await this.channel.write(piece);
    // Written and let go by the socket: the next big reply, this session's or another's, fills it again.
    if (blocks.length > 0 && this.channel.sent) spare = blocks[0];
  }

  /** Queues bytes as they are, after everything queued before. */
  private queue(data: Buffer): void {
    this.sealChunk();
    this.pending.push(data);
    this.pendingBytes += data.length;
  }

  private put(part: string | Buffer): void {
    if (typeof part === 'string') {
      // A byte string has one character per octet, so its length is its size.
      this.text += part;
      this.pendingBytes += part.length;
      if (this.text.length >= TEXT_AT) this.copyText();
      return;
    }
    this.copyText();
    this.pendingBytes += part.length;
    this.copy(part);
  }

  private copyText(): void {
    if (this.text === '') return;
    const text = this.text;
    this.text = '';
    this.copy(text);
  }

  /** Into the chunk (a new one when it is full), or queued as it is when large; already counted in pendingBytes. */
  private copy(part: string | Buffer): void {
    const size = part.length;
    if (!this.chunk || this.chunkUsed + size > this.chunk.length) {
      if (size > LARGE_PART) {
        this.sealChunk();
        this.pending.push(typeof part === 'string' ? Buffer.from(part, 'latin1') : part);
        return;
      }
      // A reply's first chunk is as large as the last reply was (from Node's shared pool when
      // small): most replies are a few lines or one message, and a whole block for each would
      // cost more than the reply. A reply that outgrows it goes on in whole blocks.
      const first = !this.chunk && this.pending.length === 0;
      this.sealChunk();
      const wanted = first ? Math.max(SMALL_CHUNK, size, this.lastReply) + 64 : CHUNK;
      this.chunk = wanted <= CHUNK / 2 ? Buffer.allocUnsafe(wanted) : this.block();
    }
    if (typeof part === 'string') this.chunk.write(part, this.chunkUsed, 'latin1');
    else this.chunk.set(part, this.chunkUsed); // set(): less call overhead than copy() for small parts
    this.chunkUsed += size;
  }

  /**
   * A whole block: the one a written reply handed back, when there is one. Fresh memory costs a
   * page fault per 4 KiB at first touch: a FETCH 1:* of 5,000 ENVELOPEs (2 MB) took a new block,
   * and another to join it with the next, for every 64 KiB it sent.
   */
  private block(): Buffer {
    const block = spare ?? Buffer.allocUnsafeSlow(CHUNK);
    spare = undefined;
    this.blocks.push(block);
    return block;
  }

  /** What is queued so far, in order: the text goes into the chunk, the chunk's filled part joins the queue. */
  private sealChunk(): void {
    this.copyText();
    if (!this.chunk || this.chunkUsed === 0) return;
    this.pending.push(this.chunk.subarray(0, this.chunkUsed));
    this.chunk = this.chunk.subarray(this.chunkUsed);
    this.chunkUsed = 0;
  }
}

const FLUSH_AT = 64 * 1024;
/** Queued pieces up to this size are joined into one write; beyond it each is written on its own. */
const JOIN_AT = 1024 * 1024;
/** A part larger than this is queued as it is, not copied. */
const LARGE_PART = 16 * 1024;
/**
 * A block of chunks: room for the write threshold and a part more, so that a reply written at
 * the threshold is nearly always one piece, written as it is (not joined with the next block's start).
 */
const CHUNK = FLUSH_AT + LARGE_PART;
/** The block of the last reply the socket let go of (one for the whole process: each reply is written in one go). */
let spare: Buffer | undefined;
/** Strings gathered before they are copied into the chunk together. */
const TEXT_AT = 8 * 1024;
/** The least a reply's first chunk holds: a few status lines. */
const SMALL_CHUNK = 192;
