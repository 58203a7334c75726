/**
 * Messages a folder expunged lately, as they were: an IMAP session that has not been told of
 * an expunge yet still answers for the message, as RFC 2180 §4.1 allows a FETCH of it to.
 */
import type { StoredMessage } from './message.js';

/** How many are remembered; the oldest go first. */
const REMEMBERED = 2000;

export class ExpungedMessages {
  private readonly byUid = new Map<number, StoredMessage>();

  get(uid: number): StoredMessage | undefined {
    return this.byUid.get(uid);
  }

  add(message: StoredMessage): void {
    this.byUid.set(message.uid, message);
    if (this.byUid.size > REMEMBERED) this.byUid.delete(this.byUid.keys().next().value!);
  }

  clear(): void {
    this.byUid.clear();
  }
}
