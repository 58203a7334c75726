/**
 * `maillab serve | reset | users`: flags -> typed config -> start. Bad flags get a message in
 * English and Chinese and exit code 2.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { defaultConfig, startLab, ListenError, type LabConfig, type Lab } from './lab.js';
import { AddressList } from './net/addressList.js';
import { SERVICES, type ServiceId } from './services.js';
import { ClusterSetupError } from './cluster/joinCluster.js';
import type { ClusterConfig } from './cluster/node.js';
import { drainNode } from './cluster/drain.js';
import { ClassroomStore } from './store/classroom.js';
import { ClusterStore } from './store/cluster.js';
import { isPostgresUrl, openDatabase } from './store/database.js';
import { ConstraintViolation, DatabaseUnavailable, type Database } from './store/sql.js';
import { DEFAULT_SANDBOX, Sandboxes, UnknownSandbox } from './world/sandboxes.js';

class UsageError extends Error {
  constructor(
    readonly en: string,
    readonly zh: string,
  ) {
    super(en);
  }
}

const USAGE = `Usage / 用法:
  maillab serve [--data DIR] [--host ADDR] [--http-port N] [--port-offset N]
                [--smtp-port N] [--submission-port N] [--submissions-port N]
                [--pop3-port N] [--pop3s-port N] [--imap-port N] [--imaps-port N]
                [--smtp-otherdomain-port N]   mail.otherdomain.com's port 25 (default 26 + offset)
                [--dns-port N]   the lab DNS, UDP and TCP (default 53 + offset)
                [--tls-cert FILE --tls-key FILE]
                [--max-message-size BYTES] [--require-tls-auth]
                [--quota SIZE]   disk per sandbox: mail, queues, transcripts, logs (default 64M)
                [--quota-messages N]   messages per sandbox (default 10000)
                [--max-terminals N]   browser terminals one learner may open at once (default 8)
                [--mode single|classroom] [--public-url URL]
                [--metrics-token TOKEN]   lets a scraper on another machine read /metrics (classroom mode)
                [--trust-proxy ADDRS]   reverse proxies (IPs, CIDRs) whose X-Forwarded-For names the client
                [--database postgres://USER:PASSWORD@HOST/DB]   shared PostgreSQL (default: SQLite in DIR)
                [--node-id N --node-url URL [--mail-host NAME] [--node-down-after SECONDS]]
                    one node of several sharing --database (secret in MAILLAB_CLUSTER_SECRET)
  maillab instructor add NAME [--data DIR] [--database URL]   create an instructor (password from stdin, or generated)
  maillab class create "NAME" [--data DIR] [--database URL] [--instructor NAME] [--public-url URL]
  maillab backup --to DIR [--data DIR] [--database URL]   copy a running lab safely (database, sandboxes, certificate)
  maillab node list [--database URL]           the nodes of a cluster: state, heartbeat, load
  maillab node drain N [--database URL]        move every sandbox off node N to the others
  MAILLAB_DATABASE_URL stands for --database when the flag is not given.
  maillab reset [--data DIR] [--sandbox ID]     restore a sandbox's mail, zones and queue / 把沙箱的邮件、区域和队列恢复到初始状态
  maillab users [--data DIR] [--sandbox ID]     list a sandbox's users / 列出沙箱中的用户
`;

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

const sandboxOptions = {
  data: { type: 'string' },
  sandbox: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} satisfies ParseArgsConfig['options'];

function parse<T extends NonNullable<ParseArgsConfig['options']>>(args: string[], options: T) {
  try {
    return parseArgs({ args, options, strict: true, allowPositionals: false }).values;
  } catch (err) {
    const msg = (err as Error).message;
    throw new UsageError(`${msg}\n${USAGE}`, `参数有误：${msg}\n${USAGE}`);
  }
}

function integer(flag: string, value: string | undefined, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n) || n < min || n > max) {
    throw new UsageError(
      `--${flag} must be a whole number from ${min} to ${max}, not "${value}". Example: --${flag} ${Math.min(max, Math.max(min, 2000))}`,
      `--${flag} 必须是 ${min} 到 ${max} 之间的整数，而不是 "${value}"。例如：--${flag} ${Math.min(max, Math.max(min, 2000))}`,
    );
  }
  return n;
}

/** A size such as 64M, 1G, 500K or a number of bytes; at least 1 MB. */
function size(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const m = /^(\d{1,10})([KMG]?)B?$/i.exec(value.trim());
  const bytes = m ? Number(m[1]) * 1024 ** ' KMG'.indexOf((m[2] || ' ').toUpperCase()) : NaN;
  if (!m || bytes < 1024 * 1024 || bytes > 2 ** 50) {
    throw new UsageError(`--${flag} must be a size of at least 1M, such as 64M or 2G, not "${value}".`, `--${flag} 必须是不小于 1M 的大小，例如 64M 或 2G，而不是 "${value}"。`);
  }
  return bytes;
}

