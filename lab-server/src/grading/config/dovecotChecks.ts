/**
 * The checks doveconf 2.3 makes once the whole file is read (the *_settings_check functions the
 * settings of auth, imap, pop3, lmtp, submission, mail storage, master and SSL carry, 2.3.19):
 * values each readable alone that Dovecot refuses, alone or beside another
 * ("auth_worker_max_count = 0", "first_valid_uid" above "last_valid_uid"). They judge the values
 * that stand at the end (a later line can mend an earlier one), at the top level and in each
 * protocol, local and remote filter, which sees the top level's values under its own. Each check
 * names doveconf's own complaint; tests/unit/dovecot-checks.test.ts asks the real doveconf.
 */
import { text, type Text } from '../feedback.js';
import { settingSection } from './dovecotBooleans.js';
import { filterConflicts } from './dovecotConflicts.js';
import { placeOf, type IncludedPlace } from './dovecotIncludes.js';
import { EVENT_FILTER_NEXT, eventFilterProblem } from './dovecotEventFilter.js';
import { filterPlaceProblems } from './dovecotFilterPlaces.js';
import { bySpecificity, filterMatches, filterOf } from './dovecotFilters.js';
import { namespaceProblems, type SectionProblem } from './dovecotNamespaces.js';
import { protocolsByPath } from './dovecotProtocols.js';
import { sectionSettings } from './dovecotSections.js';
import { dovecotServiceChecks } from './dovecotServices.js';
import { statsProblems } from './dovecotStats.js';
import { dovecotSeconds, dovecotSize } from './dovecotValues.js';
import { SYSTEM_USERS } from './systemAccounts.js';
import { DOVECOT_LIST_CHECKS, wordsOf, type DovecotRefusal, type ScopeValue } from './dovecotWordLists.js';

/** A setting and a section as dovecotConf.ts reads them (the parts the checks need). */
interface DovecotSetting {
  key: string;
  value: string;
  line: number;
  path: readonly string[];
  quoted?: boolean;
  fromFile?: boolean;
  included?: IncludedPlace;
}

/** doveconf -n checks "key = <file" as the text "<file" (it reads no file): "log_debug = <x" is a filter error. */
const valueOf = (s: DovecotSetting | undefined): string | undefined => (s?.fromFile ? `<${s.value}` : s?.value);

interface DovecotSection {
  name: string;
  arg?: string;
  line: number;
  path: readonly string[];
  included?: IncludedPlace;
}

const DEFAULTS: Record<string, string> = {
  auth_worker_max_count: '30', auth_cache_size: '0', auth_verbose_passwords: 'no', auth_policy_server_url: '', auth_policy_hash_nonce: '',
  auth_policy_hash_mech: 'sha256', auth_policy_hash_truncate: '12', director_user_expire: '15 mins', dsync_hashed_headers: 'Date Message-ID',
  dsync_alt_char: '_', ssl: 'yes', ssl_verify_client_cert: 'no', ssl_ca: '', imapc_max_idle_time: '29 mins', mailbox_idle_check_interval: '30 secs',
  mail_nfs_index: 'no', mmap_disable: 'no', mail_fsync: 'optimized', mail_cache_max_size: '1G', mail_cache_purge_delete_percentage: '20',
  pop3_uidl_format: '%08Xu%08Xv', mail_attachment_hash: '%{sha1}', listen: '*, ::', first_valid_uid: '500', last_valid_uid: '0',
  first_valid_gid: '1', last_valid_gid: '0', pop3_delete_type: 'default', pop3_deleted_flag: '', syslog_facility: 'mail',
  default_login_user: 'dovenull', default_internal_user: 'dovecot',
};

const HASH_BITS: Record<string, number> = { md4: 128, md5: 128, sha1: 160, sha256: 256, sha384: 384, sha512: 512, 'sha3-256': 256, 'sha3-512': 512, size: 64 };

const refuse = (key: string, said: string, en: string, zh: string): DovecotRefusal => ({ key, said, next: text(en, zh) });
const num = (v: string): bigint | undefined => (/^\d+$/.test(v) ? BigInt(v) : undefined);

