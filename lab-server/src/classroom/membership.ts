/**
 * Learners in classroom mode: join a class with its code (which creates their own sandbox with
 * generated mailbox passwords), log in again later, log out, and see who they are.
 *   POST /api/join    {code, displayName, password}
 *   POST /api/login   {code, displayName, password}
 *   POST /api/logout
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { text } from '../grading/feedback.js';
import { BodyError, jsonShape, readJson } from '../http/body.js';
import type { SessionCookies } from '../http/cookies.js';
import { sendJson, type Route } from '../http/server.js';
import { ClassFull, type ClassroomStore } from '../store/classroom.js';
import { ConstraintViolation } from '../store/sql.js';
import type { LearnerStore } from '../store/learners.js';
import type { Sandboxes } from '../world/sandboxes.js';
import { displayNameOf, displayNameProblem } from './displayNames.js';
import { labBusy, problem, refusedLogin, tooMany } from './identity.js';
import { learnerAccount, type LoginThrottle } from './loginThrottle.js';
import { learnerWorld } from './memberSandbox.js';
import { hashPassword, passwordProblem, verifyNobody, verifyPassword } from './passwords.js';
import type { RateLimit } from './rateLimit.js';
import { LabBusy, type WorkQueue } from '../workers/workQueue.js';
import type { TerminalsEnd } from '../bridge/bridge.js';

export interface MembershipDeps {
  store: ClassroomStore;
  learners: LearnerStore;
  sandboxes: Sandboxes;
  /** Joins per client address. */
  joinLimit: RateLimit;
  /** Makes new learners' sandboxes one at a time. */
  joins: WorkQueue;
  /** Learners one class may have (limits.ts). */
  classLearners: number;
  logins: LoginThrottle;
  cookies: SessionCookies;
  /** The client's address (behind a trusted proxy, the one it names). */
  clientAddress: (req: IncomingMessage) => string;
  /** Ends the browser terminals of a learner who logs out. */
  endTerminals: (learnerId: string, why?: TerminalsEnd) => void;
}

interface Credentials {
  code: string;
  displayName: string;
  password: string;
}

async function readCredentials(req: IncomingMessage, res: ServerResponse): Promise<Credentials | undefined> {
  let body: unknown;
  try {
    body = await readJson(req, jsonShape('{"code", "displayName", "password"}'), 4096);
  } catch (err) {
    if (err instanceof BodyError) problem(res, err.status, err.body);
    else throw err;
    return undefined;
  }
  const b = body as Partial<Record<keyof Credentials, unknown>> | null;
  if (!b || typeof b.code !== 'string' || typeof b.displayName !== 'string' || typeof b.password !== 'string') {
    problem(res, 400, text('Send {"code", "displayName", "password"} as JSON.', '请以 JSON 发送 {"code", "displayName", "password"}。'));
    return undefined;
  }
  return { code: b.code.trim(), displayName: displayNameOf(b.displayName), password: b.password };
}

/** A sandbox id for a new learner: never guessable from their name. */
function newSandboxId(): string {
  return `learner-${randomBytes(6).toString('hex')}`;
}

