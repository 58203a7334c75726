/**
 * Ending a learner's terminals across a cluster. A terminal lives on the node holding the
 * learner's sandbox (the proxy's node forwards the WebSocket there), while the request that
 * ends it (a logout, a removal, a new password) may land on any node: each node ended only the
 * terminals it held, and a learner given a new password kept a terminal open on the other.
 * This node ends its own, and tells every other node that answers, over the signed channel.
 */
import type { TerminalsEnd } from '../bridge/bridge.js';
import type { Logger } from '../log.js';
import type { ClusterNode } from './node.js';

/** The internal route each node answers (internalRoutes.ts). */
export const END_TERMINALS_PATH = '/api/cluster/terminals/end';

const ENDS: readonly TerminalsEnd[] = ['logged out', 'removed', 'new password'];

export interface EndTerminalsRequest {
  learnerId: string;
  why: TerminalsEnd;
}

/** The request another node sent, if it is one. */
export function endTerminalsRequestOf(body: unknown): EndTerminalsRequest | undefined {
  const r = body as Partial<EndTerminalsRequest> | null;
  if (typeof r?.learnerId !== 'string' || r.learnerId.length > 100 || !ENDS.includes(r.why as TerminalsEnd)) return undefined;
  return { learnerId: r.learnerId, why: r.why as TerminalsEnd };
}

type EndTerminals = (learnerId: string, why?: TerminalsEnd) => void;

export function clusterEndTerminals(node: ClusterNode, local: EndTerminals, log: Logger): EndTerminals {
  const tell = async (learnerId: string, why: TerminalsEnd): Promise<void> => {
    const body = JSON.stringify({ learnerId, why } satisfies EndTerminalsRequest);
    const headers = { 'content-type': 'application/json' };
    const others = (await node.store.nodes()).filter((n) => n.id !== node.id && node.alive(n));
    await Promise.all(
      others.map(async (n) => {
        try {
          const signed = node.sign({ to: n.id, method: 'POST', path: END_TERMINALS_PATH, client: 'cluster', body, headers });
          const response = await fetch(new URL(END_TERMINALS_PATH, n.webUrl), { method: 'POST', headers: { ...headers, ...signed }, body, signal: AbortSignal.timeout(10_000) });
          await response.arrayBuffer();
          if (!response.ok) throw new Error(`answered ${response.status}`);
        } catch (err) {
          log('cluster', `ending the terminals of learner ${learnerId} on node ${n.id}: ${(err as Error).message}`);
        }
      }),
    );
  };
  return (learnerId, why = 'logged out') => {
    local(learnerId, why);
    // Not awaited: the learner's own answer does not wait on the other nodes (a node down is logged).
    void tell(learnerId, why).catch((err: unknown) => log('cluster', `ending the terminals of learner ${learnerId}: ${(err as Error).message}`));
  };
}
