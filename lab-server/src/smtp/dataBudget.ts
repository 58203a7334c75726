/**
 * Bytes of messages being received over SMTP, held in memory from DATA to the final dot. One
 * message is at most the SIZE limit, but a client may open hundreds of connections and send a
 * message on each without ever sending the dot: without a limit on the sum, one address holds
 * gigabytes and the lab runs out of memory. Postfix writes the message to its queue file as it
 * comes and answers "452 4.3.1 Insufficient system storage" when that fills; here the memory has
 * a budget, counted for the whole lab and per client (its address, or the learner behind the
 * bridge), and a message that does not fit in it is refused with the same words.
 */
import type { SMTPServerDataStream } from 'smtp-server';

export class DataBudget {
  private total = 0;
  private readonly byKey = new Map<string, number>();

  constructor(private readonly limits: { total: number; perKey: number }) {}

  /** Takes `bytes` for `key`; false, with nothing taken, when that would pass either limit. */
  take(key: string, bytes: number): boolean {
    const held = this.byKey.get(key) ?? 0;
    if (this.total + bytes > this.limits.total || held + bytes > this.limits.perKey) return false;
    this.total += bytes;
    this.byKey.set(key, held + bytes);
    return true;
  }

  /** Gives back bytes taken for `key`. */
  give(key: string, bytes: number): void {
    if (bytes <= 0) return;
    this.total -= bytes;
    const left = (this.byKey.get(key) ?? 0) - bytes;
    if (left > 0) this.byKey.set(key, left);
    else this.byKey.delete(key);
  }

  /** Bytes held now, in all (tests). */
  get held(): number {
    return this.total;
  }
}

/** One message's share: what it took so far, given back once (at the reply or at hang-up). */
export class MessageHold {
  private bytes = 0;

  constructor(
    private readonly budget: DataBudget,
    private readonly key: string,
  ) {}

  /** Takes a chunk's bytes; false when the budget has no room for them. */
  take(bytes: number): boolean {
    if (!this.budget.take(this.key, bytes)) return false;
    this.bytes += bytes;
    return true;
  }

  release(): void {
    this.budget.give(this.key, this.bytes);
    this.bytes = 0;
  }
}

/**
 * A message's bytes as they come, each chunk within `hold`; at the final dot, the message, or
 * why there is none: 'no-room' (the budget ran out: read to the dot and dropped, and the share
 * given back at once) or 'too-big' (past the SIZE limit).
 */
export function gatherData(stream: SMTPServerDataStream, hold: MessageHold): Promise<Buffer | 'no-room' | 'too-big'> {
  const chunks: Buffer[] = [];
  let noRoom = false;
  stream.on('data', (chunk: Buffer) => {
    if (stream.sizeExceeded || noRoom) return;
    if (hold.take(chunk.length)) return void chunks.push(chunk);
    noRoom = true;
    chunks.length = 0;
    hold.release();
  });
  return new Promise((resolve) => stream.on('end', () => resolve(noRoom ? 'no-room' : stream.sizeExceeded ? 'too-big' : Buffer.concat(chunks))));
}