/** Checks on one scope's values, in the order Dovecot runs them (the first failing one is what doveconf says). */
const SCOPE_CHECKS: Array<(get: ScopeValue) => DovecotRefusal | undefined> = [
  (get) => (num(get('auth_worker_max_count')) === 0n ? refuse('auth_worker_max_count', 'auth_worker_max_count must be above zero', 'Remove the line (the default is 30) or allow at least 1 auth worker process.', '删掉这一行（默认是 30），或者至少允许 1 个 auth worker 进程。') : undefined),
  (get) => {
    // A bare number is old megabytes: doveconf only warns. With a unit it is bytes.
    const v = get('auth_cache_size');
    const size = /^\d+$/.test(v) ? undefined : dovecotSize(v);
    return size !== undefined && size > 0n && size < 1024n ? refuse('auth_cache_size', `auth_cache_size value is too small (${size} bytes)`, 'Write the size with its unit, e.g. "auth_cache_size = 10M", or 0 for no cache.', '写出大小的单位，例如 "auth_cache_size = 10M"，或者写 0 表示不用缓存。') : undefined;
  },
  (get) => {
    const [value, truncate] = splitOnce(get('auth_verbose_passwords'), ':');
    const next = ['Write no, plain, sha1 or yes, optionally with ":" and a length above 0, e.g. "sha1:6".', '请写 no、plain、sha1 或 yes，可以加 ":" 和一个大于 0 的长度，例如 "sha1:6"。'] as const;
    if (truncate !== undefined && !(num(truncate)! > 0n && num(truncate)! <= 4294967295n)) return refuse('auth_verbose_passwords', `auth_verbose_passwords: Invalid truncation number: '${truncate}'`, ...next);
    return ['no', 'plain', 'sha1', 'yes'].includes(value) ? undefined : refuse('auth_verbose_passwords', 'auth_verbose_passwords: Invalid value', ...next);
  },
  (get) => {
    if (get('auth_policy_server_url') === '') return undefined;
    if (get('auth_policy_hash_nonce') === '') return refuse('auth_policy_server_url', 'auth_policy_hash_nonce must be set when policy server is used', 'Set auth_policy_hash_nonce to a secret string, or remove auth_policy_server_url.', '给 auth_policy_hash_nonce 设置一个保密的字符串，或者删掉 auth_policy_server_url。');
    const bits = HASH_BITS[get('auth_policy_hash_mech')];
    if (bits === undefined) return refuse('auth_policy_hash_mech', 'invalid auth_policy_hash_mech given', `Use one of ${Object.keys(HASH_BITS).join(', ')} (the default is sha256).`, `请用 ${Object.keys(HASH_BITS).join('、')} 之一（默认是 sha256）。`);
    const truncate = num(get('auth_policy_hash_truncate')) ?? 0n;
    return truncate > 0n && truncate >= BigInt(bits) ? refuse('auth_policy_hash_truncate', `policy_hash_truncate is not smaller than digest size (${truncate} >= ${bits})`, `Keep auth_policy_hash_truncate below ${bits} bits (the default is 12).`, `auth_policy_hash_truncate 要小于 ${bits} 位（默认是 12）。`) : undefined;
  },
  (get) => ((dovecotSeconds(get('director_user_expire')) ?? 10n) < 10n ? refuse('director_user_expire', 'director_user_expire is too low', 'Give it at least 10 seconds (the default is 15 mins).', '至少写 10 秒（默认是 15 mins）。') : undefined),
  (get) => (get('dsync_hashed_headers').trim() === '' ? refuse('dsync_hashed_headers', 'dsync_hashed_headers must not be empty', 'Remove the line (the default is "Date Message-ID").', '删掉这一行（默认是 "Date Message-ID"）。') : undefined),
  (get) => (get('dsync_alt_char') === '' ? refuse('dsync_alt_char', 'dsync_alt_char must not be empty', 'Remove the line (the default is "_").', '删掉这一行（默认是 "_"）。') : undefined),
  ...DOVECOT_LIST_CHECKS,
  (get) => {
    const v = get('syslog_facility');
    return SYSLOG.includes(v) ? undefined : refuse('syslog_facility', `Unknown syslog_facility: ${v}`, `Write one of ${SYSLOG.join(', ')}, in lower case (the default is mail).`, `请写 ${SYSLOG.join('、')} 之一，小写（默认是 mail）。`);
  },
  // master_service_settings_check parses the three event filters right after the facility.
  ...['log_debug', 'log_core_filter', 'process_shutdown_filter'].map((key) => (get: ScopeValue) => {
    const said = eventFilterProblem(get(key));
    return said === undefined ? undefined : refuse(key, `Invalid ${key}: ${said}`, ...EVENT_FILTER_NEXT);
  }),
  (get) => {
    if (get('ssl') === 'no' || get('ssl_verify_client_cert') !== 'yes' || get('ssl_ca') !== '') return undefined;
    return refuse('ssl_verify_client_cert', 'ssl_verify_client_cert set, but ssl_ca not', 'Give the CA that signs the clients\' certificates ("ssl_ca = </etc/dovecot/ca.pem"), or remove ssl_verify_client_cert.', '给出签发客户端证书的 CA（"ssl_ca = </etc/dovecot/ca.pem"），或者删掉 ssl_verify_client_cert。');
  },
  (get) => {
    if (get('ssl') === 'no') return undefined;
    const bad = wordsOf(get('ssl_options'), /[ ,]+/).find((o) => !['compression', 'no_compression', 'no_ticket'].includes(o.toLowerCase()));
    return bad === undefined ? undefined : refuse('ssl_options', `ssl_options: unknown flag: '${bad}'`, 'ssl_options takes compression and no_ticket; remove the other words.', 'ssl_options 只接受 compression 和 no_ticket；删掉其他的词。');
  },
  (get) => (dovecotSeconds(get('imapc_max_idle_time')) === 0n ? refuse('imapc_max_idle_time', 'imapc_max_idle_time must not be 0', 'Remove the line (the default is 29 mins) or give a time above 0.', '删掉这一行（默认是 29 mins），或者写一个大于 0 的时间。') : undefined),
  (get) => (dovecotSeconds(get('mailbox_idle_check_interval')) === 0n ? refuse('mailbox_idle_check_interval', 'mailbox_idle_check_interval must not be 0', 'Remove the line (the default is 30 secs) or give a time above 0, e.g. "30 secs".', '删掉这一行（默认是 30 secs），或者写一个大于 0 的时间，例如 "30 secs"。') : undefined),
  (get) => {
    if (get('mail_nfs_index') !== 'yes') return undefined;
    if (get('mmap_disable') !== 'yes') return refuse('mail_nfs_index', 'mail_nfs_index=yes requires mmap_disable=yes', 'Set mmap_disable = yes and mail_fsync = always with it, or remove mail_nfs_index (the lab\'s mail is on a local disk).', '同时设置 mmap_disable = yes 和 mail_fsync = always，或者删掉 mail_nfs_index（实验环境的邮件在本地磁盘上）。');
    return get('mail_fsync') === 'always' ? undefined : refuse('mail_nfs_index', 'mail_nfs_index=yes requires mail_fsync=always', 'Set mail_fsync = always with it, or remove mail_nfs_index.', '同时设置 mail_fsync = always，或者删掉 mail_nfs_index。');
  },
  (get) => ((dovecotSize(get('mail_cache_max_size')) ?? 0n) > 1024n ** 3n ? refuse('mail_cache_max_size', "mail_cache_max_size can't be over 1 GB", 'Give 1G or less (the default is 1G).', '最多写 1G（默认就是 1G）。') : undefined),
  (get) => ((num(get('mail_cache_purge_delete_percentage')) ?? 0n) > 100n ? refuse('mail_cache_purge_delete_percentage', "mail_cache_purge_delete_percentage can't be over 100", 'Give a percentage from 0 to 100 (the default is 20).', '请写 0 到 100 之间的百分比（默认是 20）。') : undefined),
  (get) => {
    const said = uidlFormatProblem(get('pop3_uidl_format'));
    return said === undefined ? undefined : refuse('pop3_uidl_format', said, 'Build it from %u (the UID), %v (UIDVALIDITY), %m, %f or %g, e.g. the default "%08Xu%08Xv"; "%%" is a percent sign.', '用 %u（UID）、%v（UIDVALIDITY）、%m、%f 或 %g 组成，例如默认的 "%08Xu%08Xv"；"%%" 表示百分号。');
  },
  (get) => {
    const said = attachmentHashProblem(get('mail_attachment_hash'));
    return said === undefined ? undefined : refuse('mail_attachment_hash', said, 'Write a hash such as "%{sha1}" or "%{sha256}" (the default is %{sha1}), with no "/" or "-".', '请写一个哈希，例如 "%{sha1}" 或 "%{sha256}"（默认是 %{sha1}），不能含 "/" 或 "-"。');
  },
  (get) => {
    if (get('listen') !== '') return undefined;
    return refuse('listen', "listen can't be set empty", 'Give the addresses to listen on, e.g. "listen = *, ::" (the default), or remove the line.', '写出要监听的地址，例如 "listen = *, ::"（默认值），或者删掉这一行。');
  },
  (get) => validRange(get, 'uid'),
  (get) => validRange(get, 'gid'),
  (get) => {
    for (const key of ['default_login_user', 'default_internal_user']) {
      const user = get(key);
      if (!SYSTEM_USERS.has(user)) return refuse(key, `${key} doesn't exist: ${user}`, `Name an account the machine has: the default is ${DEFAULTS[key]}.`, `请写机器上已有的账号：默认是 ${DEFAULTS[key]}。`);
    }
    return undefined;
  },
  (get) => {
    if (get('pop3_delete_type') !== 'flag' || get('pop3_deleted_flag') !== '') return undefined;
    return refuse('pop3_delete_type', 'pop3_delete_type=flag, but pop3_deleted_flag not set', 'Name the flag with pop3_deleted_flag, in quotes so that Dovecot does not read it as a variable (e.g. pop3_deleted_flag = "$POP3Deleted"), or remove pop3_delete_type.', '用 pop3_deleted_flag 写出标志名，并加上引号，免得 Dovecot 把它当作变量（例如 pop3_deleted_flag = "$POP3Deleted"），或者删掉 pop3_delete_type。');
  },
];

