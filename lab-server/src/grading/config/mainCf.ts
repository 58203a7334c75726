/**
 * A parser for Postfix main.cf as postconf(5) describes it: `name = value`, a line that starts
 * with whitespace continues the one before, lines whose first non-blank character is `#` are
 * ignored, the last definition of a name wins, and `$name`, `${name}`, `$(name)`,
 * `${name?text}`, `${name:text}` expand when the value is used. Never throws.
 */
import { text, type Text } from '../feedback.js';
import { references } from './mainCfReferences.js';

export interface MainCfEntry {
  name: string;
  value: string;
  line: number;
}

export interface MainCfProblem {
  level: 'warn' | 'error';
  line: number;
  message: Text;
}

/**
 * Defaults of the parameters the lab's graders look at (Postfix 3.7 as Debian builds it,
 * compatibility_level 3.6), including the built-in directories that main.cf values refer to
 * as $config_directory, $queue_directory, ...
 */
export const POSTFIX_DEFAULTS: Record<string, string> = {
  config_directory: '/etc/postfix',
  queue_directory: '/var/spool/postfix',
  command_directory: '/usr/sbin',
  daemon_directory: '/usr/lib/postfix/sbin',
  data_directory: '/var/lib/postfix',
  meta_directory: '/etc/postfix',
  shlib_directory: '/usr/lib/postfix',
  sample_directory: '/etc/postfix',
  manpage_directory: '/usr/share/man',
  readme_directory: 'no',
  html_directory: 'no',
  mail_spool_directory: '/var/mail',
  mail_owner: 'postfix',
  setgid_group: 'postdrop',
  sendmail_path: '/usr/sbin/sendmail',
  newaliases_path: '/usr/bin/newaliases',
  mailq_path: '/usr/bin/mailq',
  alias_maps: 'hash:/etc/aliases',
  alias_database: 'hash:/etc/aliases',
  virtual_uid_maps: '',
  virtual_gid_maps: '',
  virtual_minimum_uid: '100',
  message_size_limit: '10240000',
  mailbox_size_limit: '51200000',
  virtual_mailbox_limit: '51200000',
  myhostname: 'mail.example.com',
  mydomain: '', // derived from myhostname below
  myorigin: '$myhostname',
  mydestination: '$myhostname, localhost.$mydomain, localhost',
  mynetworks: '127.0.0.0/8 [::1]/128',
  relay_domains: '',
  inet_interfaces: 'all',
  virtual_mailbox_domains: '$virtual_mailbox_maps',
  virtual_mailbox_maps: '',
  virtual_mailbox_base: '',
  virtual_alias_domains: '$virtual_alias_maps',
  virtual_alias_maps: '$virtual_maps',
  virtual_maps: '',
  virtual_transport: 'virtual',
  smtpd_client_restrictions: '',
  smtpd_helo_restrictions: '',
  smtpd_sender_restrictions: '',
  smtpd_relay_restrictions: 'permit_mynetworks, permit_sasl_authenticated, defer_unauth_destination',
  smtpd_recipient_restrictions: '',
  smtpd_sasl_auth_enable: 'no',
  smtpd_sasl_type: 'cyrus',
  smtpd_sasl_path: 'smtpd',
  smtpd_tls_security_level: '',
  smtpd_tls_auth_only: 'no',
};

