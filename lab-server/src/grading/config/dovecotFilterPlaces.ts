/**
 * Where doveconf 2.3 lets a filter and an auth setting stand (config-parser.c, asked of doveconf
 * 2.3.19): filters nest local, local_name, remote, protocol in that order ("protocol { remote { .. } }
 * not allowed (use remote { protocol { .. } } instead)"), one protocol only; and inside a local,
 * local_name or remote filter no auth setting, passdb or userdb ("Auth settings not supported
 * inside local/remote blocks: passdb"): the auth process does not know the connection's addresses.
 * A network's mask is digits, at most 32 or 128 bits ("Invalid network mask: 33"), and a host
 * name must resolve when the file is read ("gethostbyname(x) failed", dovecotNet.ts).
 * tests/unit/dovecot-checks.test.ts asks the real doveconf.
 */
import { text, type Text } from '../feedback.js';
import { isFilterLabel } from './dovecotFilters.js';
import { placeOf, type IncludedPlace } from './dovecotIncludes.js';
import { readDovecotNet } from './dovecotNet.js';

/** Settings of the auth process, refused in local/remote/local_name: each asked of doveconf 2.3.19 with its default. */
export const AUTH_SETTINGS: ReadonlySet<string> = new Set(
  ('auth_anonymous_username auth_cache_negative_ttl auth_cache_size auth_cache_ttl auth_cache_verify_password_with_worker auth_debug ' +
    'auth_debug_passwords auth_default_realm auth_failure_delay auth_gssapi_hostname auth_krb5_keytab auth_master_user_separator ' +
    'auth_mechanisms auth_policy_check_after_auth auth_policy_check_before_auth auth_policy_hash_mech auth_policy_hash_nonce ' +
    'auth_policy_hash_truncate auth_policy_log_only auth_policy_reject_on_fail auth_policy_report_after_auth auth_policy_request_attributes ' +
    'auth_policy_server_api_header auth_policy_server_timeout_msecs auth_policy_server_url auth_proxy_self auth_realms ' +
    'auth_ssl_require_client_cert auth_ssl_username_from_cert auth_stats auth_use_winbind auth_username_chars auth_username_format ' +
    'auth_username_translation auth_verbose auth_verbose_passwords auth_winbind_helper_path auth_worker_max_count base_dir ' +
    'first_valid_gid first_valid_uid last_valid_gid last_valid_uid ssl_client_ca_dir ssl_client_ca_file verbose_proctitle passdb userdb').split(' '),
);

interface Placed {
  key?: string;
  name?: string;
  arg?: string;
  line: number;
  path: readonly string[];
  included?: IncludedPlace;
}

/** `included`: the refusal stands in a file an `!include` reads (its message names it). */
type Refusal = { line: number; key: string; said: string; next: Text; included?: IncludedPlace };

const kindOf = (label: string): string => label.split(/\s/, 1)[0]!;

/** What doveconf says of a filter `inner` opened inside the filters of `outer`, or undefined. */
function nestingProblem(outer: readonly string[], inner: string): string | undefined {
  const has = (kind: string): boolean => outer.some((l) => kindOf(l) === kind);
  const refuse = (o: string): string => `${o} { ${inner} { .. } } not allowed (use ${inner} { ${o} { .. } } instead)`;
  if (inner === 'protocol') return has('protocol') ? 'Nested protocol { protocol { .. } } block not allowed' : undefined;
  if (inner === 'local') return has('remote') ? refuse('remote') : has('protocol') ? refuse('protocol') : has('local_name') ? refuse('local_name') : undefined;
  if (inner === 'local_name') return has('remote') ? refuse('remote') : has('protocol') ? refuse('protocol') : undefined;
  return inner === 'remote' && has('protocol') ? refuse('protocol') : undefined;
}

export function filterPlaceProblems(settings: readonly Placed[], sections: readonly Placed[]): Refusal[] {
  const out: Refusal[] = [];
  const inNetworkFilter = (path: readonly string[]): boolean => path.length > 0 && path.every(isFilterLabel) && path.some((l) => kindOf(l) !== 'protocol');
  for (const x of sections) {
    const label = x.arg ? `${x.name} ${x.arg}` : x.name!;
    if (isFilterLabel(label) && x.path.every(isFilterLabel)) {
      const net = netProblem(x.name!, x.arg);
      if (net?.startsWith('Invalid network mask')) out.push({ line: x.line, ...placeOf(x), key: x.name!, said: net, next: text('After "/" write the number of bits of the network, e.g. "10.0.0.0/8" (at most 32 for IPv4, 128 for IPv6), or leave "/bits" out for one address.', '"/" 后面写网络的位数，例如 "10.0.0.0/8"（IPv4 最多 32，IPv6 最多 128）；只写一个地址时省略 "/位数"。') });
      else if (net) out.push({ line: x.line, ...placeOf(x), key: x.name!, said: net, next: text(`doveconf looks a host name up when it reads the file and refuses the whole file when the name does not resolve; where it does, only its first address counts, and a change in DNS is not seen. Write the address instead, e.g. "${x.name} 192.0.2.25 {" or "${x.name} 10.0.0.0/8 {".`, `doveconf 在读文件时查询主机名，名字解析不了就拒绝整个文件；即使能解析，也只用第一个地址，DNS 之后的变化它也看不到。请直接写地址，例如 "${x.name} 192.0.2.25 {" 或 "${x.name} 10.0.0.0/8 {"。`) });
      const said = nestingProblem(x.path, x.name!);
      if (said) out.push({ line: x.line, ...placeOf(x), key: x.name!, said, next: text('Write the filters in this order, outermost first: local, local_name, remote, protocol, e.g. "remote 10.0.0.0/8 { protocol imap { … } }".', '过滤段要按这个顺序从外到内嵌套：local、local_name、remote、protocol，例如 "remote 10.0.0.0/8 { protocol imap { … } }"。') });
    } else if (AUTH_SETTINGS.has(x.name!) && inNetworkFilter(x.path)) out.push(authProblem(x, x.name!));
  }
  for (const s of settings) if (AUTH_SETTINGS.has(s.key!) && inNetworkFilter(s.path)) out.push(authProblem(s, s.key!));
  return out;
}

/** config_parse_net's complaint about a local or remote network (dovecotNet.ts), if any. */
function netProblem(kind: string, arg: string | undefined): string | undefined {
  if (kind !== 'local' && kind !== 'remote') return undefined;
  const net = readDovecotNet(arg ?? '');
  return 'said' in net ? net.said : undefined;
}

function authProblem(at: Placed, key: string): Refusal {
  return {
    line: at.line,
    ...placeOf(at),
    key,
    said: `Auth settings not supported inside local/remote blocks: ${key}`,
    next: text(
      `The auth process does not know which address a connection came from, so ${key} cannot differ by local, local_name or remote: write it at the top level (or inside "protocol … { }").`,
      `认证进程不知道连接来自哪个地址，所以 ${key} 不能按 local、local_name 或 remote 区分：请写在顶层（或 "protocol … { }" 里）。`,
    ),
  };
}