const SYSLOG = ['auth', 'authpriv', 'cron', 'daemon', 'ftp', 'kern', 'lpr', 'mail', 'news', 'syslog', 'uucp', 'user', ...Array.from({ length: 8 }, (_, i) => `local${i}`)];

function splitOnce(value: string, sep: string): [string, string | undefined] {
  const at = value.indexOf(sep);
  return at < 0 ? [value, undefined] : [value.slice(0, at), value.slice(at + 1)];
}

function validRange(get: ScopeValue, id: 'uid' | 'gid'): DovecotRefusal | undefined {
  const first = num(get(`first_valid_${id}`));
  const last = num(get(`last_valid_${id}`));
  if (first === undefined || last === undefined || last === 0n || first <= last) return undefined;
  return { also: `last_valid_${id}`, ...refuse(`first_valid_${id}`, `first_valid_${id} can't be larger than last_valid_${id}`, `Make last_valid_${id} at least first_valid_${id} (${first}), or 0 for no upper limit; the mail ${id} (vmail's, e.g. 5000) must lie between them.`, `让 last_valid_${id} 不小于 first_valid_${id}（${first}），或者写 0 表示没有上限；邮件用的 ${id}（vmail 的，例如 5000）必须在两者之间。`) };
}

/** mail_storage_settings_check's reading of pop3_uidl_format: each %-variable after its modifiers. */
function uidlFormatProblem(format: string): string | undefined {
  let found = false;
  for (let i = 0; i < format.length; i++) {
    if (format[i] !== '%' || i + 1 >= format.length) continue;
    i++;
    // var_get_key: [offset.]width, then modifiers, then the key (or "{" for a long one).
    const m = /^[0-9-]*(?:\.[0-9-]*)?[LUEXRHNMDT]*/.exec(format.slice(i))!;
    const key = format[i + m[0].length] ?? '';
    if ('vumfg'.includes(key) && key !== '') found = true;
    else if (key !== '%') return `Unknown pop3_uidl_format variable: %${key}`;
  }
  return found ? undefined : "pop3_uidl_format setting doesn't contain any %% variables.";
}

