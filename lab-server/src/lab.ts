/**
 * Starts and stops the whole lab in one process: the sandboxes, the TLS certificate, every
 * mail listener and the web server. The CLI, the tests and the benchmark all start it here.
 */
import { mkdir } from 'node:fs/promises';
import type { Server as HttpServer } from 'node:http';
import { attachBridge, type Bridge, type TerminalsEnd } from './bridge/bridge.js';
import { clusterEndTerminals } from './cluster/terminalEnds.js';
import { ExerciseCatalog } from './grading/exercises.js';
import { people } from './classroom/web.js';
import { createWebServer } from './http/server.js';
import { flushMailboxes, sandboxMail } from './maildir/sandboxMaildirs.js';
import { setFolderIdleTime } from './maildir/idleFolders.js';
import { LabMetrics } from './operations/metrics.js';
import { quotaPressure } from './operations/quotaPressure.js';
import { diskSpace } from './operations/readiness.js';
import { openDatabase } from './store/database.js';
import { ClassroomStore } from './store/classroom.js';
import { LearnerStore } from './store/learners.js';
import { ClusterSetupError, joinCluster } from './cluster/joinCluster.js';
import type { ClusterNode } from './cluster/node.js';
import { clientAddressIn, oncePerRequest, routeByOwner, sandboxRouting } from './cluster/routing.js';
import { LoginFailures } from './store/loginFailures.js';
import { RateLimitCounters } from './store/rateLimits.js';
import type { Database } from './store/sql.js';
import { DEFAULT_LIMITS, type LabLimits } from './limits.js';
import { makePrivate, notOwnedLine, PRIVATE_DIR } from './files/privateModes.js';
import { AddressList } from './net/addressList.js';
import { ProxyTrust } from './http/clientAddress.js';
import { SessionCookies } from './http/cookies.js';
import { SiteOrigin } from './http/origin.js';
import { HandoffRegistry } from './net/handoff.js';
import { startDnsServer, type DnsServer } from './dns/server.js';
import { MailWorld } from './mta/mailWorld.js';
import { isLoopbackHost, listen, ListenError } from './lab/listen.js';
import type { LabConfig } from './lab/config.js';
import { MailListeners } from './lab/mailListeners.js';
import { warmUpMailServers } from './lab/warmUp.js';
import { sweepTmp } from './lab/sweepTmp.js';
import { labRoutes } from './lab/webRoutes.js';
import type { RunningService, ServiceId } from './services.js';
import { loadTlsMaterial, type TlsMaterial } from './tls/certificate.js';
import { SandboxAccess } from './world/access.js';
import { AuthPenalty } from './world/authPenalty.js';
import { defaultWorld } from './world/definition.js';
import { DEFAULT_SANDBOX, Sandboxes } from './world/sandboxes.js';

