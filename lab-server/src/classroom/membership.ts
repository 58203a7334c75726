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
import { BodyError, readJson } from '../http/body.js';
import { LEARNER_COOKIE, learnerCookie, readCookie } from '../http/learner.js';
import { sendJson, type Route } from '../http/server.js';
import type { ClassroomStore } from '../store/classroom.js';
import type { LearnerStore } from '../store/learners.js';
import { defaultWorld } from '../world/definition.js';
import type { Sandboxes } from '../world/sandboxes.js';
import { clearCookie, clientAddress, problem } from './identity.js';
import { generatePassword, hashPassword, passwordProblem, verifyPassword } from './passwords.js';
import type { RateLimit } from './rateLimit.js';

export interface MembershipDeps {
  store: ClassroomStore;
  learners: LearnerStore;
  sandboxes: Sandboxes;
  joinLimit: RateLimit;
  loginLimit: RateLimit;
  /** Ends the browser terminals of a learner who logs out. */
  endTerminals: (learnerId: string) => void;
}

interface Credentials {
  code: string;
  displayName: string;
  password: string;
}

async function readCredentials(req: IncomingMessage, res: ServerResponse): Promise<Credentials | undefined> {
  let body: unknown;
  try {
    body = await readJson(req, 4096);
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
  return { code: b.code.trim(), displayName: b.displayName.trim().normalize('NFC'), password: b.password };
}

function tooMany(res: ServerResponse, seconds: number): void {
  res.setHeader('retry-after', String(seconds));
  problem(res, 429, text(`Too many tries. Wait ${seconds} seconds, then try again.`, `尝试次数过多。请等待 ${seconds} 秒后再试。`));
}

/** A sandbox id for a new learner: never guessable from their name. */
function newSandboxId(): string {
  return `learner-${randomBytes(6).toString('hex')}`;
}

export function membershipRoutes(deps: MembershipDeps): Record<string, Route> {
  return {
    'POST /api/join': async (req, res) => {
      const wait = deps.joinLimit.hit(`join:${clientAddress(req)}`);
      if (wait) return tooMany(res, wait);
      const c = await readCredentials(req, res);
      if (!c) return;
      const klass = deps.store.classByCode(c.code);
      if (!klass) return problem(res, 404, text('No class has that join code. Check it with your instructor (it looks like ABCD-2345).', '没有班级使用这个加入码。请向老师核对（格式类似 ABCD-2345）。'));
      if (c.displayName.length < 1 || c.displayName.length > 40 || /[\x00-\x1f\x7f]/.test(c.displayName)) {
        return problem(res, 400, text('Choose a display name of 1 to 40 characters.', '请填写 1 到 40 个字符的显示名称。'));
      }
      const weak = passwordProblem(c.password);
      if (weak) return problem(res, 400, weak);
      if (deps.store.memberLogin(klass.id, c.displayName)) {
        return problem(res, 409, text(`Someone in this class is already called "${c.displayName}". Choose another name, or log in if it is you.`, `班级里已经有人叫 "${c.displayName}"。请换一个名字；如果就是你，请直接登录。`));
      }
      // A full copy of the default world, with mailbox passwords of its own.
      const world = defaultWorld();
      world.users = world.users.map((u) => ({ ...u, password: generatePassword() }));
      const sandboxId = newSandboxId();
      await deps.sandboxes.create(sandboxId, world);
      const { learner, token } = deps.learners.create({ sandboxId, anonymous: false, displayName: c.displayName });
      deps.store.addMember(klass.id, learner.id, await hashPassword(c.password));
      res.setHeader('set-cookie', learnerCookie(token));
      sendJson(res, 201, { learner: { displayName: c.displayName }, class: { name: klass.name }, mailboxes: world.users.map((u) => ({ address: u.address, password: u.password })) });
    },

    'POST /api/login': async (req, res) => {
      const c = await readCredentials(req, res);
      if (!c) return;
      const wait = deps.loginLimit.hit(`login:${clientAddress(req)}:${c.displayName.toLowerCase()}`);
      if (wait) return tooMany(res, wait);
      const klass = deps.store.classByCode(c.code);
      const member = klass ? deps.store.memberLogin(klass.id, c.displayName) : undefined;
      if (!klass || !member || !(await verifyPassword(c.password, member.passwordHash))) {
        return problem(res, 401, text('Join code, name or password is wrong. Check all three; your instructor can reset your access.', '加入码、名字或密码有误。请检查这三项；老师可以帮你重置。'));
      }
      res.setHeader('set-cookie', learnerCookie(deps.store.startLearnerSession(member.learnerId)));
      sendJson(res, 200, { learner: { displayName: c.displayName }, class: { name: klass.name } });
    },

    'POST /api/logout': (req, res) => {
      req.resume();
      const token = readCookie(req, LEARNER_COOKIE);
      const learner = token ? deps.learners.byToken(token) : undefined;
      if (token) deps.store.endLearnerSession(token);
      if (learner) deps.endTerminals(learner.id);
      res.setHeader('set-cookie', clearCookie(LEARNER_COOKIE));
      sendJson(res, 200, { ok: true });
    },
  };
}
