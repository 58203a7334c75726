/**
 * The lab's mail world at run time: for every sandbox, its two MTAs (mail.example.com and
 * mail.otherdomain.com) with their queues, logs and running state, and the lab DNS that they
 * and the receiving servers ask. Sandboxes are loaded when first used; at start every sandbox
 * with mail in its queue is loaded, so deferred mail is retried after a restart.
 */
import { EventEmitter } from 'node:events';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { LabDns } from '../dns/labDns.js';
import type { Logger } from '../log.js';
import type { HandoffRegistry } from '../net/handoff.js';
import type { LabMetrics } from '../operations/metrics.js';
import type { ServiceId } from '../services.js';
import { saveStoppedMtas, stoppedMtas } from '../world/mtaState.js';
import { LAB_MTAS } from '../world/network.js';
import type { Sandbox } from '../world/sandbox.js';
import type { Sandboxes } from '../world/sandboxes.js';
import { systemClock, type Clock } from './clock.js';
import { FaultBoard } from './faults/board.js';
import { DEFAULT_RETRY, Mta, type RetryPolicy } from './mta.js';

export interface MailWorldOptions {
  clock: Clock;
  retry: RetryPolicy;
  /** Timeout for connecting to a lab MTA and for each of its replies. */
  timeoutMs: number;
}

export interface MailWorldDeps {
  sandboxes: Sandboxes;
  handoffs: HandoffRegistry;
  log: Logger;
  connectHost: string;
  portOf: (id: ServiceId) => number | undefined;
  metrics?: LabMetrics;
}

export class UnknownMta extends Error {
  constructor(readonly domain: string) {
    super(`No mail server for ${domain} in the lab: choose ${LAB_MTAS.map((m) => m.domain).join(' or ')}`);
  }
}

export class MailWorld {
  readonly dns: LabDns;
  /** 'line' ({sandboxId, host, line}) for every log line of every MTA. */
  readonly events = new EventEmitter();
  readonly options: MailWorldOptions;
  private sandboxMtas = new Map<string, Promise<Map<string, Mta>>>();
  /** Each sandbox's fault board, with the world (sandbox.generation) it was loaded for. */
  private boards = new Map<string, { generation: number; board: Promise<FaultBoard> }>();
  /** The loaded MTA sets, readable without waiting (for gauges). */
  private ready = new Set<Map<string, Mta>>();
  private stopped = false;

  constructor(
    private readonly deps: MailWorldDeps,
    options: Partial<MailWorldOptions> = {},
  ) {
    this.options = { clock: options.clock ?? systemClock, retry: { ...DEFAULT_RETRY, ...options.retry }, timeoutMs: options.timeoutMs ?? 30_000 };
    const metrics = deps.metrics;
    this.dns = new LabDns({
      ...(metrics ? { onQuery: (rcode: string) => metrics.dnsQueries.inc({ transport: 'internal', rcode }) } : {}),
      interference: async (sandbox) => {
        const board = await this.faults(sandbox);
        return board.hasDnsFaults ? (name, type) => board.dns(name, type) : undefined;
      },
    });
    this.events.setMaxListeners(0);
  }

  /** Loads every sandbox that has mail waiting in a queue, so its retries go on. */
  async start(): Promise<void> {
    for (const id of await this.deps.sandboxes.list()) {
      const queued = await readdir(join(this.deps.sandboxes.root, id, 'queue'), { recursive: true }).catch(() => []);
      if (queued.some((f) => String(f).endsWith('.json'))) {
        const sandbox = await this.deps.sandboxes.get(id).catch(() => undefined);
        if (sandbox) await this.mtas(sandbox);
      }
    }
  }

  /** Stops every queue (waiting for attempts in progress). */
  async stop(): Promise<void> {
    this.stopped = true;
    const all = await Promise.allSettled([...this.sandboxMtas.values()]);
    await Promise.all(all.flatMap((r) => (r.status === 'fulfilled' ? [...r.value.values()].map((m) => m.close()) : [])));
  }

  /** The lab's metrics, when it keeps any (receiving servers count their deliveries here). */
  get metrics(): LabMetrics | undefined {
    return this.deps.metrics;
  }