function publicUrl(value: string): string {
  try {
    const url = new URL(value);
    if (url.protocol === 'http:' || url.protocol === 'https:') return url.href;
  } catch {
    // fall through to the message below
  }
  throw new UsageError(`--public-url must be an http(s) URL such as https://mail-lab.school.example/, not "${value}".`, `--public-url 必须是 http(s) 网址，例如 https://mail-lab.school.example/，而不是 "${value}"。`);
}

/** --database, else MAILLAB_DATABASE_URL, else nothing (SQLite in the data dir). */
function databaseUrl(flag: unknown): string | undefined {
  const url = typeof flag === 'string' ? flag : process.env.MAILLAB_DATABASE_URL || undefined;
  if (url !== undefined && !isPostgresUrl(url)) {
    throw new UsageError(
      `--database must be a PostgreSQL URL such as postgres://maillab:PASSWORD@db.school.example/maillab, not "${url}". Leave it out to use SQLite in the data directory.`,
      `--database 必须是 PostgreSQL 网址，例如 postgres://maillab:密码@db.school.example/maillab，而不是 "${url}"。不指定时使用数据目录中的 SQLite。`,
    );
  }
  return url;
}

/** Opens the database a command names, with a clear message when PostgreSQL cannot be reached. */
async function openStoreFor(values: { data?: unknown; database?: unknown }): Promise<Database> {
  const url = databaseUrl(values.database);
  try {
    return await openDatabase(String(values.data ?? './data'), url);
  } catch (err) {
    if (err instanceof DatabaseUnavailable) throw new UsageError(err.message, `无法连接 PostgreSQL：${err.message}`);
    throw err;
  }
}

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

async function serve(args: string[]): Promise<void> {
  const config = serveConfig(args);
  let lab: Lab;
  try {
    lab = await startLab(config);
  } catch (err) {
    if (err instanceof ListenError) throw new UsageError(err.message, `无法启动：${err.message}`);
    if (err instanceof DatabaseUnavailable) throw new UsageError(err.message, `无法连接 PostgreSQL：${err.message}`);
    if (err instanceof ClusterSetupError) throw new UsageError(err.message, `无法加入集群：${err.message}`);
    throw err;
  }
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  process.stdout.write(
    `MailLab is running. / MailLab 已启动。\n\n${serviceTable(lab)}\n\n` +
      `Site / 网站: http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${lab.httpPort}/\n` +
      (config.mode === 'classroom'
        ? `Classroom mode / 课堂模式: learners join at / 学生加入: /join/ · instructors / 教师: /instructor/\n`
        : `Users / 用户: alice@example.com, bob@example.com, carol@otherdomain.com (password / 密码: secret)\n`) +
      `Data / 数据: ${config.dataDir}\nPress Ctrl+C to stop. / 按 Ctrl+C 停止。\n`,
  );
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
}

async function reset(args: string[]): Promise<void> {
  const v = parse(args, sandboxOptions);
  const sandboxes = new Sandboxes((v.data as string | undefined) ?? './data');
  const id = (v.sandbox as string | undefined) ?? DEFAULT_SANDBOX;
  if (id === DEFAULT_SANDBOX && !(await sandboxes.exists(id))) await sandboxes.create(id);
  else await sandboxes.reset(id);
  process.stdout.write(`Sandbox "${id}" restored to its seeded state. / 沙箱 "${id}" 已恢复到初始状态。\n`);
}

