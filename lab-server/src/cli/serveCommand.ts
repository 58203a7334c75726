/**
 * `maillab serve`: flags -> typed config -> a running lab, with the table of its ports, until
 * SIGINT or SIGTERM stops it.
 */
import { mkdir } from 'node:fs/promises';
import type { ParseArgsConfig } from 'node:util';
import { ClusterSetupError } from '../cluster/joinCluster.js';
import type { ClusterConfig } from '../cluster/node.js';
import { defaultConfig, startLab, ListenError, type LabConfig, type Lab } from '../lab.js';
import { DataDirTaken, takeDataDir, type ServingLock } from '../lab/servingLock.js';
import { AddressList } from '../net/addressList.js';
import { SERVICES, type ServiceId } from '../services.js';
import { instructorsAlike } from '../store/instructorNames.js';
import { DatabaseUnavailable } from '../store/sql.js';
import { databaseUrl, integer, parse, publicUrl, size, UsageError } from './flags.js';

const PORT_FLAGS = SERVICES.map((s) => `${s.id}-port`);

const serveOptions = {
  data: { type: 'string' },
  host: { type: 'string' },
  'http-port': { type: 'string' },
  'dns-port': { type: 'string' },
  'port-offset': { type: 'string' },
  'tls-cert': { type: 'string' },
  'tls-key': { type: 'string' },
  'max-message-size': { type: 'string' },
  quota: { type: 'string' },
  'quota-messages': { type: 'string' },
  'require-tls-auth': { type: 'boolean' },
  'max-terminals': { type: 'string' },
  mode: { type: 'string' },
  'public-url': { type: 'string' },
  'metrics-token': { type: 'string' },
  'trust-proxy': { type: 'string' },
  database: { type: 'string' },
  'node-id': { type: 'string' },
  'node-url': { type: 'string' },
  'mail-host': { type: 'string' },
  'node-down-after': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
  ...Object.fromEntries(PORT_FLAGS.map((f) => [f, { type: 'string' }])),
} satisfies ParseArgsConfig['options'];

/** --node-id, --node-url and --mail-host with the shared secret from MAILLAB_CLUSTER_SECRET. */
function clusterConfig(id: unknown, url: unknown, mailHost: unknown): ClusterConfig | undefined {
  if (id === undefined && url === undefined && mailHost === undefined) return undefined;
  if (typeof id !== 'string' || !/^[a-z0-9][a-z0-9-]{0,31}$/.test(id)) {
    throw new UsageError('--node-id must be a short name of lower-case letters, digits and "-", such as node1.', '--node-id 必须是由小写字母、数字和 "-" 组成的短名称，例如 node1。');
  }
  let nodeUrl: URL;
  try {
    nodeUrl = new URL(String(url));
    if (nodeUrl.protocol !== 'http:') throw new Error('not http');
  } catch {
    throw new UsageError(`--node-url must be the http:// URL where the other nodes reach this node's web port, such as http://10.0.0.11:8080/, not "${String(url)}".`, `--node-url 必须是其他节点访问本节点网页端口的 http:// 网址，例如 http://10.0.0.11:8080/，而不是 "${String(url)}"。`);
  }
  const secret = process.env.MAILLAB_CLUSTER_SECRET ?? '';
  if (secret.length < 16) {
    throw new UsageError('Set MAILLAB_CLUSTER_SECRET to the same secret of at least 16 characters on every node (e.g. the output of "openssl rand -hex 32").', '请在每个节点上把 MAILLAB_CLUSTER_SECRET 设为同一个至少 16 个字符的密钥（例如 "openssl rand -hex 32" 的输出）。');
  }
  return { nodeId: id, nodeUrl: nodeUrl.href, mailHost: typeof mailHost === 'string' && mailHost ? mailHost : nodeUrl.hostname, secret };
}