export type { RunningService } from './services.js';
export { defaultConfig, DEFAULT_SITE_DIR, type LabConfig } from './lab/config.js';
export { ListenError } from './lab/listen.js';

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
      `拒绝在 ${config.host} 上监听：单人模式没有登录，每个邮箱的密码都是 "secret"。请使用 --host 127.0.0.1，或用 --mode classroom 为一个班级提供服务`,
    );
  }
  const limits: LabLimits = { ...DEFAULT_LIMITS, ...config.limits };
  setFolderIdleTime(limits.folderIdleMs);
  const proxies = new ProxyTrust(new AddressList(config.trustProxy ?? []));
  const site = new SiteOrigin(config.publicUrl, proxies);
  const cookies = SessionCookies.forPublicUrl(config.publicUrl);
  const sandboxes = new Sandboxes(config.dataDir, sandboxMail, config.quota, config.mode !== 'classroom');
  sandboxes.log = config.log;
  await mkdir(config.dataDir, { recursive: true, mode: PRIVATE_DIR });
  for (const n of await makePrivate({ dirs: [config.dataDir] })) config.log('lab', notOwnedLine(n));
  await sandboxes.makePrivate();
  await sandboxes.sweepRemoved();
  await sweepTmp(sandboxes.root);
  await sandboxes.create(DEFAULT_SANDBOX);
  for (const id of await sandboxes.withoutWorld()) {
    config.log('sandboxes', `${sandboxes.root}/${id} has no world.json: not a sandbox (a creation cut short, or a directory made before its sandbox), so it is not listed and is left as it is. A sandbox created as "${id}" is seeded into it: its mail folders are kept, its zones, queue and logs made afresh. Move the directory away first if that is not wanted.`);
  }
  const handoffs = new HandoffRegistry();
  const access = new SandboxAccess(sandboxes, handoffs, DEFAULT_SANDBOX, config.mode, {
    failureDelayMs: limits.mailAuthFailureDelayMs,
    failuresPerConnection: limits.mailAuthFailuresPerConnection,
    deadlineMs: limits.mailLoginDeadlineMs,
  }, AuthPenalty.from(limits));
  // Classroom logins from mail clients are looked up across every learner's sandbox.
  if (config.mode === 'classroom') await sandboxes.loadAll();
  const tls = await loadTlsMaterial(config.dataDir, defaultWorld().hostName, { certPath: config.tlsCert, keyPath: config.tlsKey }, (n) => config.log('tls', notOwnedLine(n)));
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

  const mail = new MailListeners(config, { access, tls, metrics, limits });
  const servers: HttpServer[] = [];
  const services = mail.services;
  const world = new MailWorld(
    { sandboxes, handoffs, log: config.log, connectHost: isLoopbackHost(config.host) ? config.host : '127.0.0.1', portOf: (id) => mail.portOf(id), metrics },
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
    await Promise.all([
      mail.close('MailLab is shutting down. Reconnect when it is back'),
      ...servers.map(
        (s) =>
          new Promise<void>((resolve) => {
            s.close(() => resolve());
            s.closeAllConnections();
          }),
      ),
    ]);
    // Each folder's index file catches up with its log, so the next start opens folders without a look at their files.
    await Promise.allSettled(sandboxes.loaded().map((s) => flushMailboxes(s)));
    await db.close();
  };

  try {
    await mail.start(world);

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
    const endHere = (learnerId: string, why?: TerminalsEnd): void => bridge?.endSessionsOf(learnerId, why);
    const who = people({
      mode: config.mode,
      learners,
      store: classroom,
      rateLimits: new RateLimitCounters(db),
      loginFailures: new LoginFailures(db),
      sandboxes,
      catalog: exercises,
      defaultSandbox: DEFAULT_SANDBOX,
      publicUrl,
      terminalOwners: () => bridge?.owners() ?? new Set(),
      endTerminals: cluster ? clusterEndTerminals(cluster, endHere, config.log) : endHere,
      limits,
      clientAddress,
      cookies,
      mailServer: () => ({
        host: config.cluster?.mailHost ?? new URL(publicUrl()).hostname,
        ports: Object.fromEntries(services.map((s) => [s.id, s.port])),
      }),
    });
    const apiRequester = oncePerRequest(who.apiRequester);
    const requester = oncePerRequest(config.terminalRequester ?? who.terminalRequester);
    const routes = labRoutes({
      config,
      services,
      dnsPort: () => dns?.port ?? 0,
      db,
      metrics,
      sandboxes,
      world,
      exercises,
      learners,
      classroom,
      cookies,
      ...(cluster ? { cluster } : {}),
      peopleRoutes: who.routes,
      requester,
      apiRequester,
      clientAddress,
      attemptsPerMinute: limits.attemptsPerMinute,
      endTerminals: endHere,
    });
    const web = createWebServer(config.siteDir, routeByOwner(routes, routing, {
      requester: apiRequester,
      sandboxOfLearner: async (id) => (await learners.get(id))?.sandboxId,
      gradedOnSandbox: (id) => exercises.get(id)?.kind === 'protocol',
    }), { limits, proxies, site, log: config.log, ...(cluster ? { isPeerNode: cluster.isPeer.bind(cluster) } : {}) });
    servers.push(web);
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
    httpPort = await listen(web, config.ports.http ?? config.httpPort, config.host, 'http');
    dns = await startDnsServer(config.host, config.ports.dns ?? 53 + config.portOffset, {
      access,
      authority: (s) => world.dns.authority(s),
      interference: (s) => world.dns.interference(s),
      log: config.log,
      onQuery: (transport, rcode) => metrics.dnsQueries.inc({ transport, rcode }),
    });
    // Mail left in the queues by the last run is retried now that every listener is up.
    await world.start();
    await cluster?.start(Object.fromEntries(services.map((s) => [s.id, s.port])));
    metrics.observe({
      queueDepth: () => world.queueDepth(),
      terminalsOpen: () => bridge?.sessions.size ?? 0,
      sandboxes: async () => (await sandboxes.list()).length,
      activeLearners: () => learners.countSeenSince(new Date(Date.now() - 5 * 60 * 1000)),
      quota: () => quotaPressure(config.quota, sandboxes.loaded().map((s) => s.usage.known())),
      diskFree: async () => (await diskSpace(config.dataDir)).free,
    });
    if (config.warmUp) await warmUpMailServers({ dataDir: config.dataDir, log: config.log, deadlineMs: limits.warmUpMs, listener: (protocol, on) => mail.privateListener(protocol, on) });

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