async function users(args: string[]): Promise<void> {
  const v = parse(args, sandboxOptions);
  const sandboxes = new Sandboxes((v.data as string | undefined) ?? './data');
  const id = (v.sandbox as string | undefined) ?? DEFAULT_SANDBOX;
  if (id === DEFAULT_SANDBOX && !(await sandboxes.exists(id))) await sandboxes.create(id);
  const sandbox = await sandboxes.get(id);
  const rows = sandbox.definition.users.map((u) => `${u.address.padEnd(28)} ${u.displayName.padEnd(10)} ${u.password}`);
  process.stdout.write(`${'address / 地址'.padEnd(28)} ${'name / 名字'.padEnd(10)} password / 密码\n${rows.join('\n')}\n`);
}

const classroomOptions = {
  data: { type: 'string' },
  database: { type: 'string' },
  instructor: { type: 'string' },
  'public-url': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} satisfies ParseArgsConfig['options'];

function parseWithName(args: string[], what: string, zh: string): { name: string; values: Record<string, string | boolean | undefined> } {
  let parsed;
  try {
    parsed = parseArgs({ args, options: classroomOptions, strict: true, allowPositionals: true });
  } catch (err) {
    const msg = (err as Error).message;
    throw new UsageError(`${msg}\n${USAGE}`, `参数有误：${msg}\n${USAGE}`);
  }
  const name = (parsed.positionals.join(' ') || '').trim();
  if (!name) throw new UsageError(`Give the ${what}'s name.\n${USAGE}`, `请给出${zh}的名字。`);
  return { name, values: parsed.values as Record<string, string | boolean | undefined> };
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8').split(/\r?\n/)[0] ?? '';
}

async function instructorCommand(args: string[]): Promise<void> {
  const [sub, ...rest] = args;
  if (sub !== 'add') throw new UsageError(`Use: maillab instructor add NAME\n${USAGE}`, '用法：maillab instructor add 名字');
  const { name, values } = parseWithName(rest, 'instructor', '教师');
  const { generatePassword, hashPassword, passwordProblem } = await import('./classroom/passwords.js');
  // A password piped in is used; otherwise one is made up and printed once.
  const given = process.stdin.isTTY ? '' : await readStdin();
  const password = given || generatePassword();
  const weak = passwordProblem(password);
  if (weak) throw new UsageError(weak.en, weak['zh-CN']);
  const db = await openStoreFor(values);
  try {
    const store = new ClassroomStore(db);
    const exists = new UsageError(`An instructor called "${name}" already exists.`, `已经有名为 "${name}" 的教师。`);
    if (await store.instructorLogin(name)) throw exists;
    await store.addInstructor(name, await hashPassword(password)).catch((err: unknown) => {
      throw err instanceof ConstraintViolation ? exists : err;
    });
    await store.audit(null, 'instructor.add', { name, by: 'cli' });
  } finally {
    await db.close();
  }
  process.stdout.write(given ? `Instructor "${name}" added. / 已添加教师 "${name}"。\n` : `Instructor "${name}" added. Password / 密码: ${password}\n`);
}

async function classCommand(args: string[]): Promise<void> {
  const [sub, ...rest] = args;
  if (sub !== 'create') throw new UsageError(`Use: maillab class create "NAME"\n${USAGE}`, '用法：maillab class create "班级名"');
  const { name, values } = parseWithName(rest, 'class', '班级');
  const db = await openStoreFor(values);
  try {
    const store = new ClassroomStore(db);
    const all = await store.instructors();
    const wanted = typeof values.instructor === 'string' ? values.instructor : undefined;
    const owner = wanted ? (await store.instructorLogin(wanted))?.instructor : all.length === 1 ? all[0] : undefined;
    if (!owner) {
      throw new UsageError(
        all.length === 0 ? 'There is no instructor yet. First run: maillab instructor add NAME' : `Say whose class it is: --instructor NAME (one of: ${all.map((i) => i.name).join(', ')}).`,
        all.length === 0 ? '还没有教师账号。请先运行：maillab instructor add 名字' : `请用 --instructor 指定教师（可选：${all.map((i) => i.name).join('、')}）。`,
      );
    }
    const klass = await store.createClass(name, owner.id);
    await store.audit(owner.id, 'class.create', { classId: klass.id, name, by: 'cli' });
    const base = typeof values['public-url'] === 'string' ? publicUrl(values['public-url']) : 'http://127.0.0.1:8080/';
    process.stdout.write(`Class "${name}" created. / 已创建班级 "${name}"。\nJoin code / 加入码: ${klass.joinCode}\nJoin URL / 加入网址: ${base.replace(/\/$/, '')}/join/?code=${klass.joinCode}\n`);
  } finally {
    await db.close();
  }
}

