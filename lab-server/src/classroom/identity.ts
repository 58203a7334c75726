/**
 * Who is behind a request in classroom mode: an instructor (their own cookie) or a learner
 * (the learner cookie), each a random token whose hash the database keeps.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { plural, text, type Text } from '../grading/feedback.js';
import type { SessionCookies } from '../http/cookies.js';
import { sendJson } from '../http/server.js';
import type { ClassroomStore, Instructor } from '../store/classroom.js';
import type { Learner, LearnerStore } from '../store/learners.js';
import type { LoginOutcome } from './loginThrottle.js';

export async function instructorOf(req: IncomingMessage, store: ClassroomStore, cookies: SessionCookies): Promise<Instructor | undefined> {
  const token = cookies.instructorToken(req);
  return token ? store.instructorByToken(token) : undefined;
}

export async function learnerOf(req: IncomingMessage, learners: LearnerStore, cookies: SessionCookies): Promise<Learner | undefined> {
  const token = cookies.learnerToken(req);
  return token ? learners.byToken(token) : undefined;
}

export function problem(res: ServerResponse, status: number, message: Text): void {
  sendJson(res, status, { error: message });
}

/** 401 for nobody, 403 for a learner: instructor pages are not for learners. */
export async function refuseNonInstructor(req: IncomingMessage, res: ServerResponse, learners: LearnerStore, cookies: SessionCookies): Promise<void> {
  if (await learnerOf(req, learners, cookies)) {
    return problem(res, 403, text('Only instructors can do this. Learners work on the lab and exercise pages.', '只有教师可以执行此操作。学生请使用实验台和练习页面。'));
  }
  problem(res, 401, text('Log in as an instructor first (on /instructor/).', '请先以教师身份登录（在 /instructor/ 页面）。'));
}

/** 429 with Retry-After: this client must wait before trying again. */
export function tooMany(res: ServerResponse, seconds: number): void {
  res.setHeader('retry-after', String(seconds));
  problem(res, 429, text(`Too many tries. Wait ${plural(seconds, 'second')}, then try again.`, `尝试次数过多。请等待 ${seconds} 秒后再试。`));
}

/** 503: the lab has too much of this work queued right now; nobody in particular is at fault. */
export function labBusy(res: ServerResponse, seconds = 10): void {
  res.setHeader('retry-after', String(seconds));
  problem(res, 503, text(`The lab is busy: many people are logging in or joining right now. Try again in ${plural(seconds, 'second')}.`, `实验室正忙：很多人正在登录或加入。请 ${seconds} 秒后再试。`));
}

/** Answers a login that did not get as far as a wrong password (throttled or busy); false when it did. */
export function refusedLogin(res: ServerResponse, outcome: LoginOutcome): boolean {
  if (outcome.wait) tooMany(res, outcome.wait);
  else if (outcome.busy) labBusy(res);
  else return false;
  return true;
}