/** Turns serve's flags into a LabConfig (exported for tests). */
export function serveConfig(args: string[]): LabConfig {
  const v = parse(args, serveOptions) as Record<string, string | boolean | undefined>;
  const config = defaultConfig();
  if (typeof v.data === 'string') config.dataDir = v.data;
  if (typeof v.host === 'string') config.host = v.host;
  config.httpPort = integer('http-port', v['http-port'] as string | undefined, 0, 65535) ?? config.httpPort;
  const dnsPort = integer('dns-port', v['dns-port'] as string | undefined, 0, 65535);
  if (dnsPort !== undefined) config.ports.dns = dnsPort;
  config.portOffset = integer('port-offset', v['port-offset'] as string | undefined, 0, 65535 - 995) ?? config.portOffset;
  config.maxMessageSize = integer('max-message-size', v['max-message-size'] as string | undefined, 1024, 1 << 30) ?? config.maxMessageSize;
  config.quota = {
    bytes: size('quota', v.quota as string | undefined) ?? config.quota.bytes,
    messages: integer('quota-messages', v['quota-messages'] as string | undefined, 10, 10_000_000) ?? config.quota.messages,
  };
  config.requireTlsAuth = v['require-tls-auth'] === true;
  const maxTerminals = integer('max-terminals', v['max-terminals'] as string | undefined, 1, 100000);
  if (maxTerminals !== undefined) config.bridgeLimits = { ...config.bridgeLimits, perLearner: maxTerminals };
  for (const s of SERVICES) {
    const port = integer(`${s.id}-port`, v[`${s.id}-port`] as string | undefined, 0, 65535);
    if (port !== undefined) config.ports[s.id as ServiceId] = port;
  }
  if (v.mode !== undefined) {
    if (v.mode !== 'single' && v.mode !== 'classroom') {
      throw new UsageError(`--mode must be "single" or "classroom", not "${String(v.mode)}".`, `--mode 只能是 "single" 或 "classroom"，而不是 "${String(v.mode)}"。`);
    }
    config.mode = v.mode;
  }
  if (typeof v['public-url'] === 'string') config.publicUrl = publicUrl(v['public-url']);
  if (typeof v['metrics-token'] === 'string') {
    if (!/^[\x21-\x7e]{16,256}$/.test(v['metrics-token'])) {
      throw new UsageError('--metrics-token must be 16 to 256 printable characters without spaces (e.g. the output of "openssl rand -hex 24").', '--metrics-token 必须是 16 到 256 个不含空格的可打印字符（例如 "openssl rand -hex 24" 的输出）。');
    }
    config.metricsToken = v['metrics-token'];
  }
  if (typeof v['trust-proxy'] === 'string') {
    try {
      config.trustProxy = [...AddressList.parse(v['trust-proxy']).entries];
    } catch (err) {
      const why = (err as Error).message;
      throw new UsageError(`--trust-proxy: ${why}. Give the proxy's addresses, e.g. --trust-proxy 127.0.0.1,::1`, `--trust-proxy：${why}。请给出反向代理的地址，例如 --trust-proxy 127.0.0.1,::1`);
    }
  }
  const database = databaseUrl(v.database);
  if (database) config.database = database;
  const cluster = clusterConfig(v['node-id'], v['node-url'], v['mail-host']);
  if (cluster) {
    const downAfter = integer('node-down-after', v['node-down-after'] as string | undefined, 2, 3600);
    // Three heartbeats fit in the time after which a silent node counts as down.
    if (downAfter !== undefined) Object.assign(cluster, { downAfterMs: downAfter * 1000, heartbeatMs: (downAfter * 1000) / 3 });
    config.cluster = cluster;
  }
  if (typeof v['tls-cert'] === 'string') config.tlsCert = v['tls-cert'];
  if (typeof v['tls-key'] === 'string') config.tlsKey = v['tls-key'];
  if (Boolean(config.tlsCert) !== Boolean(config.tlsKey)) {
    throw new UsageError('--tls-cert and --tls-key must be given together.', '--tls-cert 和 --tls-key 必须同时给出。');
  }
  return config;
}

/** The table printed at start: every service, standard port, lab port, TLS mode. */
export function serviceTable(lab: Lab): string {
  const rows = [
    ['service', 'standard port', 'lab port', 'TLS'],
    ...lab.services.map((s) => [s.id, String(s.standardPort), String(s.port), s.tls === 'implicit' ? 'implicit TLS' : s.id === 'pop3' ? 'STLS' : 'STARTTLS']),
    ['dns', '53', String(lab.dnsPort), '-'],
  ];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  const line = (r: string[]): string => r.map((c, i) => c.padEnd(widths[i]!)).join('  ');
  return [line(rows[0]!), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.slice(1).map(line)].join('\n');
}

