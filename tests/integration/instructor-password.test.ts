/**
 * An instructor who forgot their password: whoever runs the lab sets a new one on the server
 * (`maillab instructor password NAME`, from stdin or made up). There was no way at all: `instructor
 * add` refuses a name that exists, and the login said only how to add an instructor.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { instructorLogin, maillabOn } from '../helpers/classroom.js';
import { startTestLab, type TestLab } from '../helpers/lab.js';

let lab: TestLab;
let base: string;

const login = (name: string, password: string): ReturnType<typeof instructorLogin> => instructorLogin(base, name, password);
const maillab = (args: string[], stdin?: string): ReturnType<typeof maillabOn> => maillabOn(lab, args, stdin);

beforeAll(async () => {
  lab = await startTestLab({ mode: 'classroom' });
  base = `http://127.0.0.1:${lab.httpPort}`;
});
afterAll(async () => {
  await lab?.dispose();
});

it('sets a new instructor password on the server: sessions end, waits end, the audit log says so', async () => {
  expect((await maillab(['instructor', 'add', 'Ms Wang'], 'the first password\n')).code).toBe(0);
  const session = (await login('Ms Wang', 'the first password')).cookie;
  expect((await fetch(`${base}/api/classes`, { headers: { cookie: session } })).status).toBe(200);
  // She forgot it, and guessed until the lab made her wait.
  let guess;
  for (let i = 0; i < 10 && (guess = await login('ms wang', `guess number ${i}`)).status === 401; i++);
  expect(guess!.status).toBe(429);
  const first = await login('Nobody', 'whatever it is');
  expect(first.json.error.en).toMatch(/`maillab instructor password NAME` sets a new password for an instructor who forgot theirs/);
  expect(first.json.error['zh-CN']).toMatch(/maillab instructor password 名字/);

  const set = await maillab(['instructor', 'password', 'ms wang'], 'the second password\n');
  expect(set.code, set.stderr).toBe(0);
  expect(set.stdout).toContain('New password set for instructor "Ms Wang"; their open sessions have ended.');
  expect(set.stdout).not.toContain('the second password');
  expect((await fetch(`${base}/api/classes`, { headers: { cookie: session } })).status).toBe(401);
  expect((await login('Ms Wang', 'the first password')).status).toBe(401);
  const back = await login('MS WANG', 'the second password');
  expect(back.status).toBe(200);
  const audit = (await (await fetch(`${base}/api/instructor/audit`, { headers: { cookie: back.cookie } })).json()).entries;
  expect(audit.map((e: { action: string }) => e.action)).toContain('instructor.password');
  expect(JSON.stringify(audit)).not.toContain('the second password');

  // Made up when none is piped in, and printed once.
  const made = await maillab(['instructor', 'password', 'Ms Wang'], '');
  const password = /Password \/ 密码: ([a-z2-9-]{19})/.exec(made.stdout)?.[1];
  expect(password).toBeDefined();
  expect((await login('Ms Wang', password!)).status).toBe(200);
}, 120_000);

it('says who the instructors are when the name is none of them, and refuses a short password', async () => {
  const unknown = await maillab(['instructor', 'password', 'Ms Wong'], 'a long enough one\n');
  expect(unknown.code).toBe(2);
  expect(unknown.stderr).toMatch(/There is no instructor called "Ms Wong"\. The instructors: Ms Wang\./);
  expect(unknown.stderr).toMatch(/没有名为 "Ms Wong" 的教师/);
  const short = await maillab(['instructor', 'password', 'Ms Wang'], 'short\n');
  expect(short.code).toBe(2);
  expect(short.stderr).toMatch(/at least 8 characters/);
}, 120_000);
