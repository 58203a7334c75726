/**
 * Starts and stops the whole lab in one process: the sandboxes, the TLS certificate, every
 * mail listener and the web server. The CLI, the tests and the benchmark all start it here.
 */
import { mkdir } from 'node:fs/promises';
import type { IncomingMessage, Server as HttpServer } from 'node:http';
import type { Server, Socket } from 'node:net';
import { attachBridge, dialHost, type Bridge } from './bridge/bridge.js';
import { ExerciseCatalog } from './grading/exercises.js';
import { people } from './classroom/web.js';
import { exerciseRoutes } from './http/routes/exercises.js';
import { maildirRoute } from './http/maildirRoute.js';
import { createWebServer, sendJson } from './http/server.js';
import { operationsRoutes } from './http/routes/operations.js';
import { classroomTargets, faultRoutes } from './http/routes/faults.js';
import { inspectorRoutes } from './http/routes/inspector.js';
import { instructorOf } from './classroom/identity.js';
import { LabMetrics } from './operations/metrics.js';
import { openDatabase } from './store/database.js';
import { ClassroomStore } from './store/classroom.js';
import { LearnerStore } from './store/learners.js';
import { ClusterSetupError, joinCluster } from './cluster/joinCluster.js';
import type { ClusterNode } from './cluster/node.js';
import { clientAddressIn, oncePerRequest, routeByOwner, sandboxRouting } from './cluster/routing.js';
import { internalRoutes } from './cluster/internalRoutes.js';
import { RateLimitCounters } from './store/rateLimits.js';
import type { Database } from './store/sql.js';
import { DEFAULT_LIMITS, type LabLimits } from './limits.js';
import { makePrivate, PRIVATE_DIR } from './files/privateModes.js';
import { AddressList } from './net/addressList.js';
import { ConnectionCaps } from './net/connectionCaps.js';
import { ProxyTrust } from './http/clientAddress.js';
import { SessionCookies } from './http/cookies.js';
import { SiteOrigin } from './http/origin.js';
import { createImapListener, type ImapListener } from './imap/server.js';
import { HandoffRegistry } from './net/handoff.js';
import { createPop3Listener, type Pop3Listener } from './pop3/server.js';
import { DnsListenError, startDnsServer, type DnsServer } from './dns/server.js';
import { MailWorld } from './mta/mailWorld.js';
import { worldRoutes } from './http/routes/world.js';
import { mtaForService } from './world/network.js';
import { MaildropLocks } from './pop3/locks.js';
import { isLoopbackHost, listen, ListenError } from './lab/listen.js';
import type { LabConfig } from './lab/config.js';
import { sweepTmp } from './lab/sweepTmp.js';
import { defaultLabPort, SERVICES, type RunningService, type ServiceId, type ServiceInfo } from './services.js';
import { createSmtpServer, type LabSmtpServer } from './smtp/server.js';
import { loadTlsMaterial, type TlsMaterial } from './tls/certificate.js';
import { SandboxAccess } from './world/access.js';
import { defaultWorld } from './world/definition.js';
import { DEFAULT_SANDBOX, Sandboxes } from './world/sandboxes.js';

export type { RunningService } from './services.js';
export { defaultConfig, DEFAULT_SITE_DIR, type LabConfig } from './lab/config.js';
export { ListenError } from './lab/listen.js';

/** The services this build runs. */
export const RUNNING_SERVICES: readonly ServiceInfo[] = SERVICES;

export interface Lab {
  config: LabConfig;
  sandboxes: Sandboxes;
  access: SandboxAccess;
  handoffs: HandoffRegistry;
  tls: TlsMaterial;
  services: RunningService[];
  httpPort: number;
  bridge: Bridge;
  /** The lab's database (SQLite in the data dir, or the shared PostgreSQL). */
  db: Database;
  /** This lab's part in a cluster of nodes, when it is one. */
  cluster?: ClusterNode;
  /** Learners and their graded attempts. */
  learners: LearnerStore;
  classroom: ClassroomStore;
  exercises: ExerciseCatalog;
  /** The sandboxes' MTAs, queues and DNS zones. */
  world: MailWorld;
  /** The lab DNS server's port (UDP and TCP). */
  dnsPort: number;
  /** Prometheus metrics of this lab (GET /metrics). */
  metrics: LabMetrics;
  /** Port of a service by id. */
  port(id: ServiceId): number;
  stop(): Promise<void>;
}

