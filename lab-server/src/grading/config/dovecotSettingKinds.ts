/**
 * The settings Dovecot 2.3 reads as something other than text or yes/no, where they stand: an
 * enum (one of a few words, as written: "mail_fsync = 0" or "Always" makes doveconf refuse the
 * whole file, "Invalid value"), a number, a size ("1M", "64 k"), a time ("1 min", "60s"; in
 * milliseconds for four, where "5 ms" is taken), a port, or a file mode (octal after a leading
 * 0). Every setting doveconf 2.3.19 prints (with a namespace, a mailbox, a passdb and a userdb in
 * the file) that refuses "x_z" with one of those complaints ("5 ms" tells the milliseconds); the
 * enums' words are the lists doveconf carries. tests/unit/dovecot-values.test.ts asks the real
 * doveconf for both. Booleans are in dovecotBooleans.ts.
 */
import { settingSection } from './dovecotBooleans.js';

type Kind = 'number' | 'size' | 'time' | 'time_msecs' | 'port' | 'mode';
export type DovecotValueKind = { kind: 'enum'; values: readonly string[] } | { kind: Kind };

const TOP_ENUMS: Record<string, string> = {
  doveadm_ssl: 'no ssl starttls',
  imap_fetch_failure: 'disconnect-immediately disconnect-after no-after',
  imapc_ssl: 'no imaps starttls',
  lmtp_hdr_delivery_address: 'final none original',
  lock_method: 'fcntl flock dotlock',
  mail_fsync: 'optimized never always',
  mbox_md5: 'apop3d all',
  pop3_delete_type: 'default expunge flag',
  pop3_uidl_duplicates: 'allow rename',
  pop3c_ssl: 'no pop3s starttls',
  ssl: 'yes no required',
  submission_relay_ssl: 'no smtps starttls',
  submission_ssl: 'no smtps starttls',
};

const RESULT = 'continue return return-ok return-fail continue-ok continue-fail';
const DB_ENUMS = { auth_verbose: 'default yes no', result_failure: RESULT, result_internalfail: RESULT, result_success: RESULT };

const ENUMS: Record<string, Record<string, string>> = {
  '': TOP_ENUMS,
  namespace: { list: 'yes no children', type: 'private shared public' },
  mailbox: { auto: 'no create subscribe' },
  passdb: { ...DB_ENUMS, skip: 'never authenticated unauthenticated' },
  userdb: { ...DB_ENUMS, skip: 'never found notfound' },
};

/**
 * Settings doveconf 2.3.19 reads but does not print (DEF(..._HIDDEN) in mail-storage-settings.c):
 * "mail_cache_max_size = 1 gigabyte" is refused there as in any size setting.
 */
export const HIDDEN = {
  number: 'mail_cache_min_mail_count mail_cache_purge_continued_percentage mail_cache_purge_delete_percentage mail_cache_purge_header_continue_count',
  size: 'mail_cache_max_size mail_cache_purge_min_size mail_cache_record_max_size mail_index_log_rotate_max_size mail_index_log_rotate_min_size mail_index_rewrite_max_log_bytes mail_index_rewrite_min_log_bytes',
  time: 'mail_cache_unaccessed_field_drop mail_index_log2_max_age mail_index_log_rotate_min_age',
};

const OTHERS: Record<string, Partial<Record<Kind, string>>> = {
  '': {
    number: `auth_policy_hash_truncate auth_policy_server_timeout_msecs auth_worker_max_count default_client_limit
      default_process_limit director_max_parallel_kicks director_max_parallel_moves doveadm_worker_count
      dsync_commit_msgs_interval first_valid_gid first_valid_uid imapc_connection_retry_count last_valid_gid
      last_valid_uid lmtp_user_concurrency_limit login_proxy_max_reconnects mail_max_keyword_length
      mail_max_userip_connections mail_prefetch_count mail_sort_max_read_count mail_vsize_bg_after_count
      replication_max_conns submission_max_recipients ${HIDDEN.number}`,
    size: `auth_cache_size config_cache_size default_vsz_limit director_output_buffer_size imap_max_line_length
      imapc_max_line_length mail_attachment_min_size mbox_min_index_size mdbox_rotate_size old_stats_memory_limit
      submission_max_mail_size ${HIDDEN.size}`,
    time: `auth_cache_negative_ttl auth_cache_ttl auth_failure_delay default_idle_kill director_ping_idle_timeout
      director_ping_max_timeout director_user_expire director_user_kick_delay haproxy_timeout imap_hibernate_timeout
      imap_idle_notify_interval imapc_cmd_timeout imapc_max_idle_time
      login_proxy_max_disconnect_delay mail_max_lock_timeout mail_temp_scan_interval
      mailbox_idle_check_interval mbox_dotlock_change_timeout mbox_lock_timeout mdbox_rotate_interval
      old_stats_carbon_interval old_stats_command_min_time old_stats_domain_min_time old_stats_ip_min_time
      old_stats_session_min_time old_stats_user_min_time replication_full_sync_interval
      submission_relay_max_idle_time submission_timeout ${HIDDEN.time}`,
    // SET_TIME_MSECS: "500 ms" is taken, "50 days" is too large.
    time_msecs: 'imapc_connection_retry_interval login_proxy_timeout submission_relay_command_timeout submission_relay_connect_timeout',
    port: 'doveadm_port imap_urlauth_port imapc_port pop3c_port replicator_port submission_relay_port',
  },
  namespace: { number: 'order' },
  mailbox: { number: 'autoexpunge_max_mails', time: 'autoexpunge' },
  service: { number: 'client_limit process_limit process_min_avail service_count', size: 'vsz_limit', time: 'idle_kill' },
  inet_listener: { port: 'port' },
  unix_listener: { mode: 'mode' },
  fifo_listener: { mode: 'mode' },
};

const words = (s: string): string[] => s.split(/\s+/).filter(Boolean);

/** Kinds by section ('' for the top level) and name. Maps: a learner may name a section or a setting "constructor". */
export const DOVECOT_VALUE_KINDS: ReadonlyMap<string, ReadonlyMap<string, DovecotValueKind>> = new Map(
  [...new Set([...Object.keys(ENUMS), ...Object.keys(OTHERS)])].map((section) => {
    const kinds = new Map<string, DovecotValueKind>();
    for (const [name, values] of Object.entries(ENUMS[section] ?? {})) kinds.set(name, { kind: 'enum', values: words(values) });
    for (const [kind, names] of Object.entries(OTHERS[section] ?? {})) for (const name of words(names)) kinds.set(name, { kind } as DovecotValueKind);
    return [section, kinds];
  }),
);

/** How Dovecot 2.3 reads `key` inside the sections `path` (outermost first, "name arg"); undefined: as text or yes/no. */
export function dovecotValueKind(key: string, path: readonly string[]): DovecotValueKind | undefined {
  return DOVECOT_VALUE_KINDS.get(settingSection(path))?.get(key);
}