async function nodeCommand(args: string[]): Promise<void> {
  const [sub, ...rest] = args;
  let parsed;
  try {
    parsed = parseArgs({ args: rest, options: { database: { type: 'string' } }, strict: true, allowPositionals: true });
  } catch (err) {
    throw new UsageError(`${(err as Error).message}\n${USAGE}`, `参数有误：${(err as Error).message}`);
  }
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
    process.stdout.write(`Node ${id}: ${report.moved} sandboxes moved (${report.bytes} bytes in ${report.ms} ms), ${report.failed} not moved. / 节点 ${id}：已迁移 ${report.moved} 个沙箱，${report.failed} 个未迁移。\n`);
    if (report.failed > 0) throw new UsageError(`${report.failed} sandboxes stayed on ${id}; run the drain again.`, `${report.failed} 个沙箱仍在 ${id} 上，请再次运行迁移。`);
  } finally {
    await db.close();
  }
}

async function backup(args: string[]): Promise<void> {
  let values;
  try {
    values = parseArgs({ args, options: { data: { type: 'string' }, to: { type: 'string' }, database: { type: 'string' } }, strict: true }).values;
  } catch (err) {
    throw new UsageError(`${(err as Error).message}\n${USAGE}`, `参数有误：${(err as Error).message}`);
  }
  if (!values.to) throw new UsageError('Say where the backup goes: maillab backup --to DIR', '请指定备份位置：maillab backup --to 目录');
  const { backupLab } = await import('./store/backup.js');
  try {
    const result = await backupLab(values.data ?? './data', values.to, databaseUrl(values.database));
    process.stdout.write(`Backup written to / 备份已写入 ${result.target}: database ${result.databaseBytes} bytes, ${result.sandboxes} sandboxes.\n`);
  } catch (err) {
    throw new UsageError(`Backup failed: ${(err as Error).message}`, `备份失败：${(err as Error).message}`);
  }
}

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  // Mail, passwords and keys: whatever the lab writes is for its own user only (0600, 0700).
  process.umask(0o077);
  try {
    if (command === undefined || command === 'help' || command === '--help' || command === '-h') {
      process.stdout.write(USAGE);
      return 0;
    }
    if (rest.includes('--help') || rest.includes('-h')) {
      process.stdout.write(USAGE);
      return 0;
    }
    if (command === 'serve') await serve(rest);
    else if (command === 'reset') await reset(rest);
    else if (command === 'users') await users(rest);
    else if (command === 'instructor') await instructorCommand(rest);
    else if (command === 'class') await classCommand(rest);
    else if (command === 'backup') await backup(rest);
    else if (command === 'node') await nodeCommand(rest);
    else {
      throw new UsageError(`Unknown command "${command}". Use serve, reset, users, instructor, class, backup or node.\n${USAGE}`, `未知命令 "${command}"。可用命令：serve、reset、users、instructor、class、backup、node。`);
    }
    return 0;
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`maillab: ${err.en}\nmaillab: ${err.zh}\n`);
      return 2;
    }
    if (err instanceof UnknownSandbox) {
      process.stderr.write(`maillab: ${err.message}. List sandboxes in <data>/sandboxes/.\nmaillab: 没有名为 "${err.sandboxId}" 的沙箱。\n`);
      return 2;
    }
    process.stderr.write(`maillab: ${(err as Error).message}\n`);
    return 1;
  }
}