/** Parameter names postconf knows, to catch typos (a misspelt name is silently unused). */
export const KNOWN_PARAMETERS = new Set([
  ...Object.keys(POSTFIX_DEFAULTS),
  'compatibility_level', 'alias_maps', 'alias_database', 'home_mailbox', 'mail_spool_directory', 'mailbox_command', 'mailbox_transport',
  'local_recipient_maps', 'local_transport', 'mailbox_size_limit', 'message_size_limit', 'recipient_delimiter', 'biff', 'append_dot_mydomain',
  'readme_directory', 'queue_directory', 'command_directory', 'daemon_directory', 'data_directory', 'mail_owner', 'setgid_group',
  'html_directory', 'manpage_directory', 'sample_directory', 'sendmail_path', 'newaliases_path', 'mailq_path', 'inet_protocols',
  'proxy_interfaces', 'relayhost', 'relay_recipient_maps', 'transport_maps', 'sender_canonical_maps', 'recipient_canonical_maps',
  'canonical_maps', 'virtual_uid_maps', 'virtual_gid_maps', 'virtual_minimum_uid', 'virtual_mailbox_limit', 'virtual_mailbox_lock',
  'smtpd_banner', 'smtpd_helo_required', 'smtpd_delay_reject', 'smtpd_data_restrictions', 'smtpd_end_of_data_restrictions',
  'smtpd_etrn_restrictions', 'smtpd_sasl_security_options', 'smtpd_sasl_tls_security_options', 'smtpd_sasl_local_domain',
  'smtpd_sasl_authenticated_header', 'broken_sasl_auth_clients', 'smtpd_tls_cert_file', 'smtpd_tls_key_file', 'smtpd_tls_chain_files',
  'smtpd_tls_CAfile', 'smtpd_tls_CApath', 'smtpd_use_tls', 'smtpd_enforce_tls', 'smtpd_tls_loglevel', 'smtpd_tls_received_header',
  'smtpd_tls_session_cache_database', 'smtpd_tls_mandatory_protocols', 'smtpd_tls_protocols', 'smtpd_tls_mandatory_ciphers',
  'smtpd_tls_wrappermode', 'smtp_tls_security_level', 'smtp_tls_CAfile', 'smtp_tls_session_cache_database', 'smtp_tls_loglevel',
  'smtp_sasl_auth_enable', 'smtp_sasl_password_maps', 'smtp_sasl_security_options', 'smtpd_milters', 'non_smtpd_milters',
  'milter_default_action', 'milter_protocol', 'mynetworks_style', 'smtpd_client_connection_count_limit', 'smtpd_client_connection_rate_limit',
  'smtpd_client_message_rate_limit', 'smtpd_recipient_limit', 'smtpd_error_sleep_time', 'smtpd_soft_error_limit', 'smtpd_hard_error_limit',
  'smtpd_sender_login_maps', 'smtpd_tls_ask_ccert', 'smtpd_tls_req_ccert', 'disable_vrfy_command', 'strict_rfc821_envelopes',
  'maximal_queue_lifetime', 'bounce_queue_lifetime', 'delay_warning_time', 'unknown_local_recipient_reject_code', 'notify_classes',
  'header_checks', 'body_checks', 'default_database_type', 'smtputf8_enable', 'meta_directory', 'shlib_directory', 'maillog_file',
  'postscreen_access_list', 'postscreen_dnsbl_sites', 'postscreen_greet_action', 'dovecot_destination_recipient_limit',
  'lmtp_destination_recipient_limit', 'virtual_destination_recipient_limit', 'soft_bounce', 'always_bcc', 'smtpd_authorized_xclient_hosts',
  'anvil_rate_time_unit', 'smtpd_client_recipient_rate_limit', 'smtpd_client_auth_rate_limit', 'smtpd_client_new_tls_session_rate_limit',
  'smtpd_client_event_limit_exceptions', 'smtp_tls_protocols', 'smtp_tls_mandatory_protocols', 'smtpd_tls_exclude_ciphers', 'tls_preempt_cipherlist',
  'smtpd_tls_dh1024_param_file', 'lmtp_tls_security_level', 'smtp_tls_loglevel', 'milter_mail_macros', 'milter_connect_macros', 'smtp_use_tls',
  'smtpd_restriction_classes',
]);

export class MainCf {
  constructor(
    readonly entries: MainCfEntry[],
    readonly problems: MainCfProblem[],
  ) {}

  /** The last definition of a name, as Postfix uses it. */
  entry(name: string): MainCfEntry | undefined {
    for (let i = this.entries.length - 1; i >= 0; i--) if (this.entries[i]!.name === name) return this.entries[i];
    return undefined;
  }

  isSet(name: string): boolean {
    return this.entry(name) !== undefined;
  }

