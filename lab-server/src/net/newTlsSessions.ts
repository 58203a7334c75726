/**
 * New TLS handshakes per client address and minute (Postfix's
 * smtpd_client_new_tls_session_rate_limit, counted over anvil's one-minute unit). Each
 * handshake costs the lab a key exchange and an RSA signature, a millisecond or two of CPU:
 * one client starting hundreds a second (on 465/993/995, or STARTTLS after STARTTLS) would
 * keep both cores busy for everyone. Past the limit a client is refused a new handshake
 * until its minute is over; connections the lab opens to itself (terminals, MTA relays) are
 * never counted. Handshakes are counted as they start: one never finished cost the same. An
 * IPv6 client counts under its /48, as its wrong passwords do (world/authPenalty.ts).
 */
import { RepeatedEvents, type Logger } from '../log.js';
import { plainAddress } from './addressList.js';
import { penaltyAddress } from '../world/authPenalty.js';
import { tooManyTlsSessions } from '../world/capReplies.js';

const WINDOW_MS = 60_000;
/** Addresses remembered at most; the oldest windows are forgotten first. */
const ADDRESSES = 10_000;

export class NewTlsSessions {
  /** Per address: when its minute began and the handshakes started in it (oldest first). */
  private readonly windows = new Map<string, { since: number; count: number }>();

  private readonly refusals: RepeatedEvents;

  /** At most `perMinute` per address; 0 for no limit. Refusals are logged once a minute per address. */
  constructor(
    readonly perMinute: number,
    log: Logger,
  ) {
    this.refusals = new RepeatedEvents(log, 'tls');
  }

  /** Counts a handshake from `address` about to start; or, over the limit, the words of the refusal (ASCII). */
  refusal(address: string): string | undefined {
    if (this.take(address)) return undefined;
    this.refusals.note(penaltyAddress(address), `new TLS session refused: too many from ${plainAddress(address)} (at most ${this.perMinute} a minute)`);
    return tooManyTlsSessions(this.perMinute, this.retryInSeconds(address)).en;
  }

  /** Counts a handshake from `address` about to start; false (not counted) when its minute's are used up. */
  take(address: string, now = Date.now()): boolean {
    if (this.perMinute <= 0) return true;
    const key = penaltyAddress(address);
    let window = this.windows.get(key);
    if (!window || now - window.since >= WINDOW_MS) {
      this.windows.delete(key);
      window = { since: now, count: 0 };
      this.windows.set(key, window);
      if (this.windows.size > ADDRESSES) this.windows.delete(this.windows.keys().next().value!);
    }
    if (window.count >= this.perMinute) return false;
    window.count++;
    return true;
  }

  /** Seconds until `address` may start a handshake again (for the refusal). */
  retryInSeconds(address: string, now = Date.now()): number {
    const window = this.windows.get(penaltyAddress(address));
    return window ? Math.max(1, Math.ceil((window.since + WINDOW_MS - now) / 1000)) : 1;
  }
}
