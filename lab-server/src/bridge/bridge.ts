/**
 * The browser-terminal bridge: WebSocket upgrades on the lab's web port at /api/terminal,
 * same-origin only, each becoming a TerminalSession in the requester's sandbox.
 */
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { plural } from '../grading/feedback.js';
import type { RunningService } from '../services.js';
import type { Logger } from '../log.js';
import type { HandoffRegistry } from '../net/handoff.js';
import { requestUrl } from '../http/requestUrl.js';
import type { Requester } from '../world/requester.js';
import type { Sandboxes } from '../world/sandboxes.js';
import type { Bilingual } from './pageMessage.js';
import { DEFAULT_LIMITS, type BridgeLimits } from './terminalLimits.js';
import { TerminalSession } from './terminalSession.js';

export const TERMINAL_PATH = '/api/terminal';

export type { Requester };

const LAB_ERROR: Bilingual = {
  en: 'The lab hit an internal error with this terminal (it is logged). Choose Reconnect to try again.',
  'zh-CN': '实验室在处理这个终端时出现内部错误（已记录）。请点击"重新连接"重试。',
};

export interface BridgeDeps {
  services: () => readonly RunningService[];
  handoffs: HandoffRegistry;
  sandboxes: Sandboxes;
  /** Who is asking: decides the sandbox. Returns undefined when the request may not open a terminal. */
  requester: (req: IncomingMessage) => Promise<Requester | undefined>;
  listenHost: string;
  tlsServerName: string;
  log: Logger;
  limits?: Partial<BridgeLimits>;
  /** The client's address (behind a trusted proxy, the one it names), for the per-address cap. */
  clientAddress: (req: IncomingMessage) => string;
  /** Same-origin check (scheme, host and port): a page of another site must not open terminals in a learner's name. */
  sameOrigin: (req: IncomingMessage) => boolean;
  /** In a cluster: 'here', 'forwarded' to the node holding the sandbox, or a message to show instead. */
  route?: (req: IncomingMessage, socket: Duplex, head: Buffer, requester: Requester) => Promise<'here' | 'forwarded' | Bilingual>;
}

/** Why a learner's terminals are all closed: they logged out, were removed, or were given a new password. */
export type TerminalsEnd = 'logged out' | 'removed' | 'new password';

/** The reason each end gives the page (site/lib/terminalNotes.ts says it in the page's language) and the transcript's English. */
const ENDS: Record<TerminalsEnd, [reason: string, text: string]> = {
  'logged out': ['session ended', 'Connection closed: you were logged out of the lab. Log in again on /join/ to go on.'],
  removed: ['removed from class', 'Connection closed: your instructor removed you from the class, and your sandbox with it. To work again, join the class anew with its join code (on /join/).'],
  'new password': ['new password', 'Connection closed: your instructor set you a new password. Log in again on /join/ with it: your lab and progress are as you left them.'],
};

export interface Bridge {
  /** Open terminal sessions (for limits, shutdown and tests). */
  sessions: ReadonlySet<TerminalSession>;
  /** Learners with at least one terminal open. */
  owners(): Set<string>;
  /** Closes every terminal of one learner: logged out, removed from a class (their sandbox gone with them), or given a new password. */
  endSessionsOf(learnerId: string, why?: TerminalsEnd): void;
  close(): void;
}

/** The address the bridge dials to reach a listener bound to `host`. */
export function dialHost(host: string): string {
  if (host === '0.0.0.0' || host === '') return '127.0.0.1';
  if (host === '::') return '::1';
  return host;
}

/**
 * Answers an upgrade the bridge will not make, and closes the connection once the answer is
 * out. Only ending it would wait for the client to close its side: an upgraded socket has left
 * the web server's caps and timeouts, so a client that never closes would keep it for good.
 */
function refuse(socket: Duplex, status: number, text: string): void {
  socket.end(`HTTP/1.1 ${status} ${text}\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n${text}\n`, () => socket.destroy());
}

