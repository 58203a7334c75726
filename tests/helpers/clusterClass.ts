/**
 * A class on a cluster (tests/helpers/cluster.ts), as the cluster test files set it up: an
 * instructor added on the command line who creates a class through the proxy, and learners who
 * join through it and read their mail host from their lab page. Also the web API as a page
 * calls it, and where the database has placed each sandbox.
 */
import { expect } from 'vitest';
import pg from 'pg';
import { webApi } from './classroom.js';
import { run } from './clients.js';

export interface ClusterLearner {
  name: string;
  cookie: string;
  /** The id of the node holding the learner's sandbox, from the mail host their lab page shows. */
  node: string;
  mailboxes: Array<{ address: string; password: string }>;
  mailServer: { host: string; ports: Record<string, number> };
}

/** A request to the lab's web API as its pages send it (same origin), its answer parsed as JSON when it is. */
export async function api(base: string, path: string, options: { method?: string; cookie?: string; body?: unknown } = {}): Promise<{ status: number; json: any }> {
  const answer = await webApi(base, path, { origin: base, ...options });
  return { status: answer.status, json: answer.json === undefined ? answer.text : answer.json };
}

/** Each sandbox's node, as the database has it. */
export async function placements(databaseUrl: string): Promise<Map<string, string>> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const rows = (await client.query<{ sandbox_id: string; node_id: string }>('SELECT sandbox_id, node_id FROM placements')).rows;
    return new Map(rows.map((r) => [r.sandbox_id, r.node_id]));
  } finally {
    await client.end();
  }
}

/** The node holding a sandbox, as the database has it. */
export async function placementOf(databaseUrl: string, sandboxId: string): Promise<string> {
  return (await placements(databaseUrl)).get(sandboxId)!;
}

/** `maillab instructor add` on the cluster's database, then a login and a class through the proxy. */
export async function instructorWithClass(databaseUrl: string, proxyUrl: string, className: string): Promise<{ instructorCookie: string; joinCode: string; classId: string }> {
  const add = await run('node', ['bin/maillab.mjs', 'instructor', 'add', 'Ms Wang', '--database', databaseUrl], 'correct horse battery\n');
  expect(add.stderr).toBe('');
  const login = await fetch(`${proxyUrl}/api/instructor/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'Ms Wang', password: 'correct horse battery' }) });
  expect(login.status).toBe(200);
  const instructorCookie = (login.headers.get('set-cookie') ?? '').split(';')[0]!;
  const created = await api(proxyUrl, '/api/classes', { method: 'POST', cookie: instructorCookie, body: { name: className } });
  expect(created.status).toBe(201);
  return { instructorCookie, joinCode: created.json.class.joinCode, classId: created.json.class.id };
}

/**
 * `count` learners join through the proxy, three at a time as a class does (each join makes a
 * sandbox with two DKIM keys on its node). Each one's lab page, asked twice (so both nodes answer),
 * gives their own mailboxes and their own node's mail host.
 */
export async function joinThroughProxy(proxyUrl: string, joinCode: string, count: number): Promise<ClusterLearner[]> {
  const learners: ClusterLearner[] = [];
  const join = async (i: number): Promise<void> => {
    const response = await fetch(`${proxyUrl}/api/join`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: proxyUrl },
      body: JSON.stringify({ code: joinCode, displayName: `学生 ${i}`, password: `password-${i}-long` }),
    });
    const body = (await response.json()) as { mailboxes: ClusterLearner['mailboxes'] };
    expect(response.status, JSON.stringify(body)).toBe(201);
    const cookie = (response.headers.get('set-cookie') ?? '').split(';')[0]!;
    learners[i] = { name: `学生 ${i}`, cookie, mailboxes: body.mailboxes, node: '', mailServer: { host: '', ports: {} } };
  };
  for (let i = 0; i < count; i += 3) await Promise.all([i, i + 1, i + 2].filter((k) => k < count).map(join));
  for (const l of learners) {
    for (let k = 0; k < 2; k++) {
      const me = await api(proxyUrl, '/api/me', { cookie: l.cookie });
      expect(me.status).toBe(200);
      expect(me.json.mailboxes).toEqual(l.mailboxes);
      l.mailServer = me.json.mailServer;
    }
    l.node = l.mailServer.host.split('.')[0]!;
    expect(['n1', 'n2']).toContain(l.node);
  }
  return learners;
}
