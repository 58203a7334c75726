/** `maillab node list | drain` and `maillab backup`: what an operator runs beside the lab. */
import { drainNode } from '../cluster/drain.js';
import { plural } from '../grading/feedback.js';
import { ClusterStore } from '../store/cluster.js';
import { isPostgresUrl } from '../store/database.js';
import { databaseUrl, openStoreFor, parse, parseWith, USAGE, UsageError } from './flags.js';

export async function nodeCommand(args: string[]): Promise<void> {
  const [sub, ...rest] = args;
  const parsed = parseWith(rest, { database: { type: 'string' } }, true);
  if (!isPostgresUrl(databaseUrl(parsed.values.database))) {
    throw new UsageError("Name the cluster's database: --database postgres://… (or MAILLAB_DATABASE_URL).", '请指定集群的数据库：--database postgres://…（或 MAILLAB_DATABASE_URL）。');
  }
  if (sub !== 'list' && sub !== 'drain') throw new UsageError(`Use: maillab node list | maillab node drain NODE-ID\n${USAGE}`, '用法：maillab node list | maillab node drain 节点名');
  const db = await openStoreFor(parsed.values);
  try {
    if (sub === 'list') {
      const rows = (await new ClusterStore(db).nodes()).map((n) => {
        const age = Math.round((Date.now() - Date.parse(n.heartbeatAt)) / 1000);
        return `${n.id.padEnd(12)} ${n.state.padEnd(9)} ${(age > 15 ? 'DOWN' : 'alive').padEnd(6)} ${String(age).padStart(5)}s  ${String(n.sandboxes).padStart(5)} sandboxes ${String(n.terminals).padStart(4)} terminals  ${n.mailHost}  ${n.webUrl}`;
      });
      process.stdout.write(`${'node / 节点'.padEnd(12)} state     health heartbeat  load / 负载\n${rows.join('\n')}\n`);
      return;
    }
    const id = parsed.positionals[0];
    if (!id) throw new UsageError('Say which node: maillab node drain NODE-ID', '请指定节点：maillab node drain 节点名');
    const secret = process.env.MAILLAB_CLUSTER_SECRET ?? '';
    if (!secret) throw new UsageError("Set MAILLAB_CLUSTER_SECRET to the cluster's secret: the nodes accept a drain only when it is signed with it.", '请设置 MAILLAB_CLUSTER_SECRET 为集群密钥：节点只接受用它签名的迁移请求。');
    let report;
    try {
      report = await drainNode(db, secret, id, (line) => process.stdout.write(`${line}\n`));
    } catch (err) {
      throw new UsageError(`Drain failed: ${(err as Error).message}`, `迁移失败：${(err as Error).message}`);
    }
    process.stdout.write(`Node ${id}: ${plural(report.moved, 'sandbox', 'sandboxes')} moved (${report.bytes} bytes in ${report.ms} ms), ${report.failed} not moved. / 节点 ${id}：已迁移 ${report.moved} 个沙箱，${report.failed} 个未迁移。\n`);
    if (report.failed > 0) throw new UsageError(`${plural(report.failed, 'sandbox', 'sandboxes')} stayed on ${id}; run the drain again.`, `${report.failed} 个沙箱仍在 ${id} 上，请再次运行迁移。`);
  } finally {
    await db.close();
  }
}

export async function backup(args: string[]): Promise<void> {
  const values = parse(args, { data: { type: 'string' }, to: { type: 'string' }, database: { type: 'string' } });
  if (!values.to) throw new UsageError('Say where the backup goes: maillab backup --to DIR', '请指定备份位置：maillab backup --to 目录');
  const { backupLab } = await import('../store/backup.js');
  try {
    const result = await backupLab(values.data ?? './data', values.to, databaseUrl(values.database));
    process.stdout.write(`Backup written to / 备份已写入 ${result.target}: database ${result.databaseBytes} bytes, ${plural(result.sandboxes, 'sandbox', 'sandboxes')}.\n`);
  } catch (err) {
    throw new UsageError(`Backup failed: ${(err as Error).message}`, `备份失败：${(err as Error).message}`);
  }
}
