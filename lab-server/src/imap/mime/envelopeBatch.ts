/**
 * The ENVELOPEs of many messages nobody has fetched yet: a client's first sync of a big folder
 * (`FETCH 1:* (UID FLAGS ENVELOPE)` after thousands of deliveries). The files' headers are
 * parsed a chunk at a time as the responses reach them. For a big batch the file reader thread
 * (workers/fileStarts.ts) reads the chunks ahead of the responses, so the event loop spends
 * little time in system calls; it never waits on that thread for more than a moment: a chunk
 * the thread is not at when the responses reach it is read here.
 *
 * Only the quick cases are settled this way (a header within the first HEADER_READ bytes, within
 * the small limits); every other message, and one renamed or expunged meanwhile, takes the
 * careful path (messageEnvelope), which finds the current file and parses with the full limits.
 */
import type { MaildirFolder, MessageInfo } from '../../maildir/folder.js';
import { readFileStarts, type ChunkReading } from '../../workers/fileStarts.js';
import { keepEnvelope, messageEnvelope } from './cache.js';
import { envelopesOfFiles, envelopesOfStarts, HEADER_READ } from './envelopeFiles.js';
import { INLINE_LIMITS } from './limits.js';

/** Messages per chunk: a millisecond or two of reading and parsing. */
const CHUNK = 64;
/** Below this many messages the reader thread would cost more than it saves. */
const READER_FROM = 4 * CHUNK;
/** How long the responses of one batch wait for the reader, at most, in all. */
const PATIENCE_MS = 10;

type Envelopes = Array<string | null>;

export class EnvelopeBatch {
  /** Where the next message asked for should stand: the responses ask in the order given. */
  private next = 0;
  /** Where each message stands, made only if one is asked for out of that order. */
  private position: Map<number, number> | undefined;
  /** Chunks the responses have reached. */
  private readonly chunks: Array<Promise<Envelopes> | Envelopes | undefined> = [];
  private readonly reader: ChunkReading | undefined;
  private patience = PATIENCE_MS;

  /** `infos`: the messages whose ENVELOPE is not cached, in the order they will be asked for. */
  constructor(
    private readonly folder: MaildirFolder,
    private readonly infos: readonly MessageInfo[],
  ) {
    if (infos.length >= READER_FROM) {
      const chunks = Array.from({ length: Math.ceil(infos.length / CHUNK) }, (_, chunk) => this.pathsOf(chunk));
      this.reader = readFileStarts(chunks, HEADER_READ);
    }
  }

  /**
   * The ENVELOPE of a message (its file read with the rest of its chunk), at once when its chunk
   * is parsed already; undefined if it was expunged.
   */
  envelope(info: MessageInfo): Buffer | string | undefined | Promise<Buffer | string | undefined> {
    const at = this.infos[this.next] === info ? this.next++ : this.positionOf(info);
    if (at === undefined) return messageEnvelope(this.folder, info);
    const chunk = Math.floor(at / CHUNK);
    const envelopes = (this.chunks[chunk] ??= this.parse(chunk));
    if (envelopes instanceof Promise) return envelopes.then((parsed) => this.settle(info, (this.chunks[chunk] = parsed)[at % CHUNK]));
    return this.settle(info, envelopes[at % CHUNK]);
  }

  private positionOf(info: MessageInfo): number | undefined {
    if (!this.position) {
      const position = (this.position = new Map());
      this.infos.forEach((other, i) => position.set(other.uid, i));
    }
    return this.position.get(info.uid);
  }

  private settle(info: MessageInfo, envelope: string | null | undefined): string | Promise<Buffer | string | undefined> {
    // Anything the quick way could not settle goes the careful way.
    if (envelope === null || envelope === undefined) return messageEnvelope(this.folder, info);
    keepEnvelope(this.folder, info, envelope);
    return envelope;
  }

  /**
   * A chunk's envelopes: from what the reader read, or read here. A chunk the reader is at, or
   * has answered (the answer not delivered yet), is waited for, but only so long in all: on a
   * busy machine the reader may be slow, and the responses go on without it.
   */
  private parse(chunk: number): Envelopes | Promise<Envelopes> {
    const reader = this.reader;
    if (!reader) return envelopesOfFiles(this.pathsOf(chunk), INLINE_LIMITS);
    reader.reached(chunk);
    const read = reader.take(chunk);
    if (read) return envelopesOfStarts(read, INLINE_LIMITS);
    if (!reader.coming(chunk) || this.patience <= 0) return envelopesOfFiles(this.pathsOf(chunk), INLINE_LIMITS);
    return (async () => {
      const since = performance.now();
      while (!reader.has(chunk) && !reader.done && performance.now() - since < this.patience) await reader.next(1);
      this.patience -= performance.now() - since;
      const late = reader.take(chunk);
      return late ? envelopesOfStarts(late, INLINE_LIMITS) : envelopesOfFiles(this.pathsOf(chunk), INLINE_LIMITS);
    })();
  }

  /** Where the chunk's files are now (a message expunged meanwhile has none: it reads as null). */
  private pathsOf(chunk: number): string[] {
    return this.infos.slice(chunk * CHUNK, (chunk + 1) * CHUNK).map((info) => this.folder.stored(info.uid)?.path ?? '');
  }
}

