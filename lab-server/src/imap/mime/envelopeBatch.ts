/**
 * The ENVELOPEs of many messages nobody has fetched yet: a client's first sync of a big folder
 * (`FETCH 1:* (UID FLAGS ENVELOPE)` after thousands of deliveries). The files' headers are
 * parsed a chunk at a time as the responses reach them. For a big batch the envelope reader
 * threads (envelopeThread.ts, run by workers/chunkReader.ts) read and parse the chunks ahead of
 * the responses, so the event loop only keeps and sends them: it waits for a chunk a thread is
 * at, and does a chunk itself only when no thread has started on this batch (busy with
 * another) or they have stalled. Each chunk is done once, by whichever side claims it first.
 *
 * Only the quick cases are settled this way (a header within the first HEADER_READ bytes, within
 * the small limits); every other message, and one renamed or expunged meanwhile, takes the
 * careful path (messageEnvelope), which finds the current file and parses with the full limits.
 */
import type { MaildirFolder, MessageInfo } from '../../maildir/folder.js';
import { prepareChunkReader, readChunks, type ChunkReading } from '../../workers/chunkReader.js';
import { keepEnvelopes, messageEnvelope } from './cache.js';
import { envelopesOfFiles } from './envelopeFiles.js';
import { INLINE_LIMITS } from './limits.js';

/** Messages per chunk: a millisecond or two of reading and parsing. */
const CHUNK_BITS = 6;
const CHUNK = 1 << CHUNK_BITS;
/** Below this many messages the reader thread would cost more than it saves. */
const READER_FROM = 4 * CHUNK;
/** A reader thread that answers nothing for this long is done without. */
const STALL_MS = 100;

type Envelopes = Array<string | null>;
/** The reader thread's code: it reads the files and works out their ENVELOPEs. */
export const ENVELOPE_THREAD = new URL('./envelopeThread.ts', import.meta.url);

/** Makes the reader threads ready (their bundle made, started and warmed up), while nothing waits on them. */
export const prepareEnvelopeReader = (unavailable?: (reason: string) => void): Promise<boolean> => prepareChunkReader(ENVELOPE_THREAD, unavailable);

export class EnvelopeBatch {
  /** Where the next message asked for should stand: the responses ask in the order given. */
  private next = 0;
  /** Where each message stands, made only if one is asked for out of that order. */
  private position: Map<number, number> | undefined;
  /** Chunks the responses have reached. */
  private readonly chunks: Array<Promise<Envelopes> | Envelopes | undefined> = [];
  private readonly reader: ChunkReading<Envelopes> | undefined;
  /** The thread stalled once: the rest of the batch does not wait for it. */
  private stalled = false;

  /** `infos`: the messages whose ENVELOPE is not cached, in the order they will be asked for. */
  constructor(
    private readonly folder: MaildirFolder,
    private readonly infos: readonly MessageInfo[],
  ) {
    if (infos.length >= READER_FROM) {
      const chunks = Array.from({ length: Math.ceil(infos.length / CHUNK) }, (_, chunk) => this.pathsOf(chunk));
      this.reader = readChunks<Envelopes>(ENVELOPE_THREAD, chunks);
    }
  }

  /**
   * The ENVELOPE of a message (its file read with the rest of its chunk), at once when its chunk
   * is parsed already; undefined if it was expunged. Anything the quick way could not settle
   * (null) goes the careful way.
   */
  envelope(info: MessageInfo): Buffer | string | undefined | Promise<Buffer | string | undefined> {
    const at = this.infos[this.next] === info ? this.next++ : this.positionOf(info);
    if (at === undefined) return messageEnvelope(this.folder, info);
    // Shifts, not Math.floor(): the index stays a small integer, and the code using it optimised.
    const chunk = at >> CHUNK_BITS;
    const envelopes = this.chunks[chunk] ?? this.start(chunk);
    if (envelopes instanceof Promise) return envelopes.then((kept) => kept[at & (CHUNK - 1)] ?? messageEnvelope(this.folder, info));
    return envelopes[at & (CHUNK - 1)] ?? messageEnvelope(this.folder, info);
  }

  private positionOf(info: MessageInfo): number | undefined {
    if (!this.position) {
      const position = (this.position = new Map());
      this.infos.forEach((other, i) => position.set(other.uid, i));
    }
    return this.position.get(info.uid);
  }

  /** The chunk's envelopes, kept as soon as they are worked out: one call to the field cache per chunk, not one per message. */
  private start(chunk: number): Envelopes | Promise<Envelopes> {
    const parsed = this.parse(chunk);
    const kept = parsed instanceof Promise ? parsed.then((envelopes) => this.keep(chunk, envelopes)) : this.keep(chunk, parsed);
    this.chunks[chunk] = kept;
    return kept;
  }

  private keep(chunk: number, envelopes: Envelopes): Envelopes {
    keepEnvelopes(this.folder, this.infos, chunk * CHUNK, envelopes);
    this.chunks[chunk] = envelopes;
    return envelopes;
  }

  /**
   * A chunk's envelopes: from the reader thread, or worked out here when the thread has not
   * started it (it then never will). A chunk the thread is at is waited for: the event loop is
   * free meanwhile, and doing it here as well would do it twice. A thread that answers nothing
   * for STALL_MS (a machine too busy to run it, a slow disk) is done without from then on.
   */
  private parse(chunk: number): Envelopes | Promise<Envelopes> {
    const reader = this.reader;
    if (!reader) return envelopesOfFiles(this.pathsOf(chunk), INLINE_LIMITS);
    const read = reader.take(chunk);
    if (read) return read;
    // A thread not started on this batch (starting, or busy with another) leaves the chunks to us.
    const mine = (!reader.begun || reader.done || this.stalled) && reader.claim(chunk);
    if (mine || this.stalled) return envelopesOfFiles(this.pathsOf(chunk), INLINE_LIMITS);
    return (async () => {
      let since = performance.now();
      let answers = reader.answers;
      // Until answered, or the thread at it stopped (the chunk is ours then), or all are done.
      while (!reader.has(chunk) && !reader.done && !reader.orphaned(chunk)) {
        await reader.next(STALL_MS);
        if (reader.answers !== answers) {
          answers = reader.answers;
          since = performance.now();
        } else if (performance.now() - since >= STALL_MS) {
          this.stalled = true;
          break;
        }
      }
      const late = reader.take(chunk);
      // Done or stalled without it: done here, and the thread leaves it if it has not started it.
      if (!late) reader.claim(chunk);
      return late ?? envelopesOfFiles(this.pathsOf(chunk), INLINE_LIMITS);
    })();
  }

  /** Where the chunk's files are now (a message expunged meanwhile has none: it reads as null). */
  private pathsOf(chunk: number): string[] {
    return this.infos.slice(chunk * CHUNK, (chunk + 1) * CHUNK).map((info) => this.folder.stored(info.uid)?.path ?? '');
  }
}

