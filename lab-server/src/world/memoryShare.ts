/**
 * Whose share of the memory for mail being received (SMTP DATA, IMAP literals; counted by
 * smtp/dataBudget.ts) a connection's bytes are. A client from outside counts by its address,
 * but a classroom behind one NAT is one address: once such a client has logged in to a
 * learner's sandbox, its bytes also count for that learner at that address, with a smaller
 * limit, so one classmate cannot use up the whole address's share for everyone behind it.
 * Dovecot, which spools APPENDs to disk, likewise counts per user and address
 * (mail_max_userip_connections).
 */
import type { ConnectionScope } from './access.js';

export interface MemoryShare {
  /** The client: its address, or for the lab's own connections (terminals, relays) the sandbox and learner. */
  client: string;
  /** Set once a client from outside has logged in to a learner's sandbox: that learner at that address. */
  learner?: string;
}

/** The share of `scope` now; `externalSandboxId` is the sandbox outside clients reach before they log in. */
export function memoryShare(scope: ConnectionScope, externalSandboxId: string): MemoryShare {
  if (scope.viaBridge) return { client: `${scope.sandbox.id} ${scope.penaltyKey}` };
  if (scope.sandbox.id === externalSandboxId) return { client: scope.penaltyKey };
  return { client: scope.penaltyKey, learner: `${scope.penaltyKey} ${scope.sandbox.id}` };
}
