/**
 * A message's bytes as they arrive over SMTP, copied chunk by chunk into one block of shared
 * memory that grows as they come. Joining the chunks at the final dot instead copied the whole
 * message in one turn of the event loop, and a worker thread checking its DKIM signatures got
 * a second copy (structured clone) in the same turn: for a 9 MB message, 70-130 ms of CPU while
 * every learner's reply waited (most of it the kernel handing over fresh pages). Here each
 * chunk costs its own few pages in the turn it is read, and a worker shares the block itself.
 */

/** ES2024's growable SharedArrayBuffer: Node has it, the TypeScript library this project targets (ES2022) does not. */
interface GrowableBlock extends SharedArrayBuffer {
  readonly maxByteLength: number;
  grow(byteLength: number): void;
}
const GrowableBlock = SharedArrayBuffer as unknown as new (byteLength: number, options: { maxByteLength: number }) => GrowableBlock;

/** Growth at least this much at a time: fewer calls to the kernel for a big message. */
const GROWTH = 1024 * 1024;

/**
 * Up to this size the chunks are kept as they came and joined at the dot (well under a
 * millisecond): a block of shared memory per message cost one connection's SMTP rate ~7%.
 */
const SMALL = 256 * 1024;

export class ArrivingMessage {
  /** The chunks of a message still small; none once it has a block. */
  private chunks: Uint8Array[] = [];
  /** Address space for `limit` bytes is reserved; memory is taken only as the block grows. */
  private block?: GrowableBlock;
  private view?: Uint8Array;
  private length = 0;

  constructor(private readonly limit: number) {}

  /** Appends a chunk; false, with nothing appended, when it would pass the limit. */
  append(chunk: Uint8Array): boolean {
    const end = this.length + chunk.length;
    if (end > this.limit) return false;
    if (!this.block && end <= SMALL) {
      this.chunks.push(chunk);
      this.length = end;
      return true;
    }
    if (!this.block) {
      this.block = new GrowableBlock(0, { maxByteLength: this.limit });
      this.view = new Uint8Array(this.block);
      this.block.grow(Math.min(this.limit, Math.max(end, GROWTH)));
      let at = 0;
      for (const kept of this.chunks) {
        this.view.set(kept, at);
        at += kept.length;
      }
      this.chunks = [];
    } else if (end > this.block.byteLength) {
      this.block.grow(Math.min(this.limit, Math.max(end, this.block.byteLength + GROWTH)));
    }
    this.view!.set(chunk, this.length);
    this.length = end;
    return true;
  }

  /** The message so far: a Buffer over the shared block (no copy), or a small one's chunks joined. */
  bytes(): Buffer {
    return this.block ? Buffer.from(this.block, 0, this.length) : Buffer.concat(this.chunks, this.length);
  }
}