  /** Messages queued per MTA host over the sandboxes in memory (the queue-depth gauge). */
  queueDepth(): Map<string, number> {
    const depth = new Map<string, number>(LAB_MTAS.map((m) => [m.host, 0]));
    for (const mtas of this.ready) for (const m of mtas.values()) depth.set(m.identity.host, (depth.get(m.identity.host) ?? 0) + m.list().length);
    return depth;
  }

  /**
   * The faults armed in a sandbox: loaded once per world, so a reset (a new world) disarms
   * them, and a board of the old world can no longer write its file.
   */
  faults(sandbox: Sandbox): Promise<FaultBoard> {
    const generation = sandbox.generation;
    const cached = this.boards.get(sandbox.id);
    if (cached?.generation === generation) return cached.board;
    const metrics = this.deps.metrics;
    const board = FaultBoard.load(join(sandbox.dir, 'faults.json'), this.options.clock, {
      onFire: (f) => metrics?.faultsFired.inc({ target: 'host' in f.spec ? f.spec.host : 'dns', kind: f.spec.kind }),
      guardWrite: (write) => sandbox.writeState(generation, write),
    });
    this.boards.set(sandbox.id, { generation, board });
    if (!cached) sandbox.events.once('deleted', () => this.boards.delete(sandbox.id));
    return board;
  }

  /** The MTAs of a sandbox, by domain. */
  async mtas(sandbox: Sandbox): Promise<Mta[]> {
    return [...(await this.load(sandbox)).values()];
  }

  /** One MTA of a sandbox. Throws UnknownMta. */
  async mta(sandbox: Sandbox, domain: string): Promise<Mta> {
    const mta = (await this.load(sandbox)).get(domain.toLowerCase());
    if (!mta) throw new UnknownMta(domain);
    return mta;
  }

  /** Starts or stops an MTA of a sandbox (remembered across restarts, undone by a reset). */
  async setRunning(sandbox: Sandbox, domain: string, running: boolean): Promise<Mta> {
    const mta = await this.mta(sandbox, domain);
    if (mta.running === running) return mta;
    mta.running = running;
    mta.log.write('master', running ? 'daemon started -- version MailLab, configuration /etc/postfix' : 'terminating on signal 15 (the learner stopped this mail server)');
    const all = await this.mtas(sandbox);
    await saveStoppedMtas(sandbox, mta.generation, all.filter((m) => !m.running).map((m) => m.identity.domain));
    // A stopped server's own queue waits too; a started one looks at its queue at once.
    if (running) mta.flush();
    return mta;
  }

  private load(sandbox: Sandbox): Promise<Map<string, Mta>> {
    let loaded = this.sandboxMtas.get(sandbox.id);
    if (!loaded) {
      loaded = this.create(sandbox);
      this.sandboxMtas.set(sandbox.id, loaded);
      loaded.then(
        (mtas) => this.ready.add(mtas),
        () => this.sandboxMtas.delete(sandbox.id),
      );
      const drop = (): void => {
        if (this.sandboxMtas.get(sandbox.id) !== loaded) return;
        this.sandboxMtas.delete(sandbox.id);
        void loaded!.then((mtas) => {
          this.ready.delete(mtas);
          return Promise.all([...mtas.values()].map((m) => m.close()));
        });
      };
      sandbox.events.once('reset', drop);
      sandbox.events.once('deleted', drop);
    }
    return loaded;
  }

  private async create(sandbox: Sandbox): Promise<Map<string, Mta>> {
    const stopped = await stoppedMtas(sandbox);
    const mtas = new Map<string, Mta>();
    for (const identity of LAB_MTAS) {
      const mta = new Mta(sandbox, identity, {
        clock: this.options.clock,
        retry: this.options.retry,
        dns: this.dns,
        handoffs: this.deps.handoffs,
        connectHost: this.deps.connectHost,
        portOf: this.deps.portOf,
        peerRunning: async (s, domain) => (await this.mta(s, domain)).running,
        timeoutMs: this.options.timeoutMs,
        events: this.events,
        labLog: this.deps.log,
        ...(this.deps.metrics ? { metrics: this.deps.metrics } : {}),
      });
      mta.running = !stopped.includes(identity.domain);
      mtas.set(identity.domain, mta);
    }
    if (!this.stopped) for (const mta of mtas.values()) await mta.loadQueue();
    return mtas;
  }
}

