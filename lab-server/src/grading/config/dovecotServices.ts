/**
 * The service checks doveconf 2.3 makes once the file is read (master_settings_verify): a
 * service's type, a listener without a path, process_limit on the services that run one process,
 * process_min_avail above the limit, a vsz_limit under 1M, and two listeners on one socket or
 * port ("duplicate listener"), the services' own listeners included. Only the services of the
 * protocols the file enables are checked, as doveconf does (with none written, none). The
 * services, their listeners and limits are those doveconf 2.3.19 prints for an empty file.
 */
import { text } from '../feedback.js';
import { dovecotSize } from './dovecotValues.js';
import type { DovecotRefusal } from './dovecotWordLists.js';

/** A setting or a section as dovecotConf.ts reads it (the parts the checks need). */
interface Written {
  key?: string;
  value?: string;
  name?: string;
  arg?: string;
  line: number;
  path: readonly string[];
}

interface DefaultService {
  protocol?: string;
  /** Runs one process (process_limit_1): anvil, auth, log... */
  one?: boolean;
  limit?: number;
  /** Unix and fifo listeners with a mode (mode 0 ones never count), relative to base_dir. */
  sockets?: string;
  /** inet listeners by name, with their port. */
  ports?: Record<string, number>;
}

const SERVICES: Record<string, DefaultService> = {
  aggregator: { sockets: 'replication-notify-fifo replication-notify' },
  anvil: { one: true, limit: 1, sockets: 'anvil-auth-penalty anvil' },
  'auth-worker': { sockets: 'auth-worker' },
  auth: { one: true, limit: 1, sockets: 'auth-client auth-login auth-master auth-userdb login/login token-login/tokenlogin' },
  config: { sockets: 'config' },
  'dict-async': { sockets: 'dict-async' },
  dict: { sockets: 'dict' },
  director: { one: true, limit: 1, sockets: 'director-admin' },
  'dns-client': { sockets: 'dns-client login/dns-client' },
  doveadm: { sockets: 'doveadm-server' },
  'health-check': {},
  'imap-hibernate': { protocol: 'imap', sockets: 'imap-hibernate' },
  'imap-login': { protocol: 'imap', ports: { imap: 143, imaps: 993 } },
  'imap-urlauth-login': { protocol: 'imap', sockets: 'imap-urlauth' },
  'imap-urlauth-worker': { protocol: 'imap', limit: 1024, sockets: 'imap-urlauth-worker' },
  'imap-urlauth': { protocol: 'imap', limit: 1024, sockets: 'token-login/imap-urlauth' },
  imap: { protocol: 'imap', limit: 1024, sockets: 'imap-master login/imap' },
  'indexer-worker': { limit: 10, sockets: 'indexer-worker' },
  indexer: { one: true, limit: 1, sockets: 'indexer' },
  ipc: { one: true, limit: 1, sockets: 'ipc login/ipc-proxy' },
  lmtp: { protocol: 'lmtp', sockets: 'lmtp' },
  log: { one: true, limit: 1, sockets: 'log-errors' },
  'old-stats': { one: true, limit: 1, sockets: 'old-stats-mail old-stats-user old-stats' },
  'pop3-login': { protocol: 'pop3', ports: { pop3: 110, pop3s: 995 } },
  pop3: { protocol: 'pop3', limit: 1024, sockets: 'login/pop3' },
  replicator: { one: true, limit: 1, sockets: 'replicator' },
  stats: { limit: 1, sockets: 'login/stats-writer stats-reader stats-writer' },
  'submission-login': { protocol: 'submission', ports: { submission: 587 } },
  submission: { protocol: 'submission', limit: 1024, sockets: 'login/submission' },
  tcpwrap: {},
};

/** Distinct (protocols, base_dir, default_process_limit) filters checked. */
const MAX_SCOPES = 32;

const TYPES = ['', 'log', 'config', 'anvil', 'login', 'startup', 'worker'];
const own = Object.prototype.hasOwnProperty;

/** What doveconf refuses about the file's services, each with the line to point at. */
export function dovecotServiceChecks(settings: readonly Written[], sections: readonly Written[], scopes: ReadonlyArray<(key: string) => string>): Array<DovecotRefusal & { line: number }> {
  const out: Array<DovecotRefusal & { line: number }> = [];
  const serviceOf = (path: readonly string[]): string | undefined => (path.length >= 1 && path[0]!.startsWith('service ') ? path[0]!.slice(8) : undefined);
  // The values each written service holds, by name (a service written twice is one).
  const written: WrittenServices = new Map();
  for (const x of sections) {
    if (x.path.length === 0 && x.name === 'service' && x.arg !== undefined && !written.has(x.arg)) written.set(x.arg, { line: x.line, values: new Map(), listeners: new Map() });
    const name = serviceOf(x.path);
    if (name !== undefined && x.path.length === 1 && /^(unix|fifo|inet)_listener$/.test(x.name ?? '')) {
      const key = `${x.name} ${x.arg ?? ''}`;
      if (!written.get(name)!.listeners.has(key)) written.get(name)!.listeners.set(key, { kind: x.name!, name: x.arg ?? '', line: x.line, values: new Map() });
    }
  }
  for (const s of settings) {
    const name = serviceOf(s.path);
    const service = name === undefined ? undefined : written.get(name);
    if (!service) continue;
    if (s.path.length === 1) service.values.set(s.key!, s);
    else if (s.path.length === 2) service.listeners.get(s.path[1]!.replace(/^(\S+)(?: (.*))?$/, (_, k, a) => `${k} ${a ?? ''}`))?.values.set(s.key!, s);
  }
  // Each filter is checked with its own protocols, base_dir and default_process_limit; alike ones once.
  const asked = new Set<string>();
  for (const scope of scopes) {
    const values = ['protocols', 'base_dir', 'default_process_limit'].map(scope);
    // No configuration has more than a few; thousands of filters each with its own protocols cost 0.5 s.
    if (asked.has(values.join('\n')) || asked.size >= MAX_SCOPES) continue;
    asked.add(values.join('\n'));
    checkServices(written, scope, out);
  }
  return out;
}