  /** The raw value: the learner's, or Postfix's default. */
  raw(name: string): string {
    const set = this.entry(name);
    if (set) return set.value;
    if (name === 'mydomain') return this.expand('myhostname').split('.').slice(1).join('.') || 'localdomain';
    return POSTFIX_DEFAULTS[name] ?? '';
  }

  /** The value with every $name expanded. Unknown names expand to nothing. */
  expand(name: string): string {
    return this.expandText(this.raw(name), 0, new Set([name]));
  }

  /** An expanded value split as Postfix splits lists: commas and/or whitespace. */
  list(name: string): string[] {
    return this.expand(name).split(/[\s,]+/).filter(Boolean);
  }

  /**
   * Expands $name references in a value. `budget` bounds the work of one expansion (references
   * followed plus characters made): "a = $b $b", "b = $c $c", ... doubles at every step, and
   * must not keep the lab busy (parseMainCf reports such a value as an error).
   */
  expandText(value: string, depth = 0, stack = new Set<string>(), budget = { left: MAX_EXPANSION }): string {
    if (depth > 20 || budget.left <= 0) return '';
    let out = '';
    let at = 0;
    for (const r of references(value)) {
      out += value.slice(at, r.start);
      at = r.end;
      if (r.dollar) {
        out += '$';
        continue;
      }
      const name = r.name!;
      if (stack.has(name) || --budget.left <= 0) continue;
      const inner = this.expandText(this.raw(name), depth + 1, new Set([...stack, name]), budget);
      let made = inner;
      if (r.op === '?') made = inner !== '' ? this.expandText(r.arg!, depth + 1, stack, budget) : '';
      if (r.op === ':') made = inner === '' ? this.expandText(r.arg!, depth + 1, stack, budget) : '';
      budget.left -= made.length;
      if (budget.left > 0) out += made;
    }
    return out + value.slice(at);
  }

  /**
   * How long a value becomes once expanded, at most MAX_EXPANSION + 1, without expanding it:
   * each parameter's length is worked out once, so a value that doubles at every step costs
   * a step each.
   */
  expandedLength(value: string, known = new Map<string, number>(), stack = new Set<string>()): number {
    if (stack.size > 21) return 0; // as deep as expandText goes
    const refs = references(value);
    let total = refs.reduce((left, r) => left - (r.end - r.start), value.length);
    for (const r of refs) {
      if (r.dollar) {
        total += 1;
        continue;
      }
      const name = r.name!;
      const arg = r.arg ?? '';
      if (stack.has(name)) continue;
      let inner = known.get(name);
      if (inner === undefined) {
        stack.add(name);
        inner = this.expandedLength(this.raw(name), known, stack);
        stack.delete(name);
        known.set(name, inner);
      }
      total += r.op ? Math.max(inner, this.expandedLength(arg, known, stack)) : inner;
      if (total > MAX_EXPANSION) return MAX_EXPANSION + 1;
    }
    return total;
  }
}

/** The most characters one parameter may become once its $names are expanded. */
export const MAX_EXPANSION = 100_000;

