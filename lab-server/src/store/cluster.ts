/**
 * The cluster's records: the lab nodes (where to reach each, the host name its mail clients
 * use, its load and heartbeat), which node holds each learner's sandbox, and which sandbox a
 * mailbox login opens. Every node reads and writes them through the shared database; the
 * conditional updates make a drain's steps safe against a node doing the same at once.
 */
import { createHash } from 'node:crypto';
import type { Sql } from './sql.js';

export type NodeState = 'up' | 'draining' | 'drained';

export interface NodeRecord {
  id: string;
  /** Where other nodes reach this node's web port (internal forwarding, drains). */
  webUrl: string;
  /** The host name mail clients use for this node. */
  mailHost: string;
  /** Lab ports of the mail services on this node, by service id. */
  ports: Record<string, number>;
  state: NodeState;
  sandboxes: number;
  terminals: number;
  startedAt: string;
  heartbeatAt: string;
}

export interface Placement {
  sandboxId: string;
  nodeId: string;
  /** 'moving' while a drain copies the sandbox to another node. */
  state: 'ready' | 'moving';
}

interface NodeRow {
  id: string;
  web_url: string;
  mail_host: string;
  ports: string;
  state: NodeState;
  sandboxes: number;
  terminals: number;
  started_at: string;
  heartbeat_at: string;
}

const toNode = (r: NodeRow): NodeRecord => ({
  id: r.id,
  webUrl: r.web_url,
  mailHost: r.mail_host,
  ports: JSON.parse(r.ports) as Record<string, number>,
  state: r.state,
  sandboxes: r.sandboxes,
  terminals: r.terminals,
  startedAt: r.started_at,
  heartbeatAt: r.heartbeat_at,
});

/** The key a mailbox login is found by: a generated password never leaves the database in the clear. */
export function mailboxKey(login: string, password: string): string {
  return createHash('sha256').update(`${login.trim().toLowerCase()}\n${password}`).digest('hex');
}

export class ClusterStore {
  constructor(private readonly db: Sql) {}

  /** Adds or refreshes a node as it starts: up, and alive now. */
  async register(node: Pick<NodeRecord, 'id' | 'webUrl' | 'mailHost' | 'ports'>, now = new Date()): Promise<void> {
    const at = now.toISOString();
    await this.db.run(
      `INSERT INTO nodes (id, web_url, mail_host, ports, state, sandboxes, terminals, started_at, heartbeat_at) VALUES (?, ?, ?, ?, 'up', 0, 0, ?, ?)
       ON CONFLICT (id) DO UPDATE SET web_url = excluded.web_url, mail_host = excluded.mail_host, ports = excluded.ports,
         state = CASE WHEN nodes.state = 'draining' THEN nodes.state ELSE 'up' END, started_at = excluded.started_at, heartbeat_at = excluded.heartbeat_at`,
      [node.id, node.webUrl, node.mailHost, JSON.stringify(node.ports), at, at],
    );
  }

  async heartbeat(id: string, load: { sandboxes: number; terminals: number }, now = new Date()): Promise<void> {
    await this.db.run('UPDATE nodes SET heartbeat_at = ?, sandboxes = ?, terminals = ? WHERE id = ?', [now.toISOString(), load.sandboxes, load.terminals, id]);
  }

  async nodes(): Promise<NodeRecord[]> {
    return (await this.db.all<NodeRow>('SELECT * FROM nodes ORDER BY id')).map(toNode);
  }

  async node(id: string): Promise<NodeRecord | undefined> {
    const r = await this.db.get<NodeRow>('SELECT * FROM nodes WHERE id = ?', [id]);
    return r ? toNode(r) : undefined;
  }

  async setState(id: string, state: NodeState): Promise<boolean> {
    return (await this.db.run('UPDATE nodes SET state = ? WHERE id = ?', [state, id])) === 1;
  }

  /**
   * The healthy node that holds the fewest sandboxes (then the fewest open terminals): where a
   * new learner's sandbox goes. Healthy: up, with a heartbeat newer than `aliveSince`.
   */
  async leastLoaded(aliveSince: Date, except?: string): Promise<NodeRecord | undefined> {
    const r = await this.db.get<NodeRow>(
      `SELECT n.* FROM nodes n
        WHERE n.state = 'up' AND n.heartbeat_at >= ? AND n.id <> ?
        ORDER BY (SELECT COUNT(*) FROM placements p WHERE p.node_id = n.id), n.terminals, n.id
        LIMIT 1`,
      [aliveSince.toISOString(), except ?? ''],
    );
    return r ? toNode(r) : undefined;
  }

