/**
 * When a session may speak unasked (RFC 5465 §3.1): with NOTIFY set, the client "listens all
 * the time", so events go out as they happen when no command is running (and during IDLE);
 * during a command they wait and go out with its responses, before the tagged reply. Pushes
 * and commands take turns, so a push never lands in the middle of a command's output.
 */
import type { FetchItem } from './fetchItems.js';
import type { Notifier } from './notifier.js';
import type { ResponseWriter } from './response.js';
import type { SelectedMailbox } from './selected.js';

export interface PushHost {
  readonly out: ResponseWriter;
  readonly selected: SelectedMailbox | undefined;
  readonly closed: boolean;
  /** EXISTS, EXPUNGE and FETCH FLAGS for the selected mailbox; false if the session ended. */
  sendUpdates(allowExpunge: boolean): Promise<boolean>;
  /** FETCH responses for new messages, as NOTIFY's MessageNew (fetch-att) asks. */
  fetchNew(uids: number[], items: FetchItem[]): Promise<void>;
  log(message: string): void;
}

export class NotifyPush {
  private notifier: Notifier | undefined;
  private fetchItems: FetchItem[] | undefined;
  private busy = false;
  private idling = false;
  private turn: Promise<void> = Promise.resolve();
  /** A push is queued and has not started: more events join it rather than queue another. */
  private queued = false;
  /** Pushes queued or running: while there are none, a command need not wait its turn. */
  private pushes = 0;

  constructor(private readonly host: PushHost) {}

  /** Replaces the watch (NOTIFY SET) or ends it (NOTIFY NONE, logout). */
  async replace(notifier: Notifier | undefined, fetchItems?: FetchItem[]): Promise<string[]> {
    this.notifier?.stop();
    this.notifier = notifier;
    this.fetchItems = fetchItems;
    return notifier ? notifier.start() : [];
  }

  /** Runs a command; pushes wait for it. */
  async command(run: () => Promise<void>): Promise<void> {
    if (this.pushes > 0) await this.turn;
    this.busy = true;
    try {
      await run();
    } finally {
      this.busy = false;
    }
    if (this.notifier) this.wake();
  }

  /** IDLE is a command during which events go out as they happen. */
  async idle<T>(run: () => Promise<T>): Promise<T> {
    this.idling = true;
    try {
      return await run();
    } finally {
      this.idling = false;
    }
  }

  /** Something happened that the client asked to hear about. */
  wake(): void {
    // However many events arrive while a client is slow to read, at most one push waits.
    if (this.queued) return;
    this.queued = true;
    this.pushes++;
    this.turn = this.turn
      .then(() => {
        this.queued = false;
        return this.push();
      })
      .catch((err: Error) => this.host.log(`NOTIFY push failed: ${err.stack ?? err}`))
      .finally(() => this.pushes--);
  }

  /** NOTIFY is set: events from other mailboxes may be waiting to go out with a command's responses. */
  get watching(): boolean {
    return this.notifier !== undefined;
  }

  /** What happened in other mailboxes, sent with a command's responses. */
  async sendPending(): Promise<void> {
    const notifier = this.notifier;
    if (!notifier) return;
    for (const line of await notifier.takeLines()) await this.host.out.untagged(line);
    // After NOTIFICATIONOVERFLOW the session is as after NOTIFY NONE.
    if (notifier.ended && this.notifier === notifier) this.notifier = undefined;
  }

  private async push(): Promise<void> {
    const notifier = this.notifier;
    if (!notifier || this.host.closed || (this.busy && !this.idling)) return;
    const selected = this.host.selected;
    // During IDLE the IDLE loop itself reports the selected mailbox.
    const wanted = notifier.spec.selected;
    if (selected && wanted && !this.idling && notifier.takeSelectedChange()) {
      const before = new Set(selected.allUids());
      if (!(await this.host.sendUpdates(!wanted.delayed && wanted.events.has('MessageExpunge')))) return;
      const arrived = selected.allUids().filter((uid) => !before.has(uid));
      if (arrived.length > 0 && this.fetchItems) await this.host.fetchNew(arrived, this.fetchItems);
    }
    await this.sendPending();
    await this.host.out.flush();
  }
}