/** hash_format_init's reading of mail_attachment_hash: %{method[:bits]}, %B{...}, %X{...}. */
function attachmentHashProblem(format: string): string | undefined {
  if (format.includes('/')) return "mail_attachment_hash setting must not contain '/' characters";
  for (let i = 0; i < format.length; i++) {
    if (format[i] !== '%') continue;
    i++;
    if (format[i] === 'B' || format[i] === 'X') i++;
    if (format[i++] !== '{') return "Invalid mail_attachment_hash setting: No '{' after '%'";
    const end = format.indexOf('}', i);
    if (end < 0) return "Invalid mail_attachment_hash setting: Missing '}'";
    const [name, bits] = splitOnce(format.slice(i, end), ':');
    const max = HASH_BITS[name];
    if (max === undefined) return `Invalid mail_attachment_hash setting: Unknown hash method: ${name}`;
    if (bits !== undefined) {
      const n = num(bits);
      if (n === undefined || n === 0n || n > BigInt(max)) return `Invalid mail_attachment_hash setting: Invalid :bits number: ${bits}`;
      if (n % 8n !== 0n) return `Invalid mail_attachment_hash setting: Currently :bits must be divisible by 8: ${bits}`;
    }
    i = end;
  }
  return format.includes('-') ? "mail_attachment_hash setting must not contain '-' characters" : undefined;
}

