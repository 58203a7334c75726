/**
 * The settings Dovecot 2.3 reads as booleans, where they stand: a "0", "n" or "true" in any of
 * them makes doveconf refuse the whole file ("Invalid boolean value: 0 (use yes or no)"). Every
 * setting "doveconf" (2.3.19) prints as yes or no with a namespace, a mailbox, a passdb and a
 * userdb in the file, less those it refuses "0" in with "Invalid value" instead (enums such as
 * ssl, imapc_ssl, a namespace's list or a passdb's auth_verbose);
 * tests/unit/dovecot-booleans.test.ts asks the real doveconf.
 */

const TOP_LEVEL = `
  auth_cache_verify_password_with_worker auth_debug auth_debug_passwords auth_policy_check_after_auth
  auth_policy_check_before_auth auth_policy_log_only auth_policy_reject_on_fail auth_policy_report_after_auth
  auth_ssl_require_client_cert auth_ssl_username_from_cert auth_stats auth_use_winbind auth_verbose
  disable_plaintext_auth dotlock_use_excl imap_id_retain imap_literal_minus imap_metadata imapc_ssl_verify
  lda_mailbox_autocreate lda_mailbox_autosubscribe lmtp_add_received_header lmtp_proxy lmtp_rcpt_check_quota
  lmtp_save_to_detail_mailbox lmtp_verbose_replies mail_debug mail_full_filesystem_access mail_nfs_index
  mail_nfs_storage mail_save_crlf mail_shared_explicit_inbox mailbox_list_index mailbox_list_index_include_inbox
  mailbox_list_index_very_dirty_syncs maildir_broken_filename_sizes maildir_copy_with_hardlinks maildir_empty_new
  maildir_stat_dirs maildir_very_dirty_syncs mbox_dirty_syncs mbox_lazy_writes mbox_very_dirty_syncs
  mdbox_preallocate_space mmap_disable pop3_enable_last pop3_fast_size_lookups pop3_lock_session
  pop3_no_flag_updates pop3_reuse_xuidl pop3_save_uidl pop3c_quick_received_date pop3c_ssl_verify
  quota_full_tempfail shutdown_clients ssl_client_require_valid_cert ssl_prefer_server_ciphers ssl_require_crl
  ssl_verify_client_cert submission_relay_ssl_verify submission_relay_trusted verbose_proctitle verbose_ssl
  version_ignore
`;

const words = (s: string): ReadonlySet<string> => new Set(s.split(/\s+/).filter(Boolean));

/** Booleans by the section they stand in ('' for the top level); mailbox, userdb and the other sections have none. A Map: a learner may name a section "constructor". */
export const DOVECOT_BOOLEANS: ReadonlyMap<string, ReadonlySet<string>> = new Map([
  ['', words(TOP_LEVEL)],
  ['namespace', words('disabled hidden ignore_on_failure inbox subscriptions')],
  ['passdb', words('deny master pass')],
  ['service', words('drop_priv_before_exec')],
  ['inet_listener', words('haproxy reuse_port ssl')],
]);

/** 2.4 names the graders read (2.3's doveconf knows them not at all). */
const DOVECOT24_BOOLEANS = words('auth_allow_cleartext');

/** Filters hold top-level settings for some connections only: protocol imap { ... }, local 192.0.2.1 { ... }. */
export const DOVECOT_FILTERS: ReadonlySet<string> = new Set(['protocol', 'local', 'remote', 'local_name']);

/** The kind of section a setting stands in ('' for the top level and the filters), by the innermost one of `path`. */
export function settingSection(path: readonly string[]): string {
  const inner = path.at(-1)?.split(/\s/, 1)[0] ?? '';
  return DOVECOT_FILTERS.has(inner) ? '' : inner;
}

/** Whether Dovecot reads `key`, inside the sections `path` (outermost first, "name arg"), as yes or no. */
export function isDovecotBoolean(key: string, path: readonly string[]): boolean {
  const section = settingSection(path);
  return DOVECOT_BOOLEANS.get(section)?.has(key) === true || (section === '' && DOVECOT24_BOOLEANS.has(key));
}