export function attachBridge(http: Server, deps: BridgeDeps): Bridge {
  const limits = { ...DEFAULT_LIMITS, ...deps.limits };
  const wss = new WebSocketServer({ noServer: true, maxPayload: limits.maxPayload });
  const sessions = new Set<TerminalSession>();
  const addresses = new Map<TerminalSession, string>();

  const explainAndClose = (ws: WebSocket, message: Bilingual, reason: 'refused' | 'lab error' = 'refused'): void => {
    if (ws.readyState !== ws.OPEN) return ws.terminate();
    ws.send(JSON.stringify({ type: 'error', message }));
    ws.send(JSON.stringify({ type: 'closed', text: reason === 'refused' ? 'Connection refused.' : 'Connection closed.', reason }));
    ws.close(reason === 'refused' ? 1008 : 1011, reason);
    // A refused terminal counts in no cap: a client that never answers the close must not keep
    // it for ws's 30 s (a browser answers at once). Thousands a second would run out of descriptors.
    const cut = setTimeout(() => ws.terminate(), 1000);
    ws.once('close', () => clearTimeout(cut));
  };

  /** The exercise page a terminal was opened on (?exercise=id): its transcript counts for that exercise. */
  const exerciseOf = (url: URL): string | undefined => {
    const id = url.searchParams.get('exercise') ?? '';
    return /^[a-z0-9][a-z0-9-]{0,63}$/.test(id) ? id : undefined;
  };

  http.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = requestUrl(req);
    if (!url) return refuse(socket, 400, 'Bad Request: the request target is not a URL');
    if (url.pathname !== TERMINAL_PATH) return refuse(socket, 404, 'Not Found');
    if (!deps.sameOrigin(req)) return refuse(socket, 403, 'Forbidden: terminals open only from the lab\'s own pages');
    void (async () => {
      const requester = await deps.requester(req).catch(() => undefined);
      if (!requester) return refuse(socket, 401, 'Unauthorized: log in to the lab first');
      const routed = deps.route ? await deps.route(req, socket, head, requester).catch((): 'here' => 'here') : 'here';
      if (routed === 'forwarded') return;
      if (routed !== 'here') return wss.handleUpgrade(req, socket, head, (ws) => explainAndClose(ws, routed));
      wss.handleUpgrade(req, socket, head, (ws) => {
        const serviceId = url.searchParams.get('service') ?? '';
        const service = deps.services().find((s) => s.id === serviceId);
        if (!service) {
          const names = deps.services().map((s) => s.id).join(', ');
          return explainAndClose(ws, { en: `Unknown service "${serviceId}". Choose one of: ${names}.`, 'zh-CN': `未知服务 "${serviceId}"。可选：${names}。` });
        }
        const mine = [...sessions].filter((s) => s.owner === requester.learnerId).length;
        if (mine >= limits.perLearner) {
          return explainAndClose(ws, {
            en: `You already have ${plural(mine, 'terminal')} open (the limit is ${limits.perLearner}). Close one, then try again.`,
            'zh-CN': `你已经打开了 ${mine} 个终端（上限 ${limits.perLearner} 个）。请先关闭一个再试。`,
          });
        }
        const from = deps.clientAddress(req);
        const here = [...addresses.values()].filter((a) => a === from).length;
        if (here >= limits.perAddress) {
          return explainAndClose(ws, {
            en: `Too many terminals are open from your address (the limit is ${limits.perAddress}). Close some, then try again.`,
            'zh-CN': `来自你的地址的终端太多（上限 ${limits.perAddress} 个）。请先关闭一些再试。`,
          });
        }
        if (sessions.size >= limits.total) {
          return explainAndClose(ws, { en: 'The lab is full right now. Try again in a minute.', 'zh-CN': '实验室当前已满，请一分钟后再试。' });
        }
        void deps.sandboxes.get(requester.sandboxId).then(
          async (sandbox) => {
            let session: TerminalSession | undefined;
            try {
              // A visitor held in memory (single mode) is stored now: what they type here is
              // graded as theirs, and would be no one's after a restart.
              if (requester.startLearner) await requester.startLearner();
              session = new TerminalSession(
                ws,
                service,
                sandbox,
                requester.learnerId,
                { handoffs: deps.handoffs, connectHost: dialHost(deps.listenHost), limits, tlsServerName: deps.tlsServerName },
                exerciseOf(url),
              );
              sessions.add(session);
              addresses.set(session, from);
              await session.run();
            } catch (err) {
              // As the mail listeners do with a session's failure: logged, the learner told, the lab goes on
              // (a rejection nobody catches would end the whole lab, every learner's terminals with it).
              deps.log('bridge', `terminal session failed: ${(err as Error).stack ?? String(err)}`);
              session?.end('lab error', 'Connection closed: the lab hit an internal error.');
              explainAndClose(ws, LAB_ERROR, 'lab error');
            } finally {
              if (session) {
                sessions.delete(session);
                addresses.delete(session);
              }
            }
          },
          (err: Error) => {
            deps.log('bridge', `no sandbox ${requester.sandboxId}: ${err.message}`);
            explainAndClose(ws, { en: 'Your lab sandbox is not available. Reload the page.', 'zh-CN': '你的实验沙箱不可用，请刷新页面。' });
          },
        );
      });
    })();
  });

  return {
    sessions,
    owners: () => new Set([...sessions].map((s) => s.owner)),
    endSessionsOf(learnerId, why = 'logged out') {
      const [reason, text] = ENDS[why];
      for (const s of sessions) if (s.owner === learnerId) s.end(reason, text);
    },
    close() {
      for (const s of sessions) s.end('lab shutting down', 'Connection closed: MailLab is shutting down.');
      wss.close();
    },
  };
}