/** The data directory for this process alone, or a message naming the lab that has it. */
async function takeData(dataDir: string): Promise<ServingLock> {
  await mkdir(dataDir, { recursive: true }).catch((err: NodeJS.ErrnoException) => {
    if (err.code !== 'EEXIST' && err.code !== 'ENOTDIR') throw err;
    throw new UsageError(
      `--data must name a directory (made if missing), but ${dataDir} is a file, or lies inside one. Example: --data ./maillab-data`,
      `--data 必须是一个目录（不存在时会自动创建），但 ${dataDir} 是一个文件，或位于文件之下。例如：--data ./maillab-data`,
    );
  });
  try {
    return takeDataDir(dataDir);
  } catch (err) {
    if (!(err instanceof DataDirTaken)) throw err;
    throw new UsageError(
      `Another MailLab (PID ${err.pid}) is already using ${dataDir}; two labs on one data directory would overwrite each other's mailbox indexes. Stop that one first (Ctrl+C in its terminal, or kill ${err.pid}), or give this one its own directory with --data DIR.`,
      `另一个 MailLab（PID ${err.pid}）正在使用数据目录 ${dataDir}；两个实验室共用一个数据目录会互相覆盖邮箱索引。请先停止它（在它的终端按 Ctrl+C，或 kill ${err.pid}），或用 --data DIR 给这个实验室另选目录。`,
    );
  }
}

export async function serve(args: string[]): Promise<void> {
  const config = serveConfig(args);
  const lock = await takeData(config.dataDir);
  // However the process ends (a clean stop, a fatal error), the directory is free again.
  process.on('exit', () => lock.release());
  let lab: Lab;
  try {
    lab = await startLab(config);
  } catch (err) {
    lock.release();
    if (err instanceof ListenError) throw new UsageError(err.message, err.zh);
    if (err instanceof DatabaseUnavailable) throw new UsageError(err.message, `无法连接 PostgreSQL：${err.message}`);
    if (err instanceof ClusterSetupError) throw new UsageError(err.message, `无法加入集群：${err.message}`);
    throw err;
  }
  // Listening for the stop signals before saying the lab is ready: whoever reads that line may
  // stop it at once, and a signal with no listener yet would end the process without a clean stop.
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    process.stdout.write(`\n${signal}: shutting down... / 正在关闭……\n`);
    lab.stop().then(
      () => process.exit(0),
      (err: Error) => {
        process.stderr.write(`Shutdown failed: ${err.message}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  process.stdout.write(
    `MailLab is running. / MailLab 已启动。\n\n${serviceTable(lab)}\n\n` +
      `Site / 网站: http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${lab.httpPort}/\n` +
      (config.mode === 'classroom'
        ? `Classroom mode / 课堂模式: learners join at / 学生加入: /join/ · instructors / 教师: /instructor/\n`
        : `Users / 用户: alice@example.com, bob@example.com, carol@otherdomain.com (password / 密码: secret)\n`) +
      `Data / 数据: ${config.dataDir}\nPress Ctrl+C to stop. / 按 Ctrl+C 停止。\n`,
  );
  for (const names of await instructorsAlike(lab.db)) process.stdout.write(alikeWarning(names));
}

/** Instructors kept alike from before names were keyed: the newer logs in only with its own password; how to part them. */
function alikeWarning(names: string[]): string {
  const list = names.map((n) => `"${n}"`).join(', ');
  return (
    `Warning: the instructors ${list} have names that differ only in upper and lower case, which the lab no longer tells apart. Each still logs in with their own password; give one another name: maillab instructor rename "${names[1]}" "NEW NAME"\n` +
    `警告：教师 ${list} 的名字只有大小写不同，而实验室已不再区分大小写。各自仍可用自己的密码登录；请给其中一位改名：maillab instructor rename "${names[1]}" "新名字"\n`
  );
}
