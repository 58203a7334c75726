/**
 * Fault boards across a cluster: an instructor's class-wide fault reaches every learner on
 * every node. The sandboxes are grouped by the node that holds them; this node changes its
 * own, and sends each other node one signed request for its share (the signature covers
 * the body too).
 */
import type { Logger } from '../log.js';
import type { BoardChange, BoardResult, FaultBoards } from '../mta/faults/boards.js';
import { checkSandboxId } from '../world/sandboxes.js';
import type { ClusterNode } from './node.js';
import { MOVING, nodeDownMessage } from './routing.js';

/** The internal route each node answers for its share (see internalRoutes.ts). */
export const FAULTS_PATH = '/api/cluster/faults';

/** What one node asks another to do to the boards it holds. */
export interface FaultsRequest {
  sandboxIds: string[];
  change: BoardChange;
}

export function clusterFaultBoards(node: ClusterNode, local: FaultBoards, log: Logger): FaultBoards {
  /** One node's share, sent over the signed channel. */
  const ask = async (nodeId: string, webUrl: string, request: FaultsRequest): Promise<BoardResult[]> => {
    const body = JSON.stringify(request);
    const headers = { 'content-type': 'application/json' };
    const signed = node.sign({ to: nodeId, method: 'POST', path: FAULTS_PATH, client: 'cluster', body, headers });
    const response = await fetch(new URL(FAULTS_PATH, webUrl), { method: 'POST', headers: { ...headers, ...signed }, body });
    if (!response.ok) throw new Error(`answered ${response.status}`);
    const { results } = (await response.json()) as { results: BoardResult[] };
    if (results.length !== request.sandboxIds.length) throw new Error('answered for other sandboxes than asked');
    return results;
  };

  return async (sandboxIds, change) => {
    const results = new Array<BoardResult>(sandboxIds.length);
    const here: number[] = [];
    const elsewhere = new Map<string, { webUrl: string; mailHost: string; at: number[] }>();
    for (const [i, where] of (await node.whereAre(sandboxIds)).entries()) {
      if (where.at === 'here') here.push(i);
      else if (where.at === 'moving') results[i] = { problem: MOVING };
      else if (where.at === 'down') results[i] = { problem: nodeDownMessage(where.node.id, where.node.mailHost) };
      else {
        const share = elsewhere.get(where.node.id) ?? { webUrl: where.node.webUrl, mailHost: where.node.mailHost, at: [] };
        share.at.push(i);
        elsewhere.set(where.node.id, share);
      }
    }
    const mine = local(here.map((i) => sandboxIds[i]!), change).then((r) => r.forEach((result, k) => (results[here[k]!] = result)));
    const theirs = [...elsewhere].map(async ([nodeId, share]) => {
      try {
        const answered = await ask(nodeId, share.webUrl, { sandboxIds: share.at.map((i) => sandboxIds[i]!), change });
        answered.forEach((result, k) => (results[share.at[k]!] = result));
      } catch (err) {
        log('cluster', `faults on node ${nodeId}: ${(err as Error).message}`);
        for (const i of share.at) results[i] = { problem: nodeDownMessage(nodeId, share.mailHost) };
      }
    });
    await Promise.all([mine, ...theirs]);
    return results;
  };
}

/** The other side: a signed request's body (as parsed) when it names sandboxes and a change; undefined when not. */
export function faultsRequestOf(body: unknown): FaultsRequest | undefined {
  const request = body as FaultsRequest;
  if (!Array.isArray(request?.sandboxIds) || typeof request.change?.kind !== 'string') return undefined;
  for (const id of request.sandboxIds) checkSandboxId(String(id));
  return request;
}
