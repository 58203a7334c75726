/**
 * A class in a classroom-mode test lab, made the short way: the instructor straight into the
 * store (the CLI that does it has its own test), then learners through the real join API,
 * cookies and all, and the instructor's login through the real login API.
 */
import { hashPassword } from '../../lab-server/src/classroom/passwords.js';
import { run } from './clients.js';
import type { TestLab } from './lab.js';

export interface JoinedLearner {
  name: string;
  cookie: string;
  id: string;
  sandboxId: string;
  mailboxes: Array<{ address: string; password: string }>;
}

export interface TestClass {
  classId: string;
  instructorCookie: string;
  learners: JoinedLearner[];
}

const cookieOf = (response: Response): string => (response.headers.get('set-cookie') ?? '').split(';')[0]!;

/** A POST to the lab's web API as its pages send it (same origin): the answer as JSON and the cookie it sets. */
export async function postJson(base: string, path: string, body: unknown, cookie = ''): Promise<{ status: number; json: any; cookie: string }> {
  const response = await fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', origin: base, ...(cookie ? { cookie } : {}) }, body: JSON.stringify(body) });
  return { status: response.status, json: await response.json(), cookie: cookieOf(response) };
}

/** A request to the lab's web API: its status, headers and text, and the text as JSON (undefined when it is not). `origin` only when given. */
export async function webApi(base: string, path: string, options: { method?: string; cookie?: string; body?: unknown; origin?: string } = {}): Promise<{ status: number; json: any; headers: Headers; text: string }> {
  const headers: Record<string, string> = {};
  if (options.cookie) headers.cookie = options.cookie;
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  if (options.origin) headers.origin = options.origin;
  const response = await fetch(`${base}${path}`, { method: options.method ?? 'GET', headers, body: options.body === undefined ? undefined : JSON.stringify(options.body) });
  const text = await response.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, json, headers: response.headers, text };
}

/** The instructor login, as the dashboard's form sends it. */
export const instructorLogin = (base: string, name: string, password: string): Promise<{ status: number; json: any; cookie: string }> => postJson(base, '/api/instructor/login', { name, password });

/** `maillab ARGS` on a test lab's data. A `maillab` process takes 2 s of CPU, and 8 to 20 s on a machine loaded to 25. */
export const maillabOn = (lab: TestLab, args: string[], stdin?: string): ReturnType<typeof run> => run('node', ['bin/maillab.mjs', ...args, '--data', lab.dataDir], stdin, 60_000);

export async function makeClass(lab: TestLab, learnerNames: string[]): Promise<TestClass> {
  const base = `http://127.0.0.1:${lab.httpPort}`;
  const instructor = await lab.classroom.addInstructor(`Teacher ${Date.now()}`, await hashPassword('instructor password 1'));
  const klass = await lab.classroom.createClass('Hostile neighbours', instructor.id);
  const login = await fetch(`${base}/api/instructor/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: instructor.name, password: 'instructor password 1' }) });
  if (login.status !== 200) throw new Error(`instructor login: ${login.status}`);
  const learners: JoinedLearner[] = [];
  for (const name of learnerNames) {
    const joined = await fetch(`${base}/api/join`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ code: klass.joinCode, displayName: name, password: `password of ${name}` }) });
    if (joined.status !== 201) throw new Error(`join as ${name}: ${joined.status} ${await joined.text()}`);
    const body = (await joined.json()) as { mailboxes: JoinedLearner['mailboxes'] };
    const member = (await lab.classroom.members(klass.id)).find((m) => m.displayName === name)!;
    learners.push({ name, cookie: cookieOf(joined), id: member.learnerId, sandboxId: member.sandboxId, mailboxes: body.mailboxes });
  }
  return { classId: klass.id, instructorCookie: cookieOf(login), learners };
}
