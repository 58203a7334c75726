/**
 * Fault injection's API:
 *
 *   GET    /api/faults                    the faults armed in the requester's sandbox, and what can be armed
 *   PUT    /api/faults   {faults: [...]}  replaces the faults the requester armed there (an empty list disarms)
 *   POST   /api/faults   {fault: {...}}   arms one more
 *   DELETE /api/faults/:id                disarms one
 *
 * An instructor (classroom mode) adds "learner" or "class" — `?class=ID` to GET and DELETE,
 * {"class": ID, ...} to PUT and POST — to read or arm faults in the sandboxes of one learner or
 * of every learner of one of their classes. A learner sees those faults too (marked as the
 * instructor's) but can only change their own.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { text } from '../../grading/feedback.js';
import { newFaultId, type ArmedBy, type NewFault } from '../../mta/faults/board.js';
import type { BoardChange, BoardResult, FaultBoards } from '../../mta/faults/boards.js';
import { DNS_TYPES, FaultSpecError, MAX_FAULTS, readFault, REPLY_CODES } from '../../mta/faults/spec.js';
import type { ClassroomStore } from '../../store/classroom.js';
import { LAB_MTAS } from '../../world/network.js';
import { BodyError, JSON_OBJECT, readJson } from '../body.js';
import { sendJson, type Route } from '../server.js';

/** A learner an instructor may arm faults for. */
export interface FaultTarget {
  learnerId: string;
  displayName: string;
  sandboxId: string;
}

export interface FaultRouteDeps {
  /** The sandboxes' fault boards: all here, or on the nodes of a cluster that hold them. */
  boards: FaultBoards;
  /** The learner asking and their sandbox (the same rule as the terminals'). */
  requester: (req: IncomingMessage) => Promise<{ sandboxId: string } | undefined>;
  /** Classroom mode: the instructor asking, if one is. */
  instructor?: (req: IncomingMessage) => Promise<{ id: string } | undefined>;
  /** The learners of `target` if they are this instructor's; undefined when they are not. */
  learnersFor?: (instructorId: string, target: { class?: string; learner?: string }) => Promise<FaultTarget[] | undefined>;
  audit?: (instructorId: string, action: string, detail: unknown) => Promise<void>;
}

/** The classroom's rule: an instructor reaches the learners of their own classes only. */
export function classroomTargets(store: ClassroomStore): NonNullable<FaultRouteDeps['learnersFor']> {
  return async (instructorId, target) => {
    const klass = target.class ? await store.classById(target.class) : target.learner ? await store.classOfLearner(target.learner) : undefined;
    if (!klass || klass.instructorId !== instructorId) return undefined;
    const members = (await store.members(klass.id)).filter((m) => !target.learner || m.learnerId === target.learner);
    return members.length > 0 || target.class ? members.map((m) => ({ learnerId: m.learnerId, displayName: m.displayName, sandboxId: m.sandboxId })) : undefined;
  };
}

/** What can be armed: shown by the fault form and checked by readFault. */
const CATALOG = {
  hosts: LAB_MTAS.map((m) => m.host),
  replyCodes: REPLY_CODES,
  dropSteps: [...Object.keys(REPLY_CODES), 'body'],
  dnsTypes: DNS_TYPES,
  dnsRcodes: ['SERVFAIL', 'NXDOMAIN', 'TIMEOUT'],
  maxFaults: MAX_FAULTS,
};

function readFaults(body: Record<string, unknown>): ReturnType<typeof readFault>[] {
  const list = body.faults;
  if (!Array.isArray(list)) throw new FaultSpecError(text('Send {"faults": [...]}: a list of faults (an empty list disarms them all).', '请发送 {"faults": [...]}：故障列表（空列表表示全部解除）。'));
  if (list.length > MAX_FAULTS) throw new FaultSpecError(text(`At most ${MAX_FAULTS} faults at once.`, `一次最多 ${MAX_FAULTS} 个故障。`));
  return list.map((raw, i) => {
    try {
      return readFault(raw);
    } catch (err) {
      if (!(err instanceof FaultSpecError)) throw err;
      throw new FaultSpecError(text(`Fault ${i + 1}: ${err.body.en}`, `第 ${i + 1} 个故障：${err.body['zh-CN']}`));
    }
  });
}

/** Whose sandboxes a request works in, and as which party. */
interface Scope {
  by: ArmedBy;
  /** Set for an instructor: who, for the audit log. */
  instructorId?: string;
  learners: Array<{ learnerId?: string; displayName?: string; sandboxId: string }>;
}

const NOT_LOGGED_IN = text('Log in to the lab first, then reload this page.', '请先登录实验室，然后刷新页面。');
const NOT_YOURS = text('Name one of your classes ("class") or one of their learners ("learner").', '请指定你的某个班级（"class"）或其中的某个学生（"learner"）。');