const FILTER = /^(protocol|local|remote|local_name)(\s|$)/;

/** Settings by the sections they stand in, read once: a file of thousands of sections stays one pass. */
function byPath(settings: readonly DovecotSetting[]): Map<string, DovecotSetting[]> {
  const index = new Map<string, DovecotSetting[]>();
  for (const s of settings) {
    const key = s.path.join('\n');
    const list = index.get(key);
    if (list) list.push(s);
    else index.set(key, [s]);
  }
  return index;
}

/**
 * The scopes doveconf checks: the top level and each filter path, with the values each sees: its
 * own, then those of every filter that matches it (dovecotFilters.ts: "protocol !pop3" serves
 * "protocol imap"), the more specific value winning, and its own over all. Filters that see the
 * same ones share a scope.
 */
function scopes(index: Map<string, DovecotSetting[]>, protocols: Map<string, string>): Array<Map<string, DovecotSetting>> {
  const holders = [...index.entries()]
    .map(([key, settings]) => ({ path: key === '' ? [] : key.split('\n'), settings }))
    .filter(({ path }) => path.every((p) => FILTER.test(p)))
    .map((h) => ({ ...h, filter: filterOf(h.path) }))
    // The least specific first (a stable sort): a later holder's value wins.
    .sort((a, b) => bySpecificity(b.filter, a.filter))
    .map((h, at) => ({ ...h, at }));
  const views = new Map<string, Map<string, DovecotSetting>>();
  for (const own of holders) {
    // Its own values last: they win over those of a filter as specific ("protocol !pop3" in "protocol imap").
    const seen = [...holders.filter((h) => h !== own && filterMatches(h.filter, own.filter)), own];
    const key = seen.map((h) => h.at).join(',');
    if (views.has(key)) continue;
    const values = new Map<string, DovecotSetting>();
    for (const h of seen) {
      for (const s of h.settings) {
        // In a filter, doveconf turns listen into the login services' listener addresses (old-set-parser.c).
        if (!(h.path.length > 0 && s.key === 'listen')) values.set(s.key, s);
      }
    }
    // protocols with $protocols read as doveconf reads it (one reading, in dovecotProtocols.ts).
    const written = values.get('protocols');
    if (written) values.set('protocols', { ...written, value: protocols.get(written.path.join('\n')) ?? written.value });
    views.set(key, values);
  }
  return [...views.values()];
}