export function membershipRoutes(deps: MembershipDeps): Record<string, Route> {
  return {
    'POST /api/join': async (req, res) => {
      const wait = await deps.joinLimit.hit(`join:${deps.clientAddress(req)}`);
      if (wait) return tooMany(res, wait);
      const c = await readCredentials(req, res);
      if (!c) return;
      const klass = await deps.store.classByCode(c.code);
      if (!klass) return problem(res, 404, text('No class has that join code. Check it with your instructor (it looks like ABCD-2345).', '没有班级使用这个加入码。请向老师核对（格式类似 ABCD-2345）。'));
      const badName = displayNameProblem(c.displayName);
      if (badName) return problem(res, 400, badName);
      const weak = passwordProblem(c.password);
      if (weak) return problem(res, 400, weak);
      const nameTaken = (): void =>
        problem(res, 409, text(`Someone in this class is already called "${c.displayName}". Choose another name, or log in if it is you.`, `班级里已经有人叫 "${c.displayName}"。请换一个名字；如果就是你，请直接登录。`));
      if (await deps.store.memberLogin(klass.id, c.displayName)) return nameTaken();
      const classFull = (): void =>
        problem(
          res,
          403,
          text(
            `This class is full: it has ${deps.classLearners} learners, the most one class may have. Ask your instructor to open another class and give you its join code.`,
            `这个班级已满：已有 ${deps.classLearners} 名学员，达到一个班级的上限。请让老师再开一个班级，并把新的加入码告诉你。`,
          ),
        );
      if ((await deps.store.memberCount(klass.id)) >= deps.classLearners) return classFull();
      let joined;
      try {
        // One sandbox (two RSA keys) at a time: a class joining at once queues instead of
        // filling the thread pool everyone's mail reads wait on.
        joined = await deps.joins.run(async () => {
          if (await deps.store.memberLogin(klass.id, c.displayName)) return undefined;
          // Again in turn: joins queued behind this one were counted before it was made (and the
          // store counts once more as it writes, for the other nodes of a cluster).
          if ((await deps.store.memberCount(klass.id)) >= deps.classLearners) return 'full' as const;
          const world = learnerWorld();
          const passwordHash = await hashPassword(c.password);
          const sandboxId = newSandboxId();
          await deps.sandboxes.create(sandboxId, world);
          try {
            const { token } = await deps.store.join(klass.id, { sandboxId, displayName: c.displayName, passwordHash }, deps.classLearners);
            return { world, token };
          } catch (err) {
            // Someone took the name or the last place while this sandbox was being made (on another node).
            await deps.sandboxes.delete(sandboxId);
            if (err instanceof ClassFull) return 'full' as const;
            if (err instanceof ConstraintViolation && err.kind === 'unique') return undefined;
            throw err;
          }
        });
      } catch (err) {
        if (err instanceof LabBusy) return labBusy(res, 30);
        throw err;
      }
      if (joined === 'full') return classFull();
      if (!joined) return nameTaken();
      res.setHeader('set-cookie', deps.cookies.learner(joined.token));
      sendJson(res, 201, { learner: { displayName: c.displayName }, class: { name: klass.name }, mailboxes: joined.world.users.map((u) => ({ address: u.address, password: u.password })) });
    },

    'POST /api/login': async (req, res) => {
      const c = await readCredentials(req, res);
      if (!c) return;
      const klass = await deps.store.classByCode(c.code);
      const member = klass ? await deps.store.memberLogin(klass.id, c.displayName) : undefined;
      const account = learnerAccount(klass?.id ?? c.code, c.displayName);
      const outcome = await deps.logins.attempt(account, deps.clientAddress(req), async () => (member ? verifyPassword(c.password, member.passwordHash) : verifyNobody(c.password)));
      if (refusedLogin(res, outcome)) return;
      if (!klass || !member || !outcome.ok) {
        return problem(res, 401, text(
            'Join code, name or password is wrong. Check all three (the name as you typed it when you joined). If you forgot your password, ask your instructor for a new one: they set it on their page, and your lab and progress stay as they are.',
            '加入码、名字或密码有误。请检查这三项（名字要和加入时填写的一样）。如果忘了密码，请让老师给你设一个新密码（在教师页面上操作），你的实验环境和进度都会保留。',
          ));
      }
      res.setHeader('set-cookie', deps.cookies.learner(await deps.store.startLearnerSession(member.learnerId)));
      sendJson(res, 200, { learner: { displayName: c.displayName }, class: { name: klass.name } });
    },

    'POST /api/logout': async (req, res) => {
      req.resume();
      const token = deps.cookies.learnerToken(req);
      const learner = token ? await deps.learners.byToken(token) : undefined;
      if (token) await deps.store.endLearnerSession(token);
      if (learner) deps.endTerminals(learner.id);
      res.setHeader('set-cookie', deps.cookies.clearLearner());
      sendJson(res, 200, { ok: true });
    },
  };
}
