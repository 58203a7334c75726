/**
 * A learner given a new password while the node holding their sandbox is down (killed, not
 * stopped): the instructor's request lands on a survivor, which sets the password itself (only
 * the database holds it) and cannot reach the dead node to end its terminals. The learner's old
 * browser session must still end on every node, the dead one once it returns included, and the
 * new password must log in at once.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { run } from '../helpers/clients.js';
import { freshPostgresDatabase } from '../helpers/database.js';
import { startNodes, type LabNode } from '../helpers/cluster.js';
import { postJson } from '../helpers/classroom.js';
import { placementOf } from '../helpers/clusterClass.js';
import { TerminalClient } from '../helpers/terminal.js';

const secret = randomBytes(24).toString('hex');
let database: { url: string; drop(): Promise<void> };
let nodes: LabNode[] = [];

async function me(node: LabNode, cookie: string): Promise<{ status: number; json: any }> {
  const response = await fetch(`${node.url}/api/me`, { headers: { cookie } });
  return { status: response.status, json: await response.json() };
}

beforeAll(async () => {
  database = await freshPostgresDatabase();
  // Two node starts, up to 180 s each at once (tests/helpers/cluster.ts).
  nodes = await startNodes(['n1', 'n2'], { database: database.url, secret });
}, 240_000);
afterAll(async () => {
  for (const n of nodes) await n.stop();
  await database?.drop();
});

it("ends a learner's session on every node and lets the new password in when the instructor sets it while the learner's node is killed", async () => {
  expect((await run('node', ['bin/maillab.mjs', 'instructor', 'add', 'Ms Wang', '--database', database.url], 'correct horse battery\n')).code).toBe(0);
  const [n1] = nodes as [LabNode, LabNode];
  const instructor = (await postJson(n1.url, '/api/instructor/login', { name: 'Ms Wang', password: 'correct horse battery' })).cookie;
  const klass = (await postJson(n1.url, '/api/classes', { name: 'Cluster 103' }, instructor)).json.class;
  const joined = await postJson(n1.url, '/api/join', { code: klass.joinCode, displayName: 'Ana', password: 'ana password 1' });
  expect(joined.status).toBe(201);
  const oldCookie = joined.cookie;
  const member = (await (await fetch(`${n1.url}/api/classes/${klass.id}`, { headers: { cookie: instructor } })).json()).learners[0];
  const holderId = await placementOf(database.url, member.sandboxId);
  const holder = nodes.find((n) => n.id === holderId)!;
  const survivor = nodes.find((n) => n !== holder)!;
  const survivorInstructor = (await postJson(survivor.url, '/api/instructor/login', { name: 'Ms Wang', password: 'correct horse battery' })).cookie;
  const terminal = await TerminalClient.open(holder.httpPort, 'smtp', { cookie: oldCookie });
  await terminal.expect(/^220 /);
  expect((await me(survivor, oldCookie)).json.learner?.displayName).toBe('Ana');

  await holder.kill();
  const set = await postJson(survivor.url, `/api/classes/${klass.id}/learners/${member.learnerId}/password`, {}, survivorInstructor);
  expect(set.status, JSON.stringify(set.json)).toBe(200);
  const newPassword: string = set.json.password;

  // On the survivor: the old session is over, the old password refused, the new one taken at once.
  expect((await me(survivor, oldCookie)).json.learner).toBeNull();
  expect((await postJson(survivor.url, '/api/login', { code: klass.joinCode, displayName: 'Ana', password: 'ana password 1' })).status).toBe(401);
  const login = await postJson(survivor.url, '/api/login', { code: klass.joinCode, displayName: 'ana', password: newPassword });
  expect(login.status, JSON.stringify(login.json)).toBe(200);
  const newCookie = login.cookie;
  // A logged-in learner whose node is down is told so, not asked to log in.
  const down = await me(survivor, newCookie);
  expect(down.status, JSON.stringify(down.json)).toBe(503);
  expect(down.json.error.en).toMatch(/which is down/);

  // The killed node returns: the old session is over there too, the new one works, a terminal opens.
  await holder.start();
  expect((await me(holder, oldCookie)).json.learner).toBeNull();
  expect((await me(holder, newCookie)).json.learner?.displayName).toBe('Ana');
  await expect(TerminalClient.open(holder.httpPort, 'smtp', { cookie: oldCookie })).rejects.toThrow(/HTTP 401/);
  const again = await TerminalClient.open(holder.httpPort, 'smtp', { cookie: newCookie });
  await again.expect(/^220 /);
  again.close();
}, 180_000);
