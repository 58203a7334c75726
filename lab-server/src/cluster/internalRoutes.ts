/**
 * The routes only other nodes (and `maillab node drain`) may call, each refused unless the
 * request is signed with the cluster's secret: a sandbox's files as an archive, taking a
 * sandbox in from another node, stopping work in a sandbox about to move, removing this
 * node's copy once the move is done, and an instructor's faults for the sandboxes held here.
 */
import { request } from 'node:http';
import { rm } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { BodyError, JSON_OBJECT, readJson } from '../http/body.js';
import { sendJson, type Route } from '../http/server.js';
import type { Logger } from '../log.js';
import type { FaultBoards } from '../mta/faults/boards.js';
import { checkSandboxId, type Sandboxes } from '../world/sandboxes.js';
import { archiveSandbox, unpackSandbox } from './archive.js';
import type { TerminalsEnd } from '../bridge/bridge.js';
import { faultsRequestOf } from './faultBoards.js';
import { END_TERMINALS_PATH, endTerminalsRequestOf } from './terminalEnds.js';
import type { ClusterNode } from './node.js';

/** Where an internal route's path starts (never behind the public proxy's rules). */
export const INTERNAL_PREFIX = '/api/cluster/';

/** A faults request names at most a class's sandboxes: well under this. */
const MAX_FAULTS_REQUEST_BYTES = 1024 * 1024;

/** The lab's parts the internal routes act on. */
export interface InternalParts {
  sandboxes: Sandboxes;
  boards: FaultBoards;
  /** Ends the terminals this node holds of a learner (the bridge's). */
  endTerminals: (learnerId: string, why: TerminalsEnd) => void;
  log: Logger;
}

export function internalRoutes(node: ClusterNode, { sandboxes, boards, endTerminals, log }: InternalParts): Record<string, Route> {
  /** Runs `route` only for a request signed by a node (or the drain command). */
  const signedOnly =
    (route: Route): Route =>
    async (req, res, url, params) => {
      const signed = node.verify(req);
      if (typeof signed !== 'object') {
        req.resume();
        return sendJson(res, 403, { error: { en: 'Refused: only the lab\'s own nodes may call this.', 'zh-CN': '已拒绝：只有实验室自己的节点可以调用。' } });
      }
      try {
        if (params.id !== undefined) checkSandboxId(params.id);
        await route(req, res, url, params);
      } catch (err) {
        if (err instanceof BodyError) return sendJson(res, err.status, { error: err.body });
        log('cluster', `${req.method} ${url.pathname}: ${(err as Error).stack ?? String(err)}`, 'error');
        if (!res.headersSent) sendJson(res, 500, { error: { en: (err as Error).message, 'zh-CN': `操作失败：${(err as Error).message}` } });
        else res.destroy();
      }
    };

  return {
    'GET /api/cluster/sandboxes/:id/archive': signedOnly(async (_req, res, _url, params) => {
      const sandbox = await sandboxes.get(params.id!);
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'cache-control': 'no-store' });
      Readable.from(archiveSandbox(sandbox.dir)).on('error', () => res.destroy()).pipe(res);
    }),

    // Pulls the sandbox from node `from`, checks every byte against the sender's digest, then opens it here.
    'POST /api/cluster/sandboxes/:id/import': signedOnly(async (req, res, url, params) => {
      req.resume();
      const from = await node.store.node(url.searchParams.get('from') ?? '');
      if (!from) return sendJson(res, 400, { error: { en: 'Unknown source node.', 'zh-CN': '未知的源节点。' } });
      const path = `${INTERNAL_PREFIX}sandboxes/${params.id}/archive`;
      const source = new URL(from.webUrl);
      const staged = sandboxes.stagingDir(params.id!);
      try {
        const copied = await new Promise<Awaited<ReturnType<typeof unpackSandbox>>>((resolve, reject) => {
          const out = request(
            { hostname: source.hostname, port: Number(source.port || 80), path, method: 'GET', headers: node.sign({ to: from.id, method: 'GET', path, client: 'cluster' }) },
            (answer) => {
              if (answer.statusCode !== 200) {
                answer.resume();
                return reject(new Error(`node ${from.id} answered ${answer.statusCode} for the archive`));
              }
              unpackSandbox(answer, staged).then(resolve, reject);
            },
          );
          out.on('error', reject);
          out.end();
        });
        await sandboxes.adopt(params.id!, staged);
        sendJson(res, 200, copied);
      } finally {
        await rm(staged, { recursive: true, force: true });
      }
    }),

    // Ends the terminals and mail sessions in a sandbox about to move, so nothing writes to it mid-copy.
    'POST /api/cluster/sandboxes/:id/freeze': signedOnly(async (req, res, _url, params) => {
      req.resume();
      const sandbox = await sandboxes.get(params.id!);
      // Mail clients are told why (world/nodeReplies.ts), then everything lets go of it.
      sandbox.events.emit('moving');
      sandbox.events.emit('deleted');
      sendJson(res, 200, { ok: true });
    }),

    'POST /api/cluster/sandboxes/:id/evict': signedOnly(async (req, res, _url, params) => {
      req.resume();
      await sandboxes.evict(params.id!);
      sendJson(res, 200, { ok: true });
    }),

    // Another node ended a learner's session (logout, removal, a new password): the terminals held here end too.
    [`POST ${END_TERMINALS_PATH}`]: signedOnly(async (req, res) => {
      const asked = endTerminalsRequestOf(await readJson(req, JSON_OBJECT, 4096));
      if (!asked) return sendJson(res, 400, { error: { en: 'Name a learner and why their terminals end.', 'zh-CN': '请指明学生以及结束其终端的原因。' } });
      endTerminals(asked.learnerId, asked.why);
      sendJson(res, 200, { ok: true });
    }),

    'POST /api/cluster/faults': signedOnly(async (req, res) => {
      const asked = faultsRequestOf(await readJson(req, JSON_OBJECT, MAX_FAULTS_REQUEST_BYTES));
      if (!asked) return sendJson(res, 400, { error: { en: 'A faults request names sandboxes and a change.', 'zh-CN': '故障请求须指明沙箱和要做的改动。' } });
      sendJson(res, 200, { results: await boards(asked.sandboxIds, asked.change) });
    }),
  };
}
