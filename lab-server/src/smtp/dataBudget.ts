/**
 * Bytes of messages being received over SMTP, held in memory from DATA to the final dot. One
 * message is at most the SIZE limit, but a client may open hundreds of connections and send a
 * message on each without ever sending the dot: without a limit on the sum, one address holds
 * gigabytes and the lab runs out of memory. Postfix writes the message to its queue file as it
 * comes and answers "452 4.3.1 Insufficient system storage" when that fills; here the memory has
 * a budget, counted for the whole lab and per client (its address, or the learner behind the
 * bridge), and for a client logged in from outside also per learner at its address (a
 * classroom behind one NAT: world/memoryShare.ts); a message that does not fit in it is refused
 * with the same words.
 */
import type { SMTPServerDataStream } from 'smtp-server';
import type { MemoryShare } from '../world/memoryShare.js';
import { ArrivingMessage } from './arrivingMessage.js';

export class DataBudget {
  private total = 0;
  private readonly byClient = new Map<string, number>();
  private readonly byLearner = new Map<string, number>();

  constructor(private readonly limits: { total: number; perClient: number; perLearner: number }) {}

  /** Whether `bytes` more for `share` would pass no limit now (nothing is taken). */
  fits(share: MemoryShare, bytes: number): boolean {
    const learner = share.learner === undefined ? 0 : (this.byLearner.get(share.learner) ?? 0);
    return this.total + bytes <= this.limits.total && (this.byClient.get(share.client) ?? 0) + bytes <= this.limits.perClient && learner + bytes <= this.limits.perLearner;
  }

  /** Takes `bytes` for `share`; false, with nothing taken, when that would pass any limit. */
  take(share: MemoryShare, bytes: number): boolean {
    if (!this.fits(share, bytes)) return false;
    this.total += bytes;
    this.byClient.set(share.client, (this.byClient.get(share.client) ?? 0) + bytes);
    if (share.learner !== undefined) this.byLearner.set(share.learner, (this.byLearner.get(share.learner) ?? 0) + bytes);
    return true;
  }

  /** Gives back bytes taken for `share`. */
  give(share: MemoryShare, bytes: number): void {
    if (bytes <= 0) return;
    this.total -= bytes;
    giveBack(this.byClient, share.client, bytes);
    if (share.learner !== undefined) giveBack(this.byLearner, share.learner, bytes);
  }

  /** Bytes held now, in all (tests). */
  get held(): number {
    return this.total;
  }
}

function giveBack(held: Map<string, number>, key: string, bytes: number): void {
  const left = (held.get(key) ?? 0) - bytes;
  if (left > 0) held.set(key, left);
  else held.delete(key);
}

/** One message's share: what it took so far, given back once (at the reply or at hang-up). */
export class MessageHold {
  private bytes = 0;

  constructor(
    private readonly budget: DataBudget,
    private readonly share: MemoryShare,
  ) {}

  /** Takes a chunk's bytes; false when the budget has no room for them. */
  take(bytes: number): boolean {
    if (!this.budget.take(this.share, bytes)) return false;
    this.bytes += bytes;
    return true;
  }

  release(): void {
    this.budget.give(this.share, this.bytes);
    this.bytes = 0;
  }
}

/**
 * A message's bytes as they come, each chunk within `hold`, kept as arrivingMessage.ts keeps
 * them (a big message in one growing block of shared memory); at the final dot, the message, or why there is none: 'no-room' (the
 * budget ran out: read to the dot and dropped, and the share given back at once) or 'too-big'
 * (past `limit`, the SIZE limit).
 */
export function gatherData(stream: SMTPServerDataStream, hold: MessageHold, limit: number): Promise<Buffer | 'no-room' | 'too-big'> {
  let message: ArrivingMessage | undefined;
  let noRoom = false;
  let tooBig = false;
  stream.on('data', (chunk: Buffer) => {
    if (stream.sizeExceeded || noRoom || tooBig) return;
    try {
      if (hold.take(chunk.length)) {
        message ??= new ArrivingMessage(limit);
        if (!message.append(chunk)) tooBig = true;
        return;
      }
    } catch {
      // The system would not give the memory (RangeError): refused as when the budget has none.
    }
    noRoom = true;
    message = undefined;
    hold.release();
  });
  return new Promise((resolve) => stream.on('end', () => resolve(noRoom ? 'no-room' : stream.sizeExceeded || tooBig ? 'too-big' : (message?.bytes() ?? Buffer.alloc(0)))));
}