/** Checks on a namespace, a mailbox or a passdb section's own values. */
function sectionProblems(settings: readonly DovecotSetting[], sections: readonly DovecotSection[]): SectionProblem[] {
  const owned = sectionSettings(settings, sections);
  const own = (x: DovecotSection): ReadonlyMap<string, DovecotSetting> => owned.get(x) ?? new Map();
  const out = [...namespaceProblems(sections, owned), ...statsProblems(sections, owned)];
  for (const x of sections.filter((s) => s.name === 'mailbox' && settingSection(s.path) === 'namespace')) {
    const use = own(x).get('special_use');
    const bad = use && wordsOf(use.value, / +/).find((u) => !/^\\(all|archive|drafts|flagged|important|junk|sent|trash)$/i.test(u));
    if (use && bad !== undefined) out.push({ setting: use, line: x.line, said: `mailbox ${x.arg ?? ''}: unknown special_use: ${bad}`, next: text('special_use takes \\All, \\Archive, \\Drafts, \\Flagged, \\Important, \\Junk, \\Sent or \\Trash, with the backslash, e.g. "special_use = \\Sent".', 'special_use 只接受 \\All、\\Archive、\\Drafts、\\Flagged、\\Important、\\Junk、\\Sent 或 \\Trash，要带反斜杠，例如 "special_use = \\Sent"。') });
  }
  for (const x of sections.filter((s) => s.name === 'passdb')) {
    const set = own(x);
    if (set.get('pass')?.value === 'yes' && (set.get('result_success')?.value ?? 'return-ok') !== 'return-ok') {
      out.push({ setting: set.get('pass'), line: x.line, said: 'Obsolete pass=yes setting mixed with non-default result_success', next: text('Remove "pass = yes" and say it with result_success alone.', '删掉 "pass = yes"，只用 result_success 表达。') });
    }
  }
  return out;
}

/** What doveconf 2.3 refuses the whole file for after reading it, each at the line that sets it; empty when it takes the file. */
export function dovecotSettingsChecks(settings: readonly DovecotSetting[], sections: readonly DovecotSection[]): Array<{ line: number; message: Text; included?: IncludedPlace }> {
  const out = new Map<string, { line: number; message: Text; included?: IncludedPlace }>();
  // `from`: the setting the refusal stands at, when it is known (it may be an included file's).
  const say = (line: number, key: string, said: string, next: Text, from?: { included?: IncludedPlace }): void => {
    if (out.has(said)) return;
    out.set(said, {
      line,
      ...placeOf(from ?? {}),
      message: text(`${key}: doveconf refuses the whole file once it is read ("${said}"). ${next.en}`, `${key}：doveconf 读完文件后会拒绝整个文件（"${said}"）。${next['zh-CN']}`),
    });
  };
  const index = byPath(settings);
  if (!index.has('')) index.set('', []);
  const all = scopes(index, protocolsByPath(settings));
  for (const scope of all) {
    const get: ScopeValue = (key) => valueOf(scope.get(key)) ?? DEFAULTS[key] ?? '';
    for (const check of SCOPE_CHECKS) {
      const refused = check(get);
      const at = refused && (scope.get(refused.key) ?? scope.get(refused.also ?? ''));
      if (refused) say(at ? at.line : 0, refused.key, refused.said, refused.next, at || undefined);
    }
  }
  const scopeValues = all.map((scope) => (key: string): string => scope.get(key)?.value ?? DEFAULTS[key] ?? '');
  // Not placed in an included file: doveconf names no line for these (a duplicate listener is a pair).
  for (const r of dovecotServiceChecks(settings, sections, scopeValues)) say(r.line, r.key, r.said, r.next);
  for (const c of [...filterPlaceProblems(settings, sections), ...filterConflicts(settings, sections)]) say(c.line, c.key, c.said, c.next, c);
  for (const p of sectionProblems(settings, sections)) say(p.setting?.line ?? p.line, p.setting?.key ?? p.key ?? 'namespace', p.said, p.next, p.setting);
  return [...out.values()];
}
