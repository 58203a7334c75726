/**
 * Routes for whoever runs the lab:
 *
 *   GET /healthz   the process answers (liveness)
 *   GET /readyz    every listener greets, the DNS answers, the database takes writes, the disk
 *                  has room for a sandbox's quota: 200 when all pass, 503 with what is wrong;
 *                  `warnings` when the lab serves but someone should look (full sandboxes)
 *   GET /metrics   Prometheus text format. In classroom mode only for a loopback client that
 *                  came through no proxy, or with "Authorization: Bearer <--metrics-token>".
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { LabMetrics } from '../../operations/metrics.js';
import { checkReadiness, type ReadinessSources } from '../../operations/readiness.js';
import { sendJson, type Route } from '../server.js';

export interface OperationsDeps {
  metrics: LabMetrics;
  readiness: ReadinessSources;
  /** Classroom mode guards /metrics; single-learner mode listens on loopback only anyway. */
  guardMetrics: boolean;
  metricsToken?: string;
}

const started = Date.now();

const digest = (s: string): Buffer => createHash('sha256').update(s).digest();

/** True for a request from this machine that no reverse proxy forwarded. */
export function directLoopback(req: IncomingMessage): boolean {
  const address = (req.socket.remoteAddress ?? '').replace(/^::ffff:/, '');
  const loopback = address === '::1' || /^127\./.test(address);
  // A proxy on the same machine makes every visitor look local: it says so in these headers.
  const forwarded = ['forwarded', 'x-forwarded-for', 'x-real-ip'].some((h) => req.headers[h] !== undefined);
  return loopback && !forwarded;
}

function bearerMatches(req: IncomingMessage, token: string | undefined): boolean {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
  return !!token && !!m && timingSafeEqual(digest(m[1]!), digest(token));
}

export function operationsRoutes(deps: OperationsDeps): Record<string, Route> {
  // Requests that come while a probe runs share its answer: a flood of /readyz from anyone
  // is one probe at a time, not a flood of connections to the mail ports.
  let probing: ReturnType<typeof checkReadiness> | undefined;
  const readiness = (): ReturnType<typeof checkReadiness> =>
    (probing ??= checkReadiness(deps.readiness).finally(() => {
      probing = undefined;
    }));
  return {
    'GET /healthz': (_req, res) => sendJson(res, 200, { status: 'ok', uptimeSeconds: Math.round((Date.now() - started) / 1000) }),

    'GET /readyz': async (_req, res) => {
      const { ready, checks } = await readiness();
      const failing = checks.filter((c) => !c.ok);
      const warnings = checks.filter((c) => c.ok && c.warning);
      sendJson(res, ready ? 200 : 503, {
        status: ready ? 'ready' : 'not ready',
        ...(ready ? {} : { problems: failing.map((c) => ({ check: c.name, ...c.detail })) }),
        ...(warnings.length ? { warnings: warnings.map((c) => ({ check: c.name, ...c.detail })) } : {}),
        checks,
      });
    },

    'GET /metrics': async (req, res) => {
      if (deps.guardMetrics && !directLoopback(req) && !bearerMatches(req, deps.metricsToken)) {
        return sendJson(res, deps.metricsToken ? 401 : 403, {
          error: deps.metricsToken
            ? { en: 'Send the metrics token: "Authorization: Bearer <token>" (the lab was started with --metrics-token).', 'zh-CN': '请发送指标令牌："Authorization: Bearer <令牌>"（实验室启动时使用了 --metrics-token）。' }
            : { en: 'Metrics are only for this machine. Scrape from the lab host itself, or start the lab with --metrics-token TOKEN and send it as a bearer token.', 'zh-CN': '指标只对本机开放。请在实验室主机上抓取，或用 --metrics-token TOKEN 启动实验室并以 Bearer 令牌发送。' },
        });
      }
      const { contentType, body } = await deps.metrics.exposition();
      res.writeHead(200, { 'content-type': contentType, 'cache-control': 'no-store' });
      res.end(body);
    },
  };
}