function editDistance(a: string, b: string): number {
  const dp = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) dp[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      dp[i]![j] = Math.min(dp[i - 1]![j]! + 1, dp[i]![j - 1]! + 1, dp[i - 1]![j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
  }
  return dp[a.length]![b.length]!;
}

export function closestParameter(name: string): string | undefined {
  let best: string | undefined;
  let bestDistance = 4;
  for (const known of KNOWN_PARAMETERS) {
    // The length difference is a lower bound of the distance: a long made-up name costs nothing.
    if (Math.abs(known.length - name.length) >= bestDistance) continue;
    const d = editDistance(name, known);
    if (d < bestDistance) {
      best = known;
      bestDistance = d;
    }
  }
  return best;
}

/** Parses main.cf text. Never throws. */
export function parseMainCf(source: string): MainCf {
  const entries: MainCfEntry[] = [];
  const problems: MainCfProblem[] = [];
  try {
    const lines = source.split('\n');
    let current: MainCfEntry | undefined;
    lines.forEach((rawLine, index) => {
      const line = rawLine.replace(/\r$/, '');
      const number = index + 1;
      if (/^\s*$/.test(line) || /^\s*#/.test(line)) return;
      if (/^\s/.test(line)) {
        if (!current) {
          problems.push({ level: 'error', line: number, message: text('This line starts with whitespace, which continues the previous setting, but there is none. Remove the leading spaces.', '这一行以空白开头，表示续接上一个参数，但前面没有参数。删掉行首的空格。') });
          return;
        }
        current.value = `${current.value} ${line.trim()}`.trim();
        return;
      }
      const m = /^([A-Za-z0-9_.-]+)\s*=\s*(.*)$/.exec(line);
      if (!m) {
        current = undefined;
        problems.push({ level: 'error', line: number, message: text(`"${line.trim().slice(0, 60)}" is not "name = value": Postfix ignores this line.`, `"${line.trim().slice(0, 60)}" 不是 "名字 = 值" 的形式：Postfix 会忽略这一行。`) });
        return;
      }
      current = { name: m[1]!, value: m[2]!.trim(), line: number };
      entries.push(current);
    });
    // Restriction classes are parameters named by the learner.
    const classes = new Set(entries.filter((e) => e.name === 'smtpd_restriction_classes').flatMap((e) => e.value.split(/[\s,]+/)));
    for (const entry of entries) {
      if (/(^|\s)#/.test(entry.value)) {
        problems.push({ level: 'warn', line: entry.line, message: text(`"#" after a value is NOT a comment in main.cf: it becomes part of ${entry.name}. Put comments on their own line.`, `main.cf 里值后面的 "#" 不是注释：它会成为 ${entry.name} 值的一部分。注释要单独成行。`) });
      }
      if (!KNOWN_PARAMETERS.has(entry.name) && !classes.has(entry.name)) {
        const guess = closestParameter(entry.name);
        problems.push({
          level: 'warn',
          line: entry.line,
          message: guess
            ? text(`Postfix has no parameter "${entry.name}" (did you mean "${guess}"?); an unknown name is silently unused.`, `Postfix 没有参数 "${entry.name}"（是不是想写 "${guess}"？）；不认识的参数会被静默忽略。`)
            : text(`"${entry.name}" is not a Postfix parameter the lab knows; if it is misspelt, Postfix silently ignores it.`, `"${entry.name}" 不是实验环境认识的 Postfix 参数；如果拼错了，Postfix 会静默忽略它。`),
        });
      }
    }
    const seen = new Map<string, number>();
    for (const entry of entries) {
      const before = seen.get(entry.name);
      if (before !== undefined) {
        problems.push({ level: 'warn', line: entry.line, message: text(`${entry.name} is set again (first on line ${before}); the last one wins, the earlier value is ignored.`, `${entry.name} 又设置了一次（第一次在第 ${before} 行）；以最后一次为准，前面的值被忽略。`) });
      }
      seen.set(entry.name, entry.line);
    }
    const cf = new MainCf(entries, problems);
    const known = new Map<string, number>();
    const huge = entries.find((e) => cf.expandedLength(e.value, known, new Set([e.name])) > MAX_EXPANSION);
    if (huge) {
      problems.push({
        level: 'error',
        line: huge.line,
        message: text(
          `${huge.name} grows to more than ${MAX_EXPANSION.toLocaleString('en')} characters once its $names are expanded (each $name is replaced by that parameter's whole value, again and again). Refer to each list once.`,
          `${huge.name} 展开 $名字 之后超过 ${MAX_EXPANSION.toLocaleString('en')} 个字符（每个 $名字 都会被替换成那个参数的完整值，层层叠加）。每个列表只引用一次。`,
        ),
      });
    }
  } catch (err) {
    problems.push({ level: 'error', line: 0, message: text(`main.cf could not be read (${(err as Error).message}).`, `无法读取 main.cf（${(err as Error).message}）。`) });
  }
  return new MainCf(entries, problems);
}