type WrittenServices = Map<string, { line: number; values: Map<string, Written>; listeners: Map<string, { kind: string; name: string; line: number; values: Map<string, Written> }> }>;

function checkServices(written: WrittenServices, top: (key: string) => string, out: Array<DovecotRefusal & { line: number }>): void {
  const protocols = top('protocols').split(/\s+/).filter((p) => p !== '' && p !== 'none');
  const baseDir = top('base_dir').replace(/\/$/, '') || '/run/dovecot';
  const sockets = new Map<string, string>();
  // Each listener by what it is, not its line: an !include puts many on one line.
  const listen = (id: string, listener: string, line: number): void => {
    if (sockets.has(id) && sockets.get(id) !== listener) out.push(refusal(id.startsWith('/') ? 'unix_listener' : 'port', `duplicate listener: ${id}`, line, 'Two listeners use one socket or port, and Dovecot does not start. Give each its own path (or port), or keep it in one service only.', '两个 listener 用了同一个 socket 或端口，Dovecot 不会启动。给每个 listener 不同的路径（或端口），或者只在一个 service 里写它。'));
    else sockets.set(id, listener);
  };
  const names = new Set([...Object.keys(SERVICES), ...written.keys()]);
  for (const name of names) {
    const known = own.call(SERVICES, name) ? SERVICES[name]! : {};
    const mine = written.get(name);
    const value = (key: string): Written | undefined => mine?.values.get(key);
    const type = value('type');
    if (type && !TYPES.includes(type.value!)) out.push(refusal('type', `Unknown service type: ${type.value}`, type.line, `A service's type is one of ${TYPES.filter(Boolean).join(', ')}, or none; remove the line to keep the service's own.`, `service 的 type 只能是 ${TYPES.filter(Boolean).join('、')} 之一或者不写；删掉这一行就是它本来的类型。`));
    const protocol = value('protocol')?.value ?? known.protocol ?? '';
    if (protocol !== '' && !protocols.includes(protocol)) continue;
    for (const l of mine?.listeners.values() ?? []) {
      if (l.kind !== 'inet_listener' && l.name === '') out.push(refusal(l.kind, `service(${name}): ${l.kind}: path must not be empty`, l.line, 'Write the socket\'s path after the word, e.g. "unix_listener /var/spool/postfix/private/auth {".', '在这个词后面写出 socket 的路径，例如 "unix_listener /var/spool/postfix/private/auth {"。'));
    }
    const limitWritten = value('process_limit');
    const limit = Number(limitWritten?.value ?? known.limit ?? 0) || Number(top('default_process_limit') || 100);
    if (known.one && limit > 1) out.push(refusal('process_limit', `service(${name}): process_limit must be 1`, limitWritten?.line ?? mine!.line, `The ${name} service runs one process: remove process_limit (or write 1).`, `${name} service 只运行一个进程：删掉 process_limit（或者写 1）。`));
    const minAvail = value('process_min_avail');
    if (minAvail && Number(minAvail.value) > limit) out.push(refusal('process_min_avail', `service(${name}): process_min_avail is higher than process_limit`, minAvail.line, `Keep process_min_avail at most process_limit (${limit}).`, `process_min_avail 不能超过 process_limit（${limit}）。`));
    const vsz = value('vsz_limit');
    const bytes = vsz ? dovecotSize(vsz.value!) : undefined;
    if (vsz && bytes !== undefined && bytes !== 0n && bytes < 1024n * 1024n) out.push(refusal('vsz_limit', `service(${name}): vsz_limit is too low`, vsz.line, 'Give at least 1M, e.g. "vsz_limit = 256M" (0 is no limit); a size without a unit is bytes.', '至少写 1M，例如 "vsz_limit = 256M"（0 表示不限）；不带单位的大小按字节计。'));
    // Listeners: the service's own (kept unless written over), then the file's; mode 0 and port 0 never listen.
    const seen = new Set<string>();
    for (const l of mine?.listeners.values() ?? []) {
      seen.add(`${l.kind === 'inet_listener' ? 'inet' : 'file'} ${l.name}`);
      if (l.kind === 'inet_listener') {
        const port = Number(l.values.get('port')?.value ?? known.ports?.[l.name] ?? 0);
        if (port !== 0) listen(`${port}:${l.values.get('address')?.value ?? ''}`, `${name} inet ${l.name}`, l.line);
      } else if (l.name !== '' && !/^0+$/.test(l.values.get('mode')?.value ?? '1')) {
        listen(l.name.startsWith('/') ? l.name : `${baseDir}/${l.name}`, `${name} file ${l.name}`, l.line);
      }
    }
    for (const socket of (known.sockets ?? '').split(' ').filter(Boolean)) if (!seen.has(`file ${socket}`)) listen(`${baseDir}/${socket}`, `${name} file ${socket}`, mine?.line ?? 0);
    for (const [listener, port] of Object.entries(known.ports ?? {})) if (!seen.has(`inet ${listener}`)) listen(`${port}:`, `${name} inet ${listener}`, mine?.line ?? 0);
  }
}

function refusal(key: string, said: string, line: number, en: string, zh: string): DovecotRefusal & { line: number } {
  return { key, said, line, next: text(en, zh) };
}
