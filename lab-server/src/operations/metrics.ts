/**
 * The lab's Prometheus metrics (prom-client), one registry per running lab. Protocol servers,
 * MTAs, the DNS server and the graders count what happens as it happens; gauges that describe
 * a state (queue depth, open terminals, sandboxes, active learners) are read when scraped.
 *
 * Labels are kept to small, fixed sets (service, command verb, reply code, MTA host, exercise
 * id): never a sandbox, learner or address, so a class of any size gives the same series.
 */
import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';
import type { QuotaPressure } from './quotaPressure.js';

/** What the lab reads when a scrape asks for the current state. */
export interface StateSources {
  /** Messages waiting in each MTA's queue, by MTA host, over the sandboxes in memory. */
  queueDepth(): Map<string, number>;
  terminalsOpen(): number;
  sandboxes(): Promise<number>;
  /** Learners seen in the last five minutes. */
  activeLearners(): Promise<number>;
  /** How close the open sandboxes are to their quotas. */
  quota(): QuotaPressure;
  /** Free bytes on the data directory's disk. */
  diskFree(): Promise<number>;
}

export class LabMetrics {
  readonly registry = new Registry();

  /** Connections accepted, by lab service (smtp, imap, pop3s, dns-tcp ...). */
  readonly connections = new Counter({ name: 'maillab_connections_total', help: 'Connections accepted, by service.', labelNames: ['service'] as const, registers: [this.registry] });
  readonly openConnections = new Gauge({ name: 'maillab_connections_open', help: 'Connections open now, by service.', labelNames: ['service'] as const, registers: [this.registry] });
  /** Commands counted since the last scrape, by service and verb (see countCommand()). */
  private readonly newCommands = new Map<string, Map<string, number>>();
  /** Protocol commands received, by service and verb (known verbs only). */
  readonly commands = commandCounter(this.registry, this.newCommands);
  /** SMTP replies in the 4xx and 5xx classes, by service and reply code. */
  readonly rejections = new Counter({ name: 'maillab_smtp_rejections_total', help: 'SMTP replies with a 4xx or 5xx code sent by the lab servers, by service and code.', labelNames: ['service', 'code'] as const, registers: [this.registry] });
  /** Messages written into a Maildir, by the MTA that delivered them. */
  readonly maildirDeliveries = new Counter({ name: 'maillab_maildir_deliveries_total', help: 'Messages delivered into a Maildir (one per recipient), by MTA host.', labelNames: ['host'] as const, registers: [this.registry] });
  /** Queue delivery attempts per recipient, by sending MTA and outcome (sent, deferred, bounced). */
  readonly queueDeliveries = new Counter({ name: 'maillab_queue_deliveries_total', help: 'Delivery attempts from the MTA queues per recipient, by MTA host and status (sent, deferred, bounced).', labelNames: ['host', 'status'] as const, registers: [this.registry] });
  readonly bounces = new Counter({ name: 'maillab_bounces_total', help: 'Non-delivery notifications (RFC 3464 bounces) generated, by MTA host.', labelNames: ['host'] as const, registers: [this.registry] });
  /** DNS questions answered, by how they came (udp, tcp, or in-process from the lab's own servers) and response code. */
  readonly dnsQueries = new Counter({ name: 'maillab_dns_queries_total', help: 'Lab DNS queries, by transport (udp, tcp, internal) and response code.', labelNames: ['transport', 'rcode'] as const, registers: [this.registry] });
  readonly gradingAttempts = new Counter({ name: 'maillab_grading_attempts_total', help: 'Graded exercise attempts, by exercise and result (passed, failed).', labelNames: ['exercise', 'result'] as const, registers: [this.registry] });
  /** Content-Security-Policy violations browsers reported (the inspector's message frame), by directive. */
  readonly cspReports = new Counter({ name: 'maillab_csp_reports_total', help: 'Content-Security-Policy violation reports received, by violated directive.', labelNames: ['directive'] as const, registers: [this.registry] });
  /** Armed faults that fired, by target (an MTA host or dns) and kind. */
  readonly faultsFired = new Counter({ name: 'maillab_faults_fired_total', help: 'Injected faults that fired, by target and kind.', labelNames: ['target', 'kind'] as const, registers: [this.registry] });