export async function startLab(config: LabConfig): Promise<Lab> {
  if (config.mode === 'single' && !isLoopbackHost(config.host)) {
    // Without logins everyone who can reach the lab would share one world and the password "secret".
    throw new ListenError(
      `Refusing to listen on ${config.host} in single-learner mode: it has no logins and every mailbox password is "secret". Use --host 127.0.0.1, or --mode classroom to serve a class`,
    );
  }
  const limits: LabLimits = { ...DEFAULT_LIMITS, ...config.limits };
  const proxies = new ProxyTrust(new AddressList(config.trustProxy ?? []));
  const site = new SiteOrigin(config.publicUrl, proxies);
  const cookies = SessionCookies.forPublicUrl(config.publicUrl);
  const sandboxes = new Sandboxes(config.dataDir);
  await mkdir(config.dataDir, { recursive: true, mode: PRIVATE_DIR });
  await makePrivate({ dirs: [config.dataDir] });
  await sandboxes.makePrivate();
  await sweepTmp(sandboxes.root);
  await sandboxes.create(DEFAULT_SANDBOX);
  const handoffs = new HandoffRegistry();
  const access = new SandboxAccess(sandboxes, handoffs, DEFAULT_SANDBOX, config.mode, {
    failureDelayMs: limits.mailAuthFailureDelayMs,
    failuresPerConnection: limits.mailAuthFailuresPerConnection,
  });
  // One total for every mail port; per-address counts are kept per port.
  const mailCaps = new ConnectionCaps(limits.mailConnectionsPerAddress, limits.mailConnections);
  const guarded = { caps: mailCaps, preLoginTimeoutMs: limits.mailPreLoginTimeoutMs };
  // Classroom logins from mail clients are looked up across every learner's sandbox.
  if (config.mode === 'classroom') await sandboxes.loadAll();
  const tls = await loadTlsMaterial(config.dataDir, defaultWorld().hostName, { certPath: config.tlsCert, keyPath: config.tlsKey });
  const inFlight = new Set<Promise<unknown>>();
  const locks = new MaildropLocks();
  const exercises = await ExerciseCatalog.load();
  const db = await openDatabase(config.dataDir, config.database);
  const learners = new LearnerStore(db);
  const classroom = new ClassroomStore(db);
  const metrics = new LabMetrics();

  if (config.cluster && config.mode !== 'classroom') {
    await db.close();
    throw new ClusterSetupError('Several lab nodes serve a class: add --mode classroom.');
  }
  let cluster: ClusterNode | undefined;

  const smtpServers: LabSmtpServer[] = [];
  const pop3Listeners: Pop3Listener[] = [];
  const imapListeners: ImapListener[] = [];
  const servers: HttpServer[] = [];
  const services: RunningService[] = [];
  const world = new MailWorld(
    { sandboxes, handoffs, log: config.log, connectHost: isLoopbackHost(config.host) ? config.host : '127.0.0.1', portOf: (id) => services.find((s) => s.id === id)?.port, metrics },
    config.world,
  );
  let dns: DnsServer | undefined;

  let bridge: Bridge | undefined;
  let httpPort = 0;
  // Stopping twice (a signal during shutdown, a test's dispose after stop) stops once.
  let stopping: Promise<void> | undefined;
  const stopAll = (): Promise<void> => (stopping ??= stopEverything());
  const stopEverything = async (): Promise<void> => {
    cluster?.stop();
    bridge?.close();
    // The queues stop first: an attempt in progress finishes while its destination still listens.
    await world.stop();
    await dns?.close();
    const reason = 'MailLab is shutting down. Reconnect when it is back';
    await Promise.all([
      ...smtpServers.map(
        (s) =>
          new Promise<void>((resolve) => {
            s.server.close(() => resolve());
            s.closeAllSessions(`${s.hostName} ${reason}`);
          }),
      ),
      ...pop3Listeners.map((p) => p.close(reason)),
      ...imapListeners.map((i) => i.close(reason)),
      ...servers.map(
        (s) =>
          new Promise<void>((resolve) => {
            s.close(() => resolve());
            s.closeAllConnections();
          }),
      ),
    ]);
    // Deliveries already accepted finish writing: nothing is left half-done.
    await Promise.allSettled([...inFlight]);
    // Each folder's index file catches up with its log, so the next start opens folders without a look at their files.
    await Promise.allSettled(sandboxes.loaded().map((s) => s.flushMailboxes()));
    await db.close();
  };

  const countCommand = (service: string, command: string): void => metrics.commands.inc({ service, command });
  try {
    for (const info of RUNNING_SERVICES) {
      const wanted = config.ports[info.id] ?? defaultLabPort(info, config.portOffset);
      let server: Server;
      if (info.protocol === 'smtp') {
        // Each lab MTA's port 25 is its own listener: mail.example.com, mail.otherdomain.com.
        const mta = mtaForService(info.id);
        const smtp = createSmtpServer(mta ? 'mx' : (info.id as 'submission' | 'submissions'), {
          access,
          tls,
          log: config.log,
          maxMessageSize: config.maxMessageSize,
          inFlight,
          world,
          ...guarded,
          ...(mta ? { mta } : {}),
          metrics: { counters: metrics, service: info.id },
        });
        smtpServers.push(smtp);
        server = smtp.server;
      } else if (info.protocol === 'imap') {
        const imap = createImapListener(info.tls === 'implicit', { access, tls, log: config.log, requireTlsAuth: config.requireTlsAuth, maxMessageSize: config.maxMessageSize, onCommand: countCommand, ...guarded });
        imapListeners.push(imap);
        server = imap.server;
      } else {
        const pop3 = createPop3Listener(info.tls === 'implicit', { access, tls, log: config.log, locks, requireTlsAuth: config.requireTlsAuth, onCommand: countCommand, ...guarded });
        pop3Listeners.push(pop3);
        server = pop3.server;
      }
      // smtp-server keeps its net.Server inside; the others are net (or tls) servers themselves.
      const sockets = (server as Server & { server?: Server }).server ?? server;
      sockets.on('connection', (socket: Socket) => metrics.connectionOpened(info.id, socket));
      const port = await listen(server, wanted, config.host, info.id);
      services.push({ ...info, port, listening: () => server.listening });
    }

    cluster = config.cluster
      ? await joinCluster(config.cluster, {
          db,
          sandboxes,
          access,
          load: { sandboxes: async () => (await sandboxes.list()).length - 1, terminals: () => bridge?.sessions.size ?? 0, terminalOwners: () => bridge?.owners() ?? new Set() },
          touch: (ids) => learners.touch(ids),
          log: config.log,
        })
      : undefined;
    const clientAddress = clientAddressIn(cluster, (req) => proxies.clientAddress(req));
    const routing = sandboxRouting(cluster, clientAddress, config.log);
    const publicUrl = (): string => config.publicUrl ?? `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${httpPort}/`;
    const who = people({
      mode: config.mode,
      learners,
      store: classroom,
      rateLimits: new RateLimitCounters(db),
      sandboxes,
      catalog: exercises,
      defaultSandbox: DEFAULT_SANDBOX,
      publicUrl,
      terminalOwners: () => bridge?.owners() ?? new Set(),
      endTerminals: (learnerId) => bridge?.endSessionsOf(learnerId),
      limits,
      clientAddress,
      cookies,
      mailServer: () => ({
        host: config.cluster?.mailHost ?? new URL(publicUrl()).hostname,
        ports: Object.fromEntries(services.map((s) => [s.id, s.port])),
      }),
    });
    const apiRequester = oncePerRequest(who.apiRequester);
    const web = createWebServer(config.siteDir, routeByOwner({
      ...who.routes,
      'GET /api/health': (_req, res) => sendJson(res, 200, { ok: true }),
      ...operationsRoutes({
        metrics,
        guardMetrics: config.mode === 'classroom',
        ...(config.metricsToken ? { metricsToken: config.metricsToken } : {}),
        readiness: {
          listeners: () =>
            services.map((s) => ({
              id: s.id,
              host: dialHost(config.host),
              port: s.port,
              implicitTls: s.tls === 'implicit',
              goodbye: s.protocol === 'imap' ? 'r1 LOGOUT\r\n' : 'QUIT\r\n',
            })),
          dns: { host: dialHost(config.host), get port() { return dns?.port ?? 0; } },
          probeDatabaseWrite: () => db.probeWrite(),
          dataDir: config.dataDir,
          minFreeBytes: 64 * 1024 * 1024,
          timeoutMs: 3000,
        },
      }),
      // Called per request, after `requester` below is set: the Maildir view shows the terminals' sandbox.
      'GET /api/maildir': maildirRoute({ sandboxes, requester: (req) => requester(req) }),
      'GET /api/services': (_req, res) =>
        sendJson(res, 200, {
          services: services.map(({ id, protocol, standardPort, port, tls: mode, purpose, listening }) => ({
            id,
            protocol,
            standardPort,
            labPort: port,
            tls: mode,
            purpose,
            listening: listening(),
          })),
        }),
      ...exerciseRoutes({ catalog: exercises, learners, sandboxes, requester: apiRequester, onGraded: (exercise, passed) => metrics.gradingAttempts.inc({ exercise, result: passed ? 'passed' : 'failed' }) }),
      ...worldRoutes({ world, sandboxes, requester: (req) => requester(req) }),
      ...inspectorRoutes({ sandboxes, requester: (req) => requester(req), metrics }),
      ...faultRoutes({
        world,
        sandboxes,
        requester: (req) => requester(req),
        ...(config.mode === 'classroom'
          ? { instructor: (req: IncomingMessage) => instructorOf(req, classroom, cookies), learnersFor: classroomTargets(classroom), audit: (id: string, action: string, detail: unknown) => classroom.audit(id, action, detail) }
          : {}),
      }),
      ...(cluster ? internalRoutes(cluster, sandboxes, config.log) : {}),
    }, routing, {
      requester: apiRequester,
      sandboxOfLearner: async (id) => (await learners.get(id))?.sandboxId,
      gradedOnSandbox: (id) => exercises.get(id)?.kind === 'protocol',
    }), { limits, proxies, site });
    servers.push(web);
    const requester = oncePerRequest(config.terminalRequester ?? who.terminalRequester);
    bridge = attachBridge(web, {
      services: () => services,
      handoffs,
      sandboxes,
      requester,
      listenHost: config.host,
      tlsServerName: defaultWorld().hostName,
      log: config.log,
      limits: config.bridgeLimits,
      clientAddress,
      sameOrigin: (req) => site.matches(req),
      route: routing.terminal,
    });
    httpPort = await listen(web, config.ports.http ?? config.httpPort, config.host, 'the web server');
    dns = await startDnsServer(config.host, config.ports.dns ?? 53 + config.portOffset, {
      access,
      authority: (s) => world.dns.authority(s),
      interference: (s) => world.dns.interference(s),
      log: config.log,
      onQuery: (transport, rcode) => metrics.dnsQueries.inc({ transport, rcode }),
    }).catch((err: Error) => {
      throw err instanceof DnsListenError ? new ListenError(err.message) : err;
    });
    // Mail left in the queues by the last run is retried now that every listener is up.
    await world.start();
    await cluster?.start(Object.fromEntries(services.map((s) => [s.id, s.port])));
    metrics.observe({
      queueDepth: () => world.queueDepth(),
      terminalsOpen: () => bridge?.sessions.size ?? 0,
      sandboxes: async () => (await sandboxes.list()).length,
      activeLearners: () => learners.countSeenSince(new Date(Date.now() - 5 * 60 * 1000)),
    });

    return {
      config,
      sandboxes,
      access,
      handoffs,
      tls,
      services,
      httpPort,
      bridge: bridge!,
      db,
      ...(cluster ? { cluster } : {}),
      learners,
      classroom,
      exercises,
      world,
      dnsPort: dns.port,
      metrics,
      port(id) {
        const s = services.find((x) => x.id === id);
        if (!s) throw new Error(`service ${id} is not running`);
        return s.port;
      },
      stop: stopAll,
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}
