/**
 * The instructor's API: log in, classes, assignments, the progress matrix (JSON and CSV, made
 * in progress.ts), a learner's attempts and transcripts, resetting a learner's sandbox, setting
 * a new password for one who forgot theirs, removing a learner, the audit log.
 * Every route checks that the class belongs to the instructor asking.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { PAGE_LINES, transcriptPage, transcriptSummaries } from '../world/transcriptFiles.js';
import { text } from '../grading/feedback.js';
import type { ExerciseCatalog } from '../grading/exercises.js';
import { BodyError, JSON_OBJECT, readJson } from '../http/body.js';
import { sendCompressible, sendJsonText } from '../http/compressedJson.js';
import { sendJson, type Route } from '../http/server.js';
import type { ClassInfo, ClassroomStore, Instructor } from '../store/classroom.js';
import type { LearnerStore } from '../store/learners.js';
import { instructorAccount } from '../store/instructorPasswords.js';
import type { Sandbox } from '../world/sandbox.js';
import type { Sandboxes } from '../world/sandboxes.js';
import { openClass } from './classNames.js';
import { instructorOf, problem, refusedLogin, refuseNonInstructor, tooMany } from './identity.js';
import { learnerAccount, type LoginThrottle } from './loginThrottle.js';
import { learnerWorld, memberSandbox, SANDBOX_GONE } from './memberSandbox.js';
import { generatePassword, hashPassword, passwordProblem, verifyNobody, verifyPassword } from './passwords.js';
import { csvHeaders, matrixJson, progressCsv, progressMatrix } from './progress.js';
import type { RateLimit } from './rateLimit.js';
import type { SessionCookies } from '../http/cookies.js';
import type { TerminalsEnd } from '../bridge/bridge.js';

/** Terminal sessions per page of a learner's view. */
const SESSIONS_SHOWN = 20;

/** A whole number from the query string, within [0, max]; `fallback` when absent or wrong. */
function pageNumber(req: IncomingMessage, name: string, fallback: number, max: number): number {
  const value = new URL(req.url ?? '/', 'http://lab.invalid').searchParams.get(name);
  return value !== null && /^\d{1,9}$/.test(value) ? Math.min(max, Number(value)) : fallback;
}

export interface DashboardDeps {
  store: ClassroomStore;
  learners: LearnerStore;
  sandboxes: Sandboxes;
  catalog: ExerciseCatalog;
  logins: LoginThrottle;
  cookies: SessionCookies;
  /** The client's address (behind a trusted proxy, the one it names). */
  clientAddress: (req: IncomingMessage) => string;
  /** Base URL learners open, for join links (known once the web server listens). */
  publicUrl: () => string;
  /** New passwords per instructor (limits.ts newPasswordsPerInstructor). */
  newPasswords: RateLimit;
  /** Learners with a browser terminal open now. */
  terminalOwners: () => Set<string>;
  /** Ends a removed learner's terminals at once. */
  endTerminals: (learnerId: string, why?: TerminalsEnd) => void;
}

type InstructorRoute = (req: IncomingMessage, res: ServerResponse, who: Instructor, klass: ClassInfo | undefined, params: Record<string, string>) => Promise<void> | void;

async function body(req: IncomingMessage, res: ServerResponse): Promise<Record<string, unknown> | undefined> {
  try {
    const b = await readJson(req, JSON_OBJECT, 8192);
    if (b && typeof b === 'object' && !Array.isArray(b)) return b as Record<string, unknown>;
    problem(res, 400, text('Send a JSON object.', '请发送 JSON 对象。'));
  } catch (err) {
    if (err instanceof BodyError) problem(res, err.status, err.body);
    else throw err;
  }
  return undefined;
}

