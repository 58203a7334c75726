/**
 * A login must not tell which names exist. A name that was nobody's was answered at once, one
 * that was somebody's only after scrypt checked the wrong password (measured on a lab at load
 * 20: 5-30 ms against 150-600 ms), so a stranger could list the instructors, and with a join
 * code the learners of a class, by the time each 401 took. Compared here in CPU time of this
 * process, where the lab runs (scrypt runs on its thread pool), not by the clock: a loaded
 * machine stretches wall time, not the work done.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { hashPassword } from '../../lab-server/src/classroom/passwords.js';
import { startTestLab, type TestLab } from '../helpers/lab.js';

let lab: TestLab;
let base: string;
let joinCode: string;
const NAMES = ['Ms Wang', 'Mr Li', 'Dr Chen', 'Ms Zhao'];

async function post(path: string, body: unknown, cookie = ''): Promise<{ status: number; cookie: string; json: any }> {
  const response = await fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', origin: base, ...(cookie ? { cookie } : {}) }, body: JSON.stringify(body) });
  return { status: response.status, cookie: (response.headers.get('set-cookie') ?? '').split(';')[0]!, json: await response.json() };
}

/** CPU time (ms) this process spent answering one request that must be refused 401. */
async function cpuOf(path: string, body: unknown): Promise<number> {
  const before = process.cpuUsage();
  const { status } = await post(path, body);
  const used = process.cpuUsage(before);
  expect(status, JSON.stringify(body)).toBe(401);
  return (used.user + used.system) / 1000;
}

beforeAll(async () => {
  lab = await startTestLab({ mode: 'classroom' });
  base = `http://127.0.0.1:${lab.httpPort}`;
  for (const name of NAMES) await lab.classroom.addInstructor(name, await hashPassword('the right password'));
  const teacher = (await post('/api/instructor/login', { name: NAMES[0], password: 'the right password' })).cookie;
  joinCode = (await post('/api/classes', { name: 'Mail 101' }, teacher)).json.class.joinCode;
  for (const name of NAMES) expect((await post('/api/join', { code: joinCode, displayName: name, password: 'the right password' })).status).toBe(201);
}, 180_000);
afterAll(async () => {
  await lab?.dispose();
});

it('takes as much work to refuse a name that is nobody\'s as a wrong password, for instructors and learners', async () => {
  const spent = { instructorKnown: 0, instructorUnknown: 0, learnerKnown: 0, learnerUnknown: 0 };
  // One wrong try for each name (no wait earned), known and unknown in turn.
  for (const [i, name] of NAMES.entries()) {
    spent.instructorKnown += await cpuOf('/api/instructor/login', { name, password: `wrong guess ${i}` });
    spent.instructorUnknown += await cpuOf('/api/instructor/login', { name: `Nobody ${i}`, password: `wrong guess ${i}` });
    spent.learnerKnown += await cpuOf('/api/login', { code: joinCode, displayName: name, password: `wrong guess ${i}` });
    spent.learnerUnknown += await cpuOf('/api/login', { code: joinCode, displayName: `Nobody ${i}`, password: `wrong guess ${i}` });
  }
  console.log(`CPU ms for ${NAMES.length} refused logins: ${JSON.stringify(spent, (_k, v: unknown) => (typeof v === 'number' ? Math.round(v) : v))}`);
  // scrypt (N=16384, r=8) is some 30-100 ms of CPU a try; answering without it, a few ms.
  expect(spent.instructorKnown).toBeGreaterThan(NAMES.length * 15);
  expect(spent.learnerKnown).toBeGreaterThan(NAMES.length * 15);
  expect(spent.instructorUnknown).toBeGreaterThan(spent.instructorKnown / 2);
  expect(spent.learnerUnknown).toBeGreaterThan(spent.learnerKnown / 2);
}, 60_000);
