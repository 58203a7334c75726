/**
 * The lab's web API in one table: each concern's routes (people, operations, the Maildir
 * view, exercises, the mail world, the inspector, faults, a cluster's own) given the parts of
 * the running lab they need. lab.ts serves it, routed to the learner's node in a cluster.
 */
import type { IncomingMessage } from 'node:http';
import { dialHost, type TerminalsEnd } from '../bridge/bridge.js';
import type { Requester } from '../world/requester.js';
import { instructorOf } from '../classroom/identity.js';
import { clusterFaultBoards } from '../cluster/faultBoards.js';
import { internalRoutes } from '../cluster/internalRoutes.js';
import type { ClusterNode } from '../cluster/node.js';
import type { ExerciseCatalog } from '../grading/exercises.js';
import type { SessionCookies } from '../http/cookies.js';
import { maildirRoute } from '../http/maildirRoute.js';
import { exerciseRoutes } from '../http/routes/exercises.js';
import { classroomTargets, faultRoutes } from '../http/routes/faults.js';
import { inspectorRoutes } from '../http/routes/inspector.js';
import { operationsRoutes } from '../http/routes/operations.js';
import { worldRoutes } from '../http/routes/world.js';
import { sendJson, type Route } from '../http/server.js';
import { localFaultBoards } from '../mta/faults/boards.js';
import type { MailWorld } from '../mta/mailWorld.js';
import type { LabMetrics } from '../operations/metrics.js';
import type { RunningService } from '../services.js';
import type { ClassroomStore } from '../store/classroom.js';
import type { LearnerStore } from '../store/learners.js';
import { RateLimitCounters } from '../store/rateLimits.js';
import type { Database } from '../store/sql.js';
import type { Sandboxes } from '../world/sandboxes.js';
import type { LabConfig } from './config.js';

export interface LabWebParts {
  config: LabConfig;
  /** The mail listeners with their ports. */
  services: RunningService[];
  /** The lab DNS's port, once it listens. */
  dnsPort: () => number;
  db: Database;
  metrics: LabMetrics;
  sandboxes: Sandboxes;
  world: MailWorld;
  exercises: ExerciseCatalog;
  learners: LearnerStore;
  classroom: ClassroomStore;
  cookies: SessionCookies;
  cluster?: ClusterNode;
  /** Logins, joins, the dashboard and /api/me (classroom/web.ts). */
  peopleRoutes: Record<string, Route>;
  /** Whose sandbox the Maildir view, the world, the inspector and faults show: the terminals'. */
  requester: (req: IncomingMessage) => Promise<Requester | undefined>;
  /** The learner an exercise attempt is recorded for. */
  apiRequester: (req: IncomingMessage) => Promise<Requester | undefined>;
  /** The client's address (behind a trusted proxy, the one it names). */
  clientAddress: (req: IncomingMessage) => string;
  /** Ends the terminals this node holds of a learner (for another node of a cluster). */
  endTerminals: (learnerId: string, why: TerminalsEnd) => void;
  /** Graded attempts a minute per learner, or per address for a visitor. */
  attemptsPerMinute: number;
}

export function labRoutes(p: LabWebParts): Record<string, Route> {
  const { config, services, metrics, sandboxes, world, classroom, requester } = p;
  const boards = localFaultBoards(world, sandboxes);
  // Counted in the database, so a learner checking on two nodes of a cluster is counted once.
  const attemptCounters = new RateLimitCounters(p.db);
  const attemptWait = (req: IncomingMessage, who: Requester): Promise<number> =>
    attemptCounters.hit(`attempt:${who.startLearner ? `visitor:${p.clientAddress(req)}` : who.learnerId}`, p.attemptsPerMinute, 60_000);
  return {
    ...p.peopleRoutes,
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
        dns: { host: dialHost(config.host), get port() { return p.dnsPort(); } },
        probeDatabaseWrite: () => p.db.probeWrite(),
        dataDir: config.dataDir,
        minFreeBytes: 64 * 1024 * 1024,
        quota: { limits: config.quota, usages: () => sandboxes.loaded().map((s) => s.usage.known()) },
        timeoutMs: 3000,
      },
    }),
    'GET /api/maildir': maildirRoute({ sandboxes, requester }),
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
    ...exerciseRoutes({ catalog: p.exercises, learners: p.learners, sandboxes, requester: p.apiRequester, attemptWait, onGraded: (exercise, passed) => metrics.gradingAttempts.inc({ exercise, result: passed ? 'passed' : 'failed' }) }),
    ...worldRoutes({ world, sandboxes, requester }),
    ...inspectorRoutes({ sandboxes, requester, metrics }),
    ...faultRoutes({
      boards: p.cluster ? clusterFaultBoards(p.cluster, boards, config.log) : boards,
      requester,
      ...(config.mode === 'classroom'
        ? { instructor: (req: IncomingMessage) => instructorOf(req, classroom, p.cookies), learnersFor: classroomTargets(classroom), audit: (id: string, action: string, detail: unknown) => classroom.audit(id, action, detail) }
        : {}),
    }),
    ...(p.cluster ? internalRoutes(p.cluster, { sandboxes, boards, endTerminals: p.endTerminals, log: config.log }) : {}),
  };
}
