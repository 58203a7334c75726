/**
 * This lab node's part in a cluster of nodes sharing one PostgreSQL: it registers itself (its
 * web URL for the other nodes, the host name its mail clients use, its mail ports), keeps a
 * heartbeat with its load, and answers where a learner's sandbox is: here, on another node
 * (alive or down), or on its way between two nodes while a drain moves it.
 */
import { lookup } from 'node:dns/promises';
import type { IncomingMessage } from 'node:http';
import { plainAddress } from '../net/addressList.js';
import type { ClusterStore, NodeRecord } from '../store/cluster.js';
import type { Logger } from '../log.js';
import { expectBody } from '../http/body.js';
import { bodyDigest, NonceBook, signRequest, verifyRequest, type Outgoing, type Signed } from './channel.js';

export interface ClusterConfig {
  nodeId: string;
  /** Where the other nodes reach this node's web port, e.g. http://10.0.0.11:8080. */
  nodeUrl: string;
  /** The host name mail clients use for this node (default: the host of nodeUrl). */
  mailHost: string;
  /** The secret every node of the cluster shares; signs the internal channel. */
  secret: string;
  /** How often the heartbeat is written (default 5 s). */
  heartbeatMs?: number;
  /** A node whose heartbeat is older than this is down (default 15 s). */
  downAfterMs?: number;
}

export type Whereabouts = { at: 'here' } | { at: 'node'; node: NodeRecord } | { at: 'down'; node: NodeRecord } | { at: 'moving' };

export interface NodeLoad {
  sandboxes(): Promise<number>;
  terminals(): number;
  /** Learners with a terminal open on this node: seen now, though they send no requests. */
  terminalOwners(): Set<string>;
}

/** How often learners with an open terminal are marked as seen. */
const TOUCH_EVERY_MS = 60_000;

export class ClusterNode {
  private timer: NodeJS.Timeout | undefined;
  private lastTouch = 0;
  /** The other nodes' addresses, as this node's web port sees their connections. */
  private peers = new Set<string>();
  /** Nonces of the signed requests taken lately: none is taken twice. */
  private readonly nonces = new NonceBook();
  /** Each request's verdict, found once (a second look would see its own nonce as a replay). */
  private readonly verdicts = new WeakMap<IncomingMessage, Signed | 'unsigned' | 'forged'>();
  readonly heartbeatMs: number;
  readonly downAfterMs: number;

  constructor(
    readonly config: ClusterConfig,
    readonly store: ClusterStore,
    private readonly load: NodeLoad,
    private readonly touch: (learnerIds: string[]) => Promise<void>,
    private readonly log: Logger,
  ) {
    this.heartbeatMs = config.heartbeatMs ?? 5000;
    this.downAfterMs = config.downAfterMs ?? 15_000;
  }

  get id(): string {
    return this.config.nodeId;
  }

  /** Registers this node (up, alive now) and starts its heartbeat. */
  async start(ports: Record<string, number>): Promise<void> {
    await this.store.register({ id: this.id, webUrl: this.config.nodeUrl, mailHost: this.config.mailHost, ports });
    await this.beat();
    this.timer = setInterval(() => void this.beat(), this.heartbeatMs);
    this.timer.unref();
  }

  private async beat(): Promise<void> {
    try {
      await this.store.heartbeat(this.id, { sandboxes: await this.load.sandboxes(), terminals: this.load.terminals() });
      await this.learnPeers();
      if (Date.now() - this.lastTouch > TOUCH_EVERY_MS) {
        this.lastTouch = Date.now();
        await this.touch([...this.load.terminalOwners()]);
      }
    } catch (err) {
      this.log('cluster', `heartbeat failed: ${(err as Error).message}`);
    }
  }

  /** Looks the other nodes' addresses up again (a node may have joined or moved). */
  private async learnPeers(): Promise<void> {
    const others = (await this.store.nodes()).filter((n) => n.id !== this.id);
    const found = await Promise.all(
      others.map((n) =>
        lookup(new URL(n.webUrl).hostname.replace(/^\[|\]$/g, ''), { all: true }).then(
          (all) => all.map((a) => plainAddress(a.address)),
          () => [],
        ),
      ),
    );
    this.peers = new Set(found.flat());
  }

  /** True for another node's address: its connections carry many clients, each counted where they connected. */
  isPeer(address: string): boolean {
    return this.peers.has(plainAddress(address));
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** True while a node's heartbeat is fresh. */
  alive(node: NodeRecord, now = Date.now()): boolean {
    return now - Date.parse(node.heartbeatAt) <= this.downAfterMs;
  }

  /** Where a sandbox lives. One with no placement (the default world, a pre-cluster sandbox) is here. */
  async whereIs(sandboxId: string): Promise<Whereabouts> {
    return (await this.whereAre([sandboxId]))[0]!;
  }

  /** Where each of many sandboxes lives (a class's, for a class-wide fault), in two queries however many. */
  async whereAre(sandboxIds: readonly string[]): Promise<Whereabouts[]> {
    const placements = await this.store.placements(sandboxIds);
    const elsewhere = [...placements.values()].some((p) => p.state === 'ready' && p.nodeId !== this.id);
    const nodes = new Map(elsewhere ? (await this.store.nodes()).map((n) => [n.id, n]) : []);
    return sandboxIds.map((id): Whereabouts => {
      const placement = placements.get(id);
      if (!placement) return { at: 'here' };
      if (placement.state === 'moving') return { at: 'moving' };
      const node = placement.nodeId === this.id ? undefined : nodes.get(placement.nodeId);
      if (!node) return { at: 'here' };
      return this.alive(node) ? { at: 'node', node } : { at: 'down', node };
    });
  }

  /** Where a new learner's sandbox goes: the least-loaded healthy node (this one if none other answers). */
  async home(): Promise<NodeRecord | undefined> {
    const best = await this.store.leastLoaded(new Date(Date.now() - this.downAfterMs));
    return best && best.id !== this.id ? best : undefined;
  }

  /** Headers that sign a request this node sends another. */
  sign(request: Omit<Outgoing, 'from'>): Record<string, string> {
    return signRequest(this.config.secret, { ...request, from: this.id });
  }

  /** Who signed a request, if a node did; its body, when read, must be the one signed. */
  verify(req: IncomingMessage): Signed | 'unsigned' | 'forged' {
    let verdict = this.verdicts.get(req);
    if (verdict) return verdict;
    verdict = verifyRequest({ secret: this.config.secret, self: this.id, nonces: this.nonces }, req);
    if (typeof verdict === 'object') {
      const signed = verdict.body;
      expectBody(req, (body) => bodyDigest(body) === signed);
    }
    this.verdicts.set(req, verdict);
    return verdict;
  }
}