  constructor() {
    // Event-loop delay, memory, CPU, handles: prom-client's standard process and Node.js metrics.
    collectDefaultMetrics({ register: this.registry });
    // These gauges repeat nodejs_active_* (which break the counts down by type) under a name
    // Prometheus reserves for counters; promtool rightly flags them.
    for (const name of ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total']) this.registry.removeSingleMetric(name);
    // nodejs_active_handles lists every handle as an object (process._getActiveHandles): with
    // 10,000 connections open a scrape blocked the loop for ~100 ms. nodejs_active_resources
    // gives the same counts by type from names alone, and maillab_connections_open the sockets.
    this.registry.removeSingleMetric('nodejs_active_handles');
  }

  /**
   * Counts a protocol command. Every command of every session passes here, so it only adds to
   * a plain map; the counter takes the sums when scraped (its inc() hashes the labels each
   * time, a few µs per IMAP command).
   */
  countCommand(service: string, command: string): void {
    let counts = this.newCommands.get(service);
    if (!counts) this.newCommands.set(service, (counts = new Map()));
    counts.set(command, (counts.get(command) ?? 0) + 1);
  }

  /** Registers the gauges read at scrape time (called once the lab's parts exist). */
  observe(sources: StateSources): void {
    const registers = [this.registry];
    new Gauge({
      name: 'maillab_queue_messages',
      help: 'Messages waiting in the MTA queues, by MTA host (sandboxes loaded in memory).',
      labelNames: ['host'] as const,
      registers,
      collect() {
        this.reset();
        for (const [host, n] of sources.queueDepth()) this.set({ host }, n);
      },
    });
    new Gauge({
      name: 'maillab_terminals_open',
      help: 'Browser terminals open now.',
      registers,
      collect() {
        this.set(sources.terminalsOpen());
      },
    });
    new Gauge({
      name: 'maillab_sandboxes',
      help: 'Sandboxes (mail worlds) on disk.',
      registers,
      async collect() {
        this.set(await sources.sandboxes());
      },
    });
    new Gauge({
      name: 'maillab_learners_active',
      help: 'Learners seen in the last five minutes.',
      registers,
      async collect() {
        this.set(await sources.activeLearners());
      },
    });
    new Gauge({
      name: 'maillab_sandboxes_quota_pressure',
      help: 'Open sandboxes near their disk quota (level="near", 90% or more) or at it (level="full", 99% or more).',
      labelNames: ['level'] as const,
      registers,
      collect() {
        const p = sources.quota();
        this.set({ level: 'near' }, p.near);
        this.set({ level: 'full' }, p.full);
      },
    });
    new Gauge({
      name: 'maillab_quota_open_bytes',
      help: 'Bytes the open sandboxes may still write under their quotas, all together.',
      registers,
      collect() {
        this.set(sources.quota().openBytes);
      },
    });
    new Gauge({
      name: 'maillab_data_disk_free_bytes',
      help: "Free bytes on the data directory's disk.",
      registers,
      async collect() {
        this.set(await sources.diskFree());
      },
    });
  }

  /** Counts a connection on `service` until its socket closes. */
  connectionOpened(service: string, socket: { once(event: 'close', listener: () => void): unknown }): void {
    this.connections.inc({ service });
    this.openConnections.inc({ service });
    socket.once('close', () => this.openConnections.dec({ service }));
  }

  /** The Prometheus text exposition format. */
  async exposition(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}

/** maillab_commands_total, which takes in the commands counted since the last scrape when scraped. */
function commandCounter(registry: Registry, counted: Map<string, Map<string, number>>): Counter<'service' | 'command'> {
  return new Counter({
    name: 'maillab_commands_total',
    help: 'Protocol commands received, by service and command verb.',
    labelNames: ['service', 'command'] as const,
    registers: [registry],
    collect() {
      for (const [service, counts] of counted) for (const [command, n] of counts) this.inc({ service, command }, n);
      counted.clear();
    },
  });
}
