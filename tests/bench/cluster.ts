/**
 * Two lab nodes sharing one private PostgreSQL, Caddy in front: joins per second through the
 * proxy (against one node alone, for comparison), the dashboard with 1,000 learners × 34
 * exercises of attempts in PostgreSQL, the latency a forwarded terminal line adds (the same
 * learner's terminal opened on its own node and on the other one), and a drain's throughput.
 */
import { randomBytes } from 'node:crypto';
import { hashPassword } from '../../lab-server/src/classroom/passwords.js';
import { drainNode } from '../../lab-server/src/cluster/drain.js';
import { ExerciseCatalog } from '../../lab-server/src/grading/exercises.js';
import { ClassroomStore } from '../../lab-server/src/store/classroom.js';
import { openDatabase } from '../../lab-server/src/store/database.js';
import { startCaddy, startNode, type LabNode } from '../helpers/cluster.js';
import { createDatabase, startPostgresCluster } from '../helpers/postgres.js';
import { TerminalClient } from '../helpers/terminal.js';
import { BIG_CLASS_EXERCISES, BIG_CLASS_LEARNERS, seedBigClass, timeDashboard } from './bigClass.js';

const JOINS = 16;
const LINES = 300;

const pct = (xs: number[], p: number): number => Math.round([...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((xs.length * p) / 100))]! * 100) / 100;

async function joinAll(base: string, code: string, prefix: string, count: number, concurrency: number): Promise<{ perSecond: number; cookies: string[] }> {
  const cookies: string[] = [];
  const started = performance.now();
  for (let i = 0; i < count; i += concurrency) {
    await Promise.all(
      Array.from({ length: Math.min(concurrency, count - i) }, async (_, k) => {
        const r = await fetch(`${base}/api/join`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ code, displayName: `${prefix}${i + k}`, password: 'bench password' }) });
        if (r.status !== 201) throw new Error(`join answered ${r.status}: ${await r.text()}`);
        cookies.push((r.headers.get('set-cookie') ?? '').split(';')[0]!);
      }),
    );
  }
  return { perSecond: Math.round((count / ((performance.now() - started) / 1000)) * 100) / 100, cookies };
}

/** Round-trip times of `LINES` SMTP NOOPs typed into a terminal opened at `port`. */
async function lineTimes(port: number, cookie: string): Promise<number[]> {
  const term = await TerminalClient.open(port, 'smtp', { cookie });
  await term.expect(/220 /);
  const times: number[] = [];
  for (let i = 0; i < LINES; i++) {
    const t = performance.now();
    await term.send('NOOP', /250 /);
    times.push(performance.now() - t);
  }
  term.close();
  return times;
}

export async function benchCluster(): Promise<Record<string, number>> {
  const pg = await startPostgresCluster();
  const url = await createDatabase(pg.adminUrl);
  const secret = randomBytes(24).toString('hex');
  const nodes: LabNode[] = [];
  const db = await openDatabase('/nonexistent', url);
  try {
    nodes.push(...(await Promise.all(['n1', 'n2'].map((id) => startNode({ id, database: url, secret, downAfter: 15 })))));
    const proxy = await startCaddy(nodes.map((n) => n.url));
    const classroom = new ClassroomStore(db);
    const instructor = await classroom.addInstructor('bench', await hashPassword('bench password'));
    const klass = await classroom.createClass('Bench', instructor.id);
    const token = await classroom.startInstructorSession(instructor.id);

    // Joins: each makes a sandbox (two 2048-bit DKIM keys) on the least-loaded node.
    const oneNode = await joinAll(nodes[0]!.url.replace(/\/$/, ''), klass.joinCode, 'solo ', 8, 4);
    const twoNodes = await joinAll(proxy.url, klass.joinCode, 'pair ', JOINS, 4);

    // Forwarded terminal line: a learner on n2, typing on n2 directly and through n1.
    let onN2: string | undefined;
    for (const cookie of twoNodes.cookies) {
      const me = (await (await fetch(`${proxy.url}/api/me`, { headers: { cookie } })).json()) as { mailServer: { host: string } };
      if (me.mailServer.host.startsWith('n2.')) {
        onN2 = cookie;
        break;
      }
    }
    if (!onN2) throw new Error('no learner was placed on n2');
    const direct = await lineTimes(nodes[1]!.httpPort, onN2);
    const forwarded = await lineTimes(nodes[0]!.httpPort, onN2);

    // Dashboard: 1,000 learners × 34 exercises of attempts, written straight into PostgreSQL.
    const exerciseIds = (await ExerciseCatalog.load()).list.slice(0, BIG_CLASS_EXERCISES).map((e) => e.id);
    const big = await seedBigClass(db, classroom, instructor.id, exerciseIds);
    const dashboard = await timeDashboard(nodes.map((n) => n.url), big, token);

    // Drain n2: every sandbox it holds moves to n1.
    const drainStarted = performance.now();
    const report = await drainNode(db, secret, 'n2', () => undefined);
    const drainSeconds = (performance.now() - drainStarted) / 1000;
    await proxy.stop();

    return {
      joins_per_s_one_node: oneNode.perSecond,
      joins_per_s_two_nodes_via_proxy: twoNodes.perSecond,
      terminal_line_ms_p50_direct: pct(direct, 50),
      terminal_line_ms_p99_direct: pct(direct, 99),
      terminal_line_ms_p50_forwarded: pct(forwarded, 50),
      terminal_line_ms_p99_forwarded: pct(forwarded, 99),
      forwarding_adds_ms_p50: Math.round((pct(forwarded, 50) - pct(direct, 50)) * 100) / 100,
      forwarding_adds_ms_p99: Math.round((pct(forwarded, 99) - pct(direct, 99)) * 100) / 100,
      dashboard_learners: BIG_CLASS_LEARNERS,
      dashboard_exercises: exerciseIds.length,
      dashboard_ms_median: pct(dashboard, 50),
      dashboard_ms_max: pct(dashboard, 100),
      drain_sandboxes: report.moved,
      drain_sandboxes_per_s: Math.round((report.moved / drainSeconds) * 100) / 100,
      drain_kb_per_s: Math.round(report.bytes / 1024 / drainSeconds),
    };
  } finally {
    await db.close();
    for (const n of nodes) await n.stop();
    await pg.stop();
  }
}