export function faultRoutes(deps: FaultRouteDeps): Record<string, Route> {
  /** The requester's scope, or a reply saying why there is none. */
  const scopeOf = async (req: IncomingMessage, res: ServerResponse, named: { class?: unknown; learner?: unknown }): Promise<Scope | undefined> => {
    const teacher = await deps.instructor?.(req);
    if (teacher) {
      const target = { class: typeof named.class === 'string' ? named.class : undefined, learner: typeof named.learner === 'string' ? named.learner : undefined };
      const learners = target.class || target.learner ? await deps.learnersFor?.(teacher.id, target) : undefined;
      if (!learners) return void sendJson(res, 404, { error: NOT_YOURS });
      return { by: 'instructor', instructorId: teacher.id, learners };
    }
    const who = await deps.requester(req).catch(() => undefined);
    if (!who) return void sendJson(res, 401, { error: NOT_LOGGED_IN });
    return { by: 'learner', learners: [{ sandboxId: who.sandboxId }] };
  };

  const apply = (scope: Scope, change: BoardChange): Promise<BoardResult[]> => deps.boards(scope.learners.map((l) => l.sandboxId), change);

  /**
   * One reply shape for every route: a learner's own list, or an instructor's per learner (a
   * learner whose node could not be asked gets the reason instead of a list).
   */
  const answer = (res: ServerResponse, scope: Scope, results: BoardResult[], extra: Record<string, unknown> = {}): void => {
    const faultsOf = (r: BoardResult | undefined) => (r && 'faults' in r ? r.faults : []);
    if (scope.by === 'learner') {
      const [mine] = results;
      if (mine && 'problem' in mine) return sendJson(res, 503, { error: mine.problem });
      return sendJson(res, 200, { faults: faultsOf(mine), ...extra });
    }
    const learners = scope.learners.map((l, i) => {
      const r = results[i];
      return { learnerId: l.learnerId, displayName: l.displayName, faults: faultsOf(r), ...(r && 'problem' in r ? { error: r.problem } : {}) };
    });
    sendJson(res, 200, { learners, ...extra });
  };

  /** The JSON object sent, or undefined after a reply saying what is wrong with it. */
  const body = async (req: IncomingMessage, res: ServerResponse): Promise<Record<string, unknown> | undefined> => {
    try {
      const b = await readJson(req, JSON_OBJECT);
      if (b && typeof b === 'object' && !Array.isArray(b)) return b as Record<string, unknown>;
      sendJson(res, 400, { error: text('Send a JSON object.', '请发送 JSON 对象。') });
    } catch (err) {
      if (!(err instanceof BodyError)) throw err;
      sendJson(res, err.status, { error: err.body });
    }
    return undefined;
  };

  /** Arms in every sandbox of the scope what `read` makes of the body; a bad fault gets 400 before anything changes. */
  const arm = async (req: IncomingMessage, res: ServerResponse, read: (b: Record<string, unknown>) => NewFault[], replace: boolean): Promise<void> => {
    const b = await body(req, res);
    const scope = b && (await scopeOf(req, res, b));
    if (!b || !scope) return;
    let wanted: NewFault[];
    try {
      // One id per fault in every learner's sandbox, so an instructor can disarm it class-wide.
      wanted = read(b).map((w) => ({ ...w, id: newFaultId() }));
    } catch (err) {
      if (err instanceof FaultSpecError) return sendJson(res, 400, { error: err.body });
      throw err;
    }
    const results = await apply(scope, replace ? { kind: 'replace', by: scope.by, faults: wanted } : { kind: 'add', by: scope.by, fault: wanted[0]! });
    if (results.some((r) => 'full' in r)) return sendJson(res, 400, { error: text(`At most ${MAX_FAULTS} faults at once: disarm some first.`, `最多同时 ${MAX_FAULTS} 个故障：请先解除一些。`) });
    if (scope.instructorId) await deps.audit?.(scope.instructorId, replace ? 'faults.replace' : 'faults.arm', { learners: scope.learners.map((l) => l.learnerId), faults: wanted.map((w) => w.spec) });
    answer(res, scope, results);
  };

  /** The scope named by a GET's or DELETE's query. */
  const queryScope = (req: IncomingMessage, res: ServerResponse, url: URL) => scopeOf(req, res, { class: url.searchParams.get('class') ?? undefined, learner: url.searchParams.get('learner') ?? undefined });

  return {
    'GET /api/faults': async (req, res, url) => {
      const scope = await queryScope(req, res, url);
      if (scope) answer(res, scope, await apply(scope, { kind: 'list' }), { catalog: CATALOG });
    },

    'PUT /api/faults': (req, res) => arm(req, res, readFaults, true),

    'POST /api/faults': (req, res) => arm(req, res, (b) => [readFault(b.fault)], false),

    'DELETE /api/faults/:id': async (req, res, url, params) => {
      const scope = await queryScope(req, res, url);
      if (!scope) return;
      const results = await apply(scope, { kind: 'remove', by: scope.by, id: params.id ?? '' });
      if (!results.some((r) => 'removed' in r && r.removed)) {
        const unreachable = results.find((r) => 'problem' in r);
        if (unreachable && 'problem' in unreachable) return sendJson(res, 503, { error: unreachable.problem });
        return sendJson(res, 404, { error: text('No such fault armed by you: it may be disarmed already. Reload the list.', '没有你设置的这个故障：它可能已经解除。请刷新列表。') });
      }
      if (scope.instructorId) await deps.audit?.(scope.instructorId, 'faults.disarm', { learners: scope.learners.map((l) => l.learnerId), id: params.id });
      answer(res, scope, results);
    },
  };
}
