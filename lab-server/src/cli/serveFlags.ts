/**
 * `maillab serve`'s flags -> a typed LabConfig. Apart from the servers (cli/serveCommand.ts), so
 * a bad flag is answered without loading them.
 */
import type { ParseArgsConfig } from 'node:util';
import type { ClusterConfig } from '../cluster/node.js';
import { defaultConfig, type LabConfig } from '../lab/config.js';
import { AddressList } from '../net/addressList.js';
import { SERVICES, type ServiceId } from '../services.js';
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
  const config = defaultConfig({ warmUp: true });
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
