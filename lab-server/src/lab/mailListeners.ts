/**
 * The lab's mail listeners: SMTP on each lab MTA's port 25 and on the submission ports, IMAP
 * and POP3 with and without implicit TLS, every connection and command counted, and their
 * orderly close at shutdown (sessions told why, deliveries already accepted finished).
 */
import type { Server, Socket } from 'node:net';
import { createImapListener } from '../imap/server.js';
import type { LabLimits } from '../limits.js';
import type { MailWorld } from '../mta/mailWorld.js';
import { ConnectionCaps } from '../net/connectionCaps.js';
import type { SessionListener } from '../net/sessionListener.js';
import type { LabMetrics } from '../operations/metrics.js';
import { MaildropLocks } from '../pop3/locks.js';
import { createPop3Listener } from '../pop3/server.js';
import { defaultLabPort, SERVICES, type RunningService, type ServiceId } from '../services.js';
import type { LabSmtpServer } from '../smtp/labSmtpServer.js';
import { DataBudget } from '../smtp/dataBudget.js';
import { createSmtpServer } from '../smtp/server.js';
import type { TlsMaterial } from '../tls/certificate.js';
import type { SandboxAccess } from '../world/access.js';
import { mtaForService } from '../world/network.js';
import type { LabConfig } from './config.js';
import { listen } from './listen.js';

export interface MailListenerDeps {
  access: SandboxAccess;
  tls: TlsMaterial;
  metrics: LabMetrics;
  limits: LabLimits;
}

/** What the listeners of one lab share: connection caps, the maildrop locks, the memory for literals and DATA, the command counter. */
interface SharedByListeners {
  caps: ConnectionCaps;
  preLoginTimeoutMs: number;
  locks: MaildropLocks;
  dataBudget: DataBudget;
  countCommand: (service: string, command: string) => void;
}

export class MailListeners {
  /** The listeners started so far, with their ports. */
  readonly services: RunningService[] = [];
  /** Deliveries in progress, awaited on shutdown so nothing is cut off half-way. */
  readonly inFlight = new Set<Promise<unknown>>();
  private smtp: LabSmtpServer[] = [];
  private pop3: SessionListener[] = [];
  private imap: SessionListener[] = [];

  constructor(
    private readonly config: LabConfig,
    private readonly deps: MailListenerDeps,
  ) {}

  /** The port a service listens on, once it does. */
  portOf(id: ServiceId): number | undefined {
    return this.services.find((s) => s.id === id)?.port;
  }

  /** Starts every mail service of this build, in order; throws ListenError when a port cannot be had. */
  async start(world: MailWorld): Promise<void> {
    const { config, deps } = this;
    // One total for every mail port; per-address counts are kept per port.
    const caps = new ConnectionCaps(deps.limits.mailConnectionsPerAddress, deps.limits.mailConnections, { perMinute: deps.limits.mailNewTlsSessionsPerMinute, log: config.log });
    const shared = this.shared(caps, (service, command) => deps.metrics.countCommand(service, command));
    for (const info of SERVICES) {
      const wanted = config.ports[info.id] ?? defaultLabPort(info, config.portOffset);
      let server: Server;
      if (info.protocol === 'smtp') {
        // Each lab MTA's port 25 is its own listener: mail.example.com, mail.otherdomain.com.
        const mta = mtaForService(info.id);
        const smtp = createSmtpServer(mta ? 'mx' : (info.id as 'submission' | 'submissions'), {
          access: deps.access,
          tls: deps.tls,
          log: config.log,
          maxMessageSize: config.maxMessageSize,
          inFlight: this.inFlight,
          dataBudget: shared.dataBudget,
          world,
          caps,
          preLoginTimeoutMs: shared.preLoginTimeoutMs,
          ...(mta ? { mta } : {}),
          metrics: { counters: deps.metrics, service: info.id },
        });
        this.smtp.push(smtp);
        server = smtp.server;
      } else {
        const listener = this.sessionListener(info.protocol, info.tls === 'implicit', deps.access, shared);
        (info.protocol === 'imap' ? this.imap : this.pop3).push(listener);
        server = listener.server;
      }
      // smtp-server keeps its net.Server inside; the others are net (or tls) servers themselves.
      const sockets = (server as Server & { server?: Server }).server ?? server;
      sockets.on('connection', (socket: Socket) => deps.metrics.connectionOpened(info.id, socket));
      const port = await listen(server, wanted, config.host, info.id);
      this.services.push({ ...info, port, listening: () => server.listening });
    }
  }

  /**
   * A plain IMAP or POP3 listener built as the lab's own are, for the warm-up (lab/warmUp.ts):
   * on its sandbox, with caps and budgets of its own, counted nowhere. Built by the same code,
   * its sessions' objects have the shapes the lab's have, so what V8 compiles for them fits both.
   */
  privateListener(protocol: 'imap' | 'pop3', access: SandboxAccess): SessionListener {
    // A few connections: the warm-up opens one at a time.
    return this.sessionListener(protocol, false, access, this.shared(new ConnectionCaps(4, 4), () => undefined));
  }

  private shared(caps: ConnectionCaps, countCommand: (service: string, command: string) => void): SharedByListeners {
    const { limits } = this.deps;
    return {
      caps,
      preLoginTimeoutMs: limits.mailPreLoginTimeoutMs,
      locks: new MaildropLocks(),
      dataBudget: new DataBudget({ total: limits.mailDataBytes, perClient: limits.mailDataBytesPerAddress, perLearner: limits.mailDataBytesPerLearner }),
      countCommand,
    };
  }

  private sessionListener(protocol: 'imap' | 'pop3', implicitTls: boolean, access: SandboxAccess, shared: SharedByListeners): SessionListener {
    const { config, deps } = this;
    const { caps, preLoginTimeoutMs, locks, dataBudget, countCommand } = shared;
    const common = { access, tls: deps.tls, log: config.log, requireTlsAuth: config.requireTlsAuth, onCommand: countCommand, caps, preLoginTimeoutMs };
    return protocol === 'imap' ? createImapListener(implicitTls, { ...common, maxMessageSize: config.maxMessageSize, dataBudget }) : createPop3Listener(implicitTls, { ...common, locks });
  }

  /** Closes every listener, telling open sessions why, then waits for accepted deliveries. */
  async close(reason: string): Promise<void> {
    await Promise.all([
      ...this.smtp.map(
        (s) =>
          new Promise<void>((resolve) => {
            s.server.close(() => resolve());
            s.closeAllSessions(`${s.hostName} ${reason}`);
          }),
      ),
      ...this.pop3.map((p) => p.close(reason)),
      ...this.imap.map((i) => i.close(reason)),
    ]);
    // Deliveries already accepted finish writing: nothing is left half-done.
    await Promise.allSettled([...this.inFlight]);
  }
}