  async place(sandboxId: string, nodeId: string): Promise<void> {
    await this.db.run(
      `INSERT INTO placements (sandbox_id, node_id, state, updated_at) VALUES (?, ?, 'ready', ?)
       ON CONFLICT (sandbox_id) DO UPDATE SET node_id = excluded.node_id, state = 'ready', updated_at = excluded.updated_at`,
      [sandboxId, nodeId, new Date().toISOString()],
    );
  }

  async placement(sandboxId: string): Promise<Placement | undefined> {
    const r = await this.db.get<{ sandbox_id: string; node_id: string; state: Placement['state'] }>('SELECT sandbox_id, node_id, state FROM placements WHERE sandbox_id = ?', [sandboxId]);
    return r ? { sandboxId: r.sandbox_id, nodeId: r.node_id, state: r.state } : undefined;
  }

  /** The placements of many sandboxes in one query (a class's, for a class-wide fault). */
  async placements(sandboxIds: readonly string[]): Promise<Map<string, Placement>> {
    if (sandboxIds.length === 0) return new Map();
    const rows = await this.db.all<{ sandbox_id: string; node_id: string; state: Placement['state'] }>(
      `SELECT sandbox_id, node_id, state FROM placements WHERE sandbox_id IN (${sandboxIds.map(() => '?').join(', ')})`,
      [...sandboxIds],
    );
    return new Map(rows.map((r) => [r.sandbox_id, { sandboxId: r.sandbox_id, nodeId: r.node_id, state: r.state }]));
  }

  async placementsOn(nodeId: string): Promise<Placement[]> {
    const rows = await this.db.all<{ sandbox_id: string; node_id: string; state: Placement['state'] }>('SELECT sandbox_id, node_id, state FROM placements WHERE node_id = ? ORDER BY sandbox_id', [nodeId]);
    return rows.map((r) => ({ sandboxId: r.sandbox_id, nodeId: r.node_id, state: r.state }));
  }

  /** Marks a sandbox as moving, if it is still ready on `from`; false when someone else got there first. */
  async beginMove(sandboxId: string, from: string): Promise<boolean> {
    return (await this.db.run("UPDATE placements SET state = 'moving', updated_at = ? WHERE sandbox_id = ? AND node_id = ? AND state = 'ready'", [new Date().toISOString(), sandboxId, from])) === 1;
  }

  /** Switches a moving sandbox to its new node (or back to its old one, when a copy failed). */
  async endMove(sandboxId: string, to: string): Promise<boolean> {
    return (await this.db.run("UPDATE placements SET node_id = ?, state = 'ready', updated_at = ? WHERE sandbox_id = ? AND state = 'moving'", [to, new Date().toISOString(), sandboxId])) === 1;
  }

  async forget(sandboxId: string): Promise<void> {
    await this.db.transaction(async (tx) => {
      await tx.run('DELETE FROM placements WHERE sandbox_id = ?', [sandboxId]);
      await tx.run('DELETE FROM mailbox_keys WHERE sandbox_id = ?', [sandboxId]);
    });
  }

  /** Records which sandbox each of these mailbox logins (login, password) opens. */
  async recordMailboxLogins(sandboxId: string, logins: ReadonlyArray<{ login: string; password: string }>): Promise<void> {
    await this.db.transaction(async (tx) => {
      for (const l of logins) {
        await tx.run('INSERT INTO mailbox_keys (key_hash, sandbox_id) VALUES (?, ?) ON CONFLICT (key_hash) DO UPDATE SET sandbox_id = excluded.sandbox_id', [mailboxKey(l.login, l.password), sandboxId]);
      }
    });
  }

  /** The sandbox a mailbox login opens, wherever it is placed. */
  async sandboxOfLogin(login: string, password: string): Promise<string | undefined> {
    return (await this.db.get<{ sandbox_id: string }>('SELECT sandbox_id FROM mailbox_keys WHERE key_hash = ?', [mailboxKey(login, password)]))?.sandbox_id;
  }
}
