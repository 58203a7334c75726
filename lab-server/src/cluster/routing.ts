/**
 * Any node serves any page: the routes that need a learner's sandbox (terminals, the Maildir
 * view, zones and the mail world, protocol grading, the instructor's view of a learner) run on
 * the node that holds it. Wrapped here, such a route runs at once when the sandbox is on this
 * node, is forwarded over the signed channel when it is on another, and answers with a clear
 * message when that node is down or a drain is moving the sandbox. A request another node
 * forwarded is never forwarded again.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Text } from '../grading/feedback.js';
import { readBody, tooLarge } from '../http/body.js';
import { sendJson, type Route } from '../http/server.js';
import type { Logger } from '../log.js';
import type { Requester } from '../world/requester.js';
import { forwardRequest, forwardUpgrade, MAX_FORWARDED_BODY } from './forward.js';
import type { ClusterNode, Whereabouts } from './node.js';

/** A message in both languages, as every learner-facing message is. */
type Bilingual = Text;

export function nodeDownMessage(nodeId: string, mailHost: string): Bilingual {
  return {
    en: `Your lab is on node ${nodeId} (${mailHost}), which is down right now. Your mail and progress are kept there; they come back when the node is back. Try again in a few minutes.`,
    'zh-CN': `你的实验环境位于节点 ${nodeId}（${mailHost}），该节点目前已停止运行。你的邮件和进度都保存在那里，节点恢复后即可继续。请几分钟后再试。`,
  };
}

export const MOVING: Bilingual = {
  en: 'Your lab is being moved to another node. Wait a moment, then try again (reload the page).',
  'zh-CN': '你的实验环境正在迁移到另一个节点。请稍等片刻再试（刷新页面）。',
};

const FORGED: Bilingual = {
  en: 'Refused: this request claims to come from another lab node, but its signature is wrong, too old, meant for another node or already used.',
  'zh-CN': '已拒绝：该请求自称来自另一个实验节点，但签名错误、已过期、发给的是别的节点或已被使用过。',
};

/**
 * The client's address: for a request another node forwarded, the one that node saw (it is
 * signed); otherwise what `direct` says (the socket's, or a trusted proxy's X-Forwarded-For).
 */
export function clientAddressIn(node: ClusterNode | undefined, direct: (req: IncomingMessage) => string): (req: IncomingMessage) => string {
  if (!node) return direct;
  return (req) => {
    const signed = node.verify(req);
    return typeof signed === 'object' ? signed.client : direct(req);
  };
}

export interface SandboxRouting {
  /** A route that runs where the requester's sandbox is; `when` limits that to some requests. */
  sandboxRoute(route: Route, requester: (req: IncomingMessage) => Promise<Requester | undefined>, when?: (params: Record<string, string>) => boolean): Route;
  /** A route that runs where the sandbox `sandboxOf` names is (instructor actions on a learner). */
  sandboxOfRoute(route: Route, sandboxOf: (req: IncomingMessage, params: Record<string, string>) => Promise<string | undefined>): Route;
  /** The join route: runs on the least-loaded healthy node, which then holds the new sandbox. */
  placingRoute(route: Route): Route;
  /** For the terminal bridge: 'here', 'forwarded', or the message to show instead. */
  terminal(req: IncomingMessage, socket: Duplex, head: Buffer, requester: Requester): Promise<'here' | 'forwarded' | Bilingual>;
}

/** Routing for a lab without a cluster: everything is here. */
const SINGLE_NODE: SandboxRouting = {
  sandboxRoute: (route) => route,
  sandboxOfRoute: (route) => route,
  placingRoute: (route) => route,
  terminal: async () => 'here',
};

