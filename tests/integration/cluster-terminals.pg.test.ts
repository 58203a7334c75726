/**
 * A learner's terminals end on every node when their session ends: a terminal lives on the node
 * holding their sandbox, while the logout or the instructor's new password may be sent to any
 * node behind the proxy. Each node ended only the terminals it held, so a learner given a new
 * password (someone else had their session) kept a terminal open on the other node.
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

beforeAll(async () => {
  database = await freshPostgresDatabase();
  // Two node starts, up to 180 s each at once (tests/helpers/cluster.ts).
  nodes = await startNodes(['n1', 'n2'], { database: database.url, secret });
}, 240_000);
afterAll(async () => {
  for (const n of nodes) await n.stop();
  await database?.drop();
});

it('closes the terminal held on one node when the learner logs out, or is given a new password, on the other', async () => {
  expect((await run('node', ['bin/maillab.mjs', 'instructor', 'add', 'Ms Wang', '--database', database.url], 'correct horse battery\n')).code).toBe(0);
  const [n1] = nodes as [LabNode, LabNode];
  const instructor = (await postJson(n1.url, '/api/instructor/login', { name: 'Ms Wang', password: 'correct horse battery' })).cookie;
  const klass = (await postJson(n1.url, '/api/classes', { name: 'Cluster 102' }, instructor)).json.class;
  let learner = (await postJson(n1.url, '/api/join', { code: klass.joinCode, displayName: 'Ana', password: 'ana password 1' })).cookie;
  const member = (await (await fetch(`${n1.url}/api/classes/${klass.id}`, { headers: { cookie: instructor } })).json()).learners[0];
  const holderId = await placementOf(database.url, member.sandboxId);
  const here = nodes.find((n) => n.id === holderId)!;
  const other = nodes.find((n) => n.id !== holderId)!;

  // Given a new password through the other node (which sets it itself: only the database holds it).
  let terminal = await TerminalClient.open(here.httpPort, 'smtp', { cookie: learner });
  await terminal.expect(/^220 /);
  const set = await postJson(other.url, `/api/classes/${klass.id}/learners/${member.learnerId}/password`, {}, instructor);
  expect(set.status).toBe(200);
  const closed = await terminal.message('closed');
  expect(closed.reason).toBe('new password');
  expect(closed.text).toMatch(/your instructor set you a new password/);

  // Logged out through the other node.
  learner = (await postJson(other.url, '/api/login', { code: klass.joinCode, displayName: 'Ana', password: set.json.password })).cookie;
  terminal = await TerminalClient.open(here.httpPort, 'smtp', { cookie: learner });
  await terminal.expect(/^220 /);
  expect((await postJson(other.url, '/api/logout', {}, learner)).status).toBe(200);
  expect((await terminal.message('closed')).reason).toBe('session ended');
  // Only the lab's own nodes may ask: a learner (or anyone) cannot end someone else's terminals.
  const forged = await postJson(here.url, '/api/cluster/terminals/end', { learnerId: member.learnerId, why: 'removed' }, learner);
  expect(forged.status).toBe(403);
  expect(forged.json.error.en).toMatch(/only the lab's own nodes/);
}, 120_000);