export function dashboardRoutes(deps: DashboardDeps): Record<string, Route> {
  const sandboxOf = (id: string): Promise<Sandbox | undefined> => memberSandbox(deps.sandboxes, id);
  const joinUrl = (code: string): string => `${deps.publicUrl().replace(/\/$/, '')}/join/?code=${code}`;

  /** Wraps a route: instructor required; with ":id", the class must be theirs. */
  const guarded =
    (route: InstructorRoute): Route =>
    async (req, res, _url, params) => {
      const who = await instructorOf(req, deps.store, deps.cookies);
      if (!who) {
        req.resume();
        return refuseNonInstructor(req, res, deps.learners, deps.cookies);
      }
      let klass: ClassInfo | undefined;
      if (params.id !== undefined) {
        klass = await deps.store.classById(params.id);
        if (!klass || klass.instructorId !== who.id) {
          req.resume();
          return problem(res, 404, text('No such class among yours.', '你的班级中没有这个班级。'));
        }
      }
      await route(req, res, who, klass, params);
    };

  const memberOf = (klass: ClassInfo, learnerId: string | undefined) => (learnerId ? deps.store.member(klass.id, learnerId) : Promise.resolve(undefined));

  const matrix = (klass: ClassInfo) => progressMatrix(deps.store, deps.catalog, deps.terminalOwners(), klass);

  return {
    'POST /api/instructor/login': async (req, res) => {
      const b = await body(req, res);
      if (!b) return;
      const name = typeof b.name === 'string' ? b.name.trim() : '';
      const from = deps.clientAddress(req);
      let found: Instructor | undefined;
      // Each instructor the name may mean in turn (two alike kept from before migration 8): the password tells them apart.
      const outcome = await deps.logins.attempt(instructorAccount(name), from, async () => {
        if (typeof b.password !== 'string') return false;
        const named = await deps.store.instructorsNamed(name);
        for (const one of named) if (await verifyPassword(b.password, one.passwordHash)) return Boolean((found = one));
        // A name that is nobody's takes as long as a wrong password: the time tells no names.
        return named.length === 0 && verifyNobody(b.password);
      });
      if (refusedLogin(res, outcome)) return;
      if (!found || !outcome.ok) {
        return problem(res, 401, text(
            'Wrong name or password. On the server, `maillab instructor password NAME` sets a new password for an instructor who forgot theirs, and `maillab instructor add NAME` creates an instructor.',
            '名字或密码错误。忘了密码的教师，可在服务器上用 `maillab instructor password 名字` 设置新密码；`maillab instructor add 名字` 用于创建教师账号。',
          ));
      }
      res.setHeader('set-cookie', deps.cookies.instructor(await deps.store.startInstructorSession(found.id)));
      await deps.store.audit(found.id, 'login', { from });
      sendJson(res, 200, { instructor: { name: found.name } });
    },

    'POST /api/instructor/logout': async (req, res) => {
      req.resume();
      const token = deps.cookies.instructorToken(req);
      if (token) await deps.store.endInstructorSession(token);
      res.setHeader('set-cookie', deps.cookies.clearInstructor());
      sendJson(res, 200, { ok: true });
    },

    // An identity probe for the dashboard page: null rather than 401 when nobody is logged in.
    'GET /api/instructor/me': async (req, res) => {
      const who = await instructorOf(req, deps.store, deps.cookies);
      sendJson(res, 200, { instructor: who ? { name: who.name } : null });
    },

    'GET /api/instructor/audit': guarded(async (_req, res, who) => sendJson(res, 200, { entries: await deps.store.auditLog(who.id) })),

    'GET /api/classes': guarded(async (_req, res, who) =>
      sendJson(res, 200, {
        classes: (await deps.store.classesOf(who.id)).map((c) => ({ ...c, joinUrl: joinUrl(c.joinCode) })),
      }),
    ),

    'POST /api/classes': guarded(async (req, res, who) => {
      const b = await body(req, res);
      if (!b) return;
      // Each class is rows, a join code and a line of GET /api/classes: bounded, and counted by the database with the insert (20 at once made 217 of 200; two nodes once passed it too).
      const opened = await openClass(deps.store, typeof b.name === 'string' ? b.name : '', who.id);
      if ('refused' in opened) return problem(res, opened.status, opened.refused);
      const { klass } = opened;
      await deps.store.audit(who.id, 'class.create', { classId: klass.id, name: klass.name });
      sendJson(res, 201, { class: { ...klass, joinUrl: joinUrl(klass.joinCode) } });
    }),

    'GET /api/classes/:id': guarded(async (_req, res, _who, klass) =>
      sendJson(res, 200, { class: { ...klass!, joinUrl: joinUrl(klass!.joinCode) }, learners: await deps.store.members(klass!.id), assignments: await deps.store.assignments(klass!.id) }),
    ),

    'PUT /api/classes/:id/assignments/:exercise': guarded(async (req, res, who, klass, params) => {
      const b = await body(req, res);
      if (!b) return;
      if (!deps.catalog.get(params.exercise ?? '')) return problem(res, 404, text(`There is no exercise "${params.exercise}".`, `没有练习 "${params.exercise}"。`));
      let dueAt: string | undefined;
      if (b.dueAt !== undefined && b.dueAt !== null) {
        const t = typeof b.dueAt === 'string' ? Date.parse(b.dueAt) : NaN;
        if (Number.isNaN(t)) return problem(res, 400, text('dueAt must be a date and time, e.g. 2026-12-01T18:00:00Z.', 'dueAt 必须是日期时间，例如 2026-12-01T18:00:00Z。'));
        dueAt = new Date(t).toISOString();
      }
      await deps.store.setAssignment(klass!.id, params.exercise!, dueAt);
      await deps.store.audit(who.id, 'assignment.set', { classId: klass!.id, exerciseId: params.exercise, dueAt: dueAt ?? null });
      sendJson(res, 200, { assignments: await deps.store.assignments(klass!.id) });
    }),

    'DELETE /api/classes/:id/assignments/:exercise': guarded(async (req, res, who, klass, params) => {
      req.resume();
      await deps.store.removeAssignment(klass!.id, params.exercise ?? '');
      await deps.store.audit(who.id, 'assignment.remove', { classId: klass!.id, exerciseId: params.exercise });
      sendJson(res, 200, { assignments: await deps.store.assignments(klass!.id) });
    }),

    'GET /api/classes/:id/progress': guarded(async (req, res, _who, klass) => sendJsonText(req, res, matrixJson(await matrix(klass!)))),

    'GET /api/classes/:id/progress.csv': guarded(async (req, res, _who, klass) => {
      await sendCompressible(req, res, progressCsv(await matrix(klass!)), csvHeaders(klass!.name));
    }),

    // A learner's view is bounded whatever they did: the latest attempts of each exercise with
    // counts, their disk usage, and the first page of their terminal sessions (no lines; those
    // come a page at a time from the route below).
    'GET /api/classes/:id/learners/:learner': guarded(async (_req, res, _who, klass, params) => {
      const member = await memberOf(klass!, params.learner);
      if (!member) return problem(res, 404, text('No such learner in this class.', '这个班级里没有这名学生。'));
      // Grouped by exercise in the catalog's order, oldest first within each: the attempts the
      // store keeps (the latest of each and the first pass), with how many there were in all.
      const order = new Map(deps.catalog.list.map((e, i) => [e.id, i]));
      // Without the answers: the page shows what went wrong, and eleven answers of up to 64 KB
      // to each of 49 exercises made one learner's view 35 MB (all read and parsed first).
      const attempts = (await deps.learners.outcomes(member.learnerId)).filter((a) => order.has(a.exerciseId)).sort((a, b) => order.get(a.exerciseId)! - order.get(b.exerciseId)! || a.id - b.id);
      const attemptCounts = Object.fromEntries((await deps.learners.progress(member.learnerId)).filter((p) => order.has(p.exerciseId)).map((p) => [p.exerciseId, p.attempts]));
      const sandbox = await sandboxOf(member.sandboxId);
      // Gone: the answers are still shown, and the page says why there is no usage nor terminal.
      if (!sandbox) return sendJson(res, 200, { learner: member, attempts, attemptCounts, usage: null, transcripts: { sessions: [], total: 0 }, sandboxMissing: SANDBOX_GONE });
      const [usage, sessions] = await Promise.all([sandbox.usage.usage(), transcriptSummaries(sandbox, 0, SESSIONS_SHOWN)]);
      sendJson(res, 200, { learner: member, attempts, attemptCounts, usage, transcripts: sessions });
    }),

    'GET /api/classes/:id/learners/:learner/transcripts': guarded(async (req, res, _who, klass, params) => {
      const member = await memberOf(klass!, params.learner);
      if (!member) return problem(res, 404, text('No such learner in this class.', '这个班级里没有这名学生。'));
      const offset = pageNumber(req, 'offset', 0, 1_000_000);
      const limit = pageNumber(req, 'limit', SESSIONS_SHOWN, SESSIONS_SHOWN);
      const sandbox = await sandboxOf(member.sandboxId);
      if (!sandbox) return problem(res, 404, SANDBOX_GONE);
      sendJson(res, 200, await transcriptSummaries(sandbox, offset, limit));
    }),

    'GET /api/classes/:id/learners/:learner/transcripts/:session': guarded(async (req, res, _who, klass, params) => {
      const member = await memberOf(klass!, params.learner);
      if (!member) return problem(res, 404, text('No such learner in this class.', '这个班级里没有这名学生。'));
      const from = pageNumber(req, 'from', 0, 10_000_000);
      const sandbox = await sandboxOf(member.sandboxId);
      if (!sandbox) return problem(res, 404, SANDBOX_GONE);
      const page = await transcriptPage(sandbox, params.session ?? '', from, pageNumber(req, 'limit', PAGE_LINES, PAGE_LINES));
      if (!page) return problem(res, 404, text('No such terminal session for this learner (it may have been removed to make room).', '这名学生没有这个终端会话（可能已为腾出空间而被删除）。'));
      sendJson(res, 200, page);
    }),

    'POST /api/classes/:id/learners/:learner/reset': guarded(async (req, res, who, klass, params) => {
      req.resume();
      const member = await memberOf(klass!, params.learner);
      if (!member) return problem(res, 404, text('No such learner in this class.', '这个班级里没有这名学生。'));
      // A sandbox that is gone is made afresh, as at a join.
      if (await sandboxOf(member.sandboxId)) await deps.sandboxes.reset(member.sandboxId);
      else await deps.sandboxes.create(member.sandboxId, learnerWorld());
      await deps.store.audit(who.id, 'learner.reset', { classId: klass!.id, learnerId: member.learnerId, displayName: member.displayName });
      sendJson(res, 200, { ok: true });
    }),

    // A learner who forgot their password: the instructor sets a new one (typed, or made up by
    // the lab and shown once). Their sessions and terminals end; their sandbox and progress stay.
    'POST /api/classes/:id/learners/:learner/password': guarded(async (req, res, who, klass, params) => {
      const b = await body(req, res);
      if (!b) return;
      const member = await memberOf(klass!, params.learner);
      if (!member) return problem(res, 404, text('No such learner in this class.', '这个班级里没有这名学生。'));
      const typed = b.password === undefined || b.password === null || b.password === '' ? undefined : b.password;
      const weak = typed === undefined ? undefined : passwordProblem(typed);
      if (weak) return problem(res, 400, weak);
      const wait = await deps.newPasswords.hit(`new password:${who.id}`);
      if (wait) return tooMany(res, wait);
      const password = typeof typed === 'string' ? typed : generatePassword();
      if (!(await deps.learners.setPassword(member.learnerId, await hashPassword(password)))) return problem(res, 404, text('No such learner in this class.', '这个班级里没有这名学生。'));
      // The waits earned by tries of the old password end: the learner logs in at once.
      await deps.logins.forget(learnerAccount(klass!.id, member.displayName));
      deps.endTerminals(member.learnerId, 'new password');
      await deps.store.audit(who.id, 'learner.password', { classId: klass!.id, learnerId: member.learnerId, displayName: member.displayName, madeUp: typed === undefined });
      sendJson(res, 200, { learner: { displayName: member.displayName }, password });
    }),

    'DELETE /api/classes/:id/learners/:learner': guarded(async (req, res, who, klass, params) => {
      req.resume();
      const member = await memberOf(klass!, params.learner);
      if (!member) return problem(res, 404, text('No such learner in this class.', '这个班级里没有这名学生。'));
      // Cookies stop working, terminals close, and mail sessions end with the sandbox.
      await deps.store.removeMember(klass!.id, member.learnerId);
      deps.endTerminals(member.learnerId, 'removed');
      await deps.sandboxes.delete(member.sandboxId);
      await deps.store.audit(who.id, 'learner.remove', { classId: klass!.id, learnerId: member.learnerId, displayName: member.displayName });
      sendJson(res, 200, { ok: true });
    }),
  };
}