export function sandboxRouting(node: ClusterNode | undefined, clientAddress: (req: IncomingMessage) => string, log: Logger): SandboxRouting {
  if (!node) return SINGLE_NODE;

  const refuse = (req: IncomingMessage, res: ServerResponse, status: number, message: Bilingual): void => {
    req.resume();
    if (status === 503) res.setHeader('retry-after', '10');
    sendJson(res, status, { error: message });
  };

  /** Runs `route` here or sends the request where `where` says. */
  const dispatch = async (where: Whereabouts, req: IncomingMessage, res: ServerResponse, run: () => Promise<void> | void): Promise<void> => {
    const signed = node.verify(req);
    if (signed === 'forged') return refuse(req, res, 403, FORGED);
    if (where.at === 'here') return run();
    // The sandbox moved after the other node looked: say so rather than forward it on again.
    if (where.at === 'moving' || signed !== 'unsigned') return refuse(req, res, 503, MOVING);
    if (where.at === 'down') return refuse(req, res, 503, nodeDownMessage(where.node.id, where.node.mailHost));
    const target = where.node;
    const body = await readBody(req, MAX_FORWARDED_BODY);
    if (!body) return refuse(req, res, 413, tooLarge(MAX_FORWARDED_BODY));
    const method = req.method ?? 'GET';
    const sign = (): Record<string, string> => node.sign({ to: target.id, method, path: req.url ?? '/', client: clientAddress(req), body, headers: req.headers });
    forwardRequest(req, body, res, target.webUrl, sign, (err) => {
      log('cluster', `node ${target.id} unreachable: ${err.message}`);
      refuse(req, res, 503, nodeDownMessage(target.id, target.mailHost));
    });
  };

  return {
    sandboxRoute: (route, requester, when) => async (req, res, url, params) => {
      if (when && !when(params)) return route(req, res, url, params);
      const who = await requester(req);
      if (!who) return route(req, res, url, params);
      return dispatch(await node.whereIs(who.sandboxId), req, res, () => route(req, res, url, params));
    },

    sandboxOfRoute: (route, sandboxOf) => async (req, res, url, params) => {
      const sandboxId = await sandboxOf(req, params);
      if (!sandboxId) return route(req, res, url, params);
      return dispatch(await node.whereIs(sandboxId), req, res, () => route(req, res, url, params));
    },

    placingRoute: (route) => async (req, res, url, params) => {
      const signed = node.verify(req);
      if (signed === 'forged') return refuse(req, res, 403, FORGED);
      // A join another node sent here is made here.
      const home = signed === 'unsigned' ? await node.home() : undefined;
      return dispatch(home ? { at: 'node', node: home } : { at: 'here' }, req, res, () => route(req, res, url, params));
    },

    async terminal(req, socket, head, requester) {
      const signed = node.verify(req);
      if (signed === 'forged') return FORGED;
      const where = await node.whereIs(requester.sandboxId);
      if (where.at === 'here') return 'here';
      if (where.at === 'moving' || signed !== 'unsigned') return MOVING;
      if (where.at === 'down') return nodeDownMessage(where.node.id, where.node.mailHost);
      const target = where.node;
      const headers = node.sign({ to: target.id, method: req.method ?? 'GET', path: req.url ?? '/', client: clientAddress(req), headers: req.headers });
      const result = await forwardUpgrade(req, socket, head, target.webUrl, headers);
      if (result === 'forwarded') return result;
      log('cluster', `node ${target.id} unreachable for a terminal: ${result.message}`);
      return nodeDownMessage(target.id, target.mailHost);
    },
  };
}

/** The routes that need the learner's sandbox, by "METHOD /path" pattern. */
const ON_SANDBOX_NODE = [/^GET \/api\/me$/, /^GET \/api\/maildir$/, /^\w+ \/api\/(zones|dig|world|queue|logs|auth-reports|inspect|faults)(\/|$)/];
/**
 * Instructor routes about one learner that read or change their sandbox. Not a new password,
 * which only the database holds: it is set whether or not the learner's node is up.
 */
const ON_LEARNER_NODE = /^\w+ \/api\/classes\/:id\/learners\/:learner(\/(?!password$)|$)/;

/**
 * Wraps a lab's routes so each runs where it must: the sandbox routes where the requester's
 * sandbox is, protocol grading likewise (other exercises are graded anywhere), an instructor's
 * routes about a learner where that learner's sandbox is, and joins on the least-loaded node.
 */
export function routeByOwner(
  routes: Record<string, Route>,
  routing: SandboxRouting,
  deps: {
    requester: (req: IncomingMessage) => Promise<Requester | undefined>;
    sandboxOfLearner: (learnerId: string) => Promise<string | undefined>;
    gradedOnSandbox: (exerciseId: string) => boolean;
  },
): Record<string, Route> {
  if (routing === SINGLE_NODE) return routes;
  return Object.fromEntries(
    Object.entries(routes).map(([key, route]) => {
      if (key === 'POST /api/join') return [key, routing.placingRoute(route)];
      if (key === 'POST /api/exercises/:id/attempts') return [key, routing.sandboxRoute(route, deps.requester, (p) => deps.gradedOnSandbox(p.id ?? ''))];
      if (ON_SANDBOX_NODE.some((pattern) => pattern.test(key))) return [key, routing.sandboxRoute(route, deps.requester)];
      if (ON_LEARNER_NODE.test(key)) return [key, routing.sandboxOfRoute(route, async (_req, p) => (p.learner ? deps.sandboxOfLearner(p.learner) : undefined))];
      return [key, route];
    }),
  );
}

/** A requester function that looks a request up once, however many routes and wrappers ask. */
export function oncePerRequest<T>(lookup: (req: IncomingMessage) => Promise<T>): (req: IncomingMessage) => Promise<T> {
  const seen = new WeakMap<IncomingMessage, Promise<T>>();
  return (req) => {
    let found = seen.get(req);
    if (!found) {
      found = lookup(req);
      seen.set(req, found);
    }
    return found;
  };
}
