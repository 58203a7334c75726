/** What the bridge allows a browser terminal: line length, idle time, how many at once, typing rate. */
import type { TypingLimits } from './typingRate.js';

export interface BridgeLimits extends TypingLimits {
  /** Longest line a learner may send, in characters. */
  maxLineLength: number;
  /** Close a terminal with no traffic either way for this long. */
  idleTimeoutMs: number;
  /** Open terminals per learner, per client address (a class behind one NAT address), and in all. */
  perLearner: number;
  perAddress: number;
  total: number;
  /** Largest WebSocket message accepted, in bytes. */
  maxPayload: number;
}

export const DEFAULT_LIMITS: BridgeLimits = {
  maxLineLength: 16 * 1024,
  idleTimeoutMs: 30 * 60 * 1000,
  perLearner: 8,
  perAddress: 2400,
  total: 3000,
  maxPayload: 64 * 1024,
  bytesPerSecond: 1024 * 1024,
  burstBytes: 1024 * 1024,
};
