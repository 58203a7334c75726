/**
 * Makes a starting lab a node of a cluster: records where each sandbox created here lives and
 * which sandbox each of its mailbox logins opens, tells a mail client whose mailbox is on
 * another node where to go, and routes the web requests that need a sandbox to its node.
 */
import type { Logger } from '../log.js';
import { ClusterStore } from '../store/cluster.js';
import type { Database } from '../store/sql.js';
import type { SandboxAccess } from '../world/access.js';
import type { WorldDefinition } from '../world/definition.js';
import { DEFAULT_SANDBOX, type Sandboxes } from '../world/sandboxes.js';
import { ClusterNode, type ClusterConfig, type NodeLoad } from './node.js';

export class ClusterSetupError extends Error {}

/** Every login that opens a world's mailboxes: full addresses, and bare names where unique. */
export function mailboxLogins(definition: WorldDefinition): Array<{ login: string; password: string }> {
  return definition.users.flatMap((u) => {
    const local = u.address.split('@')[0]!;
    const unique = definition.users.filter((o) => o.address.split('@')[0] === local).length === 1;
    return [{ login: u.address, password: u.password }, ...(unique ? [{ login: local, password: u.password }] : [])];
  });
}

export interface ClusterDeps {
  db: Database;
  sandboxes: Sandboxes;
  access: SandboxAccess;
  load: NodeLoad;
  touch: (learnerIds: string[]) => Promise<void>;
  log: Logger;
}

export async function joinCluster(config: ClusterConfig, deps: ClusterDeps): Promise<ClusterNode> {
  if (deps.db.dialect !== 'postgres') {
    throw new ClusterSetupError('A lab node shares its records with the other nodes through PostgreSQL: give --database postgres://… (the same URL on every node).');
  }
  const store = new ClusterStore(deps.db);
  const node = new ClusterNode(config, store, deps.load, deps.touch, deps.log);
  const place = async (sandboxId: string, definition: WorldDefinition): Promise<void> => {
    await store.place(sandboxId, node.id);
    await store.recordMailboxLogins(sandboxId, mailboxLogins(definition));
  };
  // Learners' sandboxes made before this lab joined a cluster are recorded as this node's.
  for (const sandbox of deps.sandboxes.loaded()) {
    if (sandbox.id !== DEFAULT_SANDBOX && !(await store.placement(sandbox.id))) await place(sandbox.id, sandbox.definition);
  }
  deps.sandboxes.onCreated = async (sandbox) => {
    // Every node has a default world of its own (the demo world port 25 reaches); it is not placed.
    if (sandbox.id !== DEFAULT_SANDBOX) await place(sandbox.id, sandbox.definition);
  };
  deps.sandboxes.onDeleted = (id) => store.forget(id);
  deps.access.elsewhere = async (login, password) => {
    const sandboxId = await store.sandboxOfLogin(login, password);
    const where = sandboxId ? await node.whereIs(sandboxId) : undefined;
    if (where?.at === 'moving') return 'moving';
    return where && (where.at === 'node' || where.at === 'down') ? { id: where.node.id, host: where.node.mailHost, ports: where.node.ports } : undefined;
  };
  return node;
}
