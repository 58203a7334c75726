/**
 * `maillab node drain N`: moves every sandbox off node N, one at a time, to the least-loaded
 * healthy node. For each: mark it moving (its learner is told to wait a moment), stop work in
 * it on N, have the new node pull a byte-for-byte copy and check it against N's digest, switch
 * the placement, then remove N's copy. A failed copy switches the placement back to N.
 */
import { plural } from '../grading/feedback.js';
import { ClusterStore, type NodeRecord } from '../store/cluster.js';
import type { Sql } from '../store/sql.js';
import { signRequest } from './channel.js';
import { INTERNAL_PREFIX } from './internalRoutes.js';

export interface DrainReport {
  moved: number;
  failed: number;
  bytes: number;
  ms: number;
}

const DOWN_AFTER_MS = 15_000;

async function call(node: NodeRecord, secret: string, method: string, path: string): Promise<unknown> {
  const url = new URL(path, node.webUrl);
  const headers = signRequest(secret, { from: 'maillab-drain', to: node.id, method, path: url.pathname + url.search, client: 'drain' });
  const response = await fetch(url, { method, headers });
  const body = (await response.json().catch(() => ({}))) as { error?: { en?: string } };
  if (!response.ok) throw new Error(`node ${node.id}: ${body.error?.en ?? `HTTP ${response.status}`}`);
  return body;
}

export async function drainNode(db: Sql, secret: string, nodeId: string, say: (line: string) => void): Promise<DrainReport> {
  const store = new ClusterStore(db);
  const source = await store.node(nodeId);
  if (!source) throw new Error(`There is no node "${nodeId}". Known nodes: ${(await store.nodes()).map((n) => n.id).join(', ') || 'none'}.`);
  if (Date.now() - Date.parse(source.heartbeatAt) > DOWN_AFTER_MS) throw new Error(`Node ${nodeId} is down: start it again first, so its sandboxes can be copied off it.`);
  await store.setState(nodeId, 'draining');
  const started = Date.now();
  const report: DrainReport = { moved: 0, failed: 0, bytes: 0, ms: 0 };
  for (const placement of await store.placementsOn(nodeId)) {
    const target = await store.leastLoaded(new Date(Date.now() - DOWN_AFTER_MS), nodeId);
    if (!target) throw new Error('No other healthy node can take the sandboxes: start another node first.');
    if (!(await store.beginMove(placement.sandboxId, nodeId))) continue;
    const base = `${INTERNAL_PREFIX}sandboxes/${placement.sandboxId}`;
    try {
      await call(source, secret, 'POST', `${base}/freeze`);
      const copied = (await call(target, secret, 'POST', `${base}/import?from=${encodeURIComponent(nodeId)}`)) as { files: number; bytes: number; digest: string };
      await store.endMove(placement.sandboxId, target.id);
      // The move is done; a copy left behind on the old node is only wasted space.
      await call(source, secret, 'POST', `${base}/evict`).catch((err: Error) => say(`${placement.sandboxId}: moved, but ${nodeId} kept its old copy: ${err.message}`));
      report.moved++;
      report.bytes += copied.bytes;
      say(`${placement.sandboxId}: ${nodeId} -> ${target.id} (${plural(copied.files, 'file')}, ${copied.bytes} bytes, sha256 ${copied.digest.slice(0, 12)}…)`);
    } catch (err) {
      await store.endMove(placement.sandboxId, nodeId);
      report.failed++;
      say(`${placement.sandboxId}: not moved, it stays on ${nodeId}: ${(err as Error).message}`);
    }
  }
  if (report.failed === 0) await store.setState(nodeId, 'drained');
  report.ms = Date.now() - started;
  return report;
}
