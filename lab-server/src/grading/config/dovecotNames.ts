/**
 * The setting names Dovecot 2.3 knows, by the kind of section they stand in: any other makes
 * doveconf refuse the whole file ("Unknown setting: mail_locaton", "Unknown setting: namespace {
 * foo"), the refusal a learner meets most (a typo). Every name doveconf 2.3.19 prints with -s (the
 * hidden ones too) with a namespace, a mailbox, a passdb, a userdb, a service with each kind of
 * listener, a metric and an event_exporter in the file; those it takes but never prints (a string
 * whose default is NULL, such as a namespace's alias_for: found among the names in Dovecot
 * 2.3.19's *-settings.c and doveconf's own strings, each asked of doveconf); and the old names
 * its old-set-parser.c still takes at the top level (with a warning). tests/unit/dovecot-names.test.ts asks the real
 * doveconf. plugin {} and dict {} take any name.
 */

const TOP_LEVEL = `
  auth_anonymous_username auth_cache_negative_ttl auth_cache_size auth_cache_ttl
  auth_cache_verify_password_with_worker auth_debug auth_debug_passwords auth_default_realm auth_failure_delay
  auth_gssapi_hostname auth_krb5_keytab auth_master_user_separator auth_mechanisms auth_policy_check_after_auth
  auth_policy_check_before_auth auth_policy_hash_mech auth_policy_hash_nonce auth_policy_hash_truncate
  auth_policy_log_only auth_policy_reject_on_fail auth_policy_report_after_auth auth_policy_request_attributes
  auth_policy_server_api_header auth_policy_server_timeout_msecs auth_policy_server_url auth_proxy_self
  auth_realms auth_socket_path auth_ssl_require_client_cert auth_ssl_username_from_cert auth_stats
  auth_use_winbind auth_username_chars auth_username_format auth_username_translation auth_verbose
  auth_verbose_passwords auth_winbind_helper_path auth_worker_max_count base_dir config_cache_size
  debug_log_path default_client_limit default_idle_kill default_internal_group default_internal_user
  default_login_user default_process_limit default_vsz_limit deliver_log_format dict_db_config
  director_flush_socket director_mail_servers director_max_parallel_kicks director_max_parallel_moves
  director_output_buffer_size director_ping_idle_timeout director_ping_max_timeout director_servers
  director_user_expire director_user_kick_delay director_username_hash disable_plaintext_auth dotlock_use_excl
  doveadm_allowed_commands doveadm_api_key doveadm_http_rawlog_dir doveadm_password doveadm_port
  doveadm_socket_path doveadm_ssl doveadm_username doveadm_worker_count dsync_alt_char
  dsync_commit_msgs_interval dsync_features dsync_hashed_headers dsync_remote_cmd first_valid_gid
  first_valid_uid haproxy_timeout haproxy_trusted_networks hostname imap_capability imap_client_workarounds
  imap_fetch_failure imap_hibernate_timeout imap_id_log imap_id_retain imap_id_send imap_idle_notify_interval
  imap_literal_minus imap_logout_format imap_max_line_length imap_metadata imap_urlauth_host
  imap_urlauth_logout_format imap_urlauth_port imapc_cmd_timeout imapc_connection_retry_count
  imapc_connection_retry_interval imapc_features imapc_host imapc_list_prefix imapc_master_user
  imapc_max_idle_time imapc_max_line_length imapc_password imapc_port imapc_rawlog_dir imapc_sasl_mechanisms
  imapc_ssl imapc_ssl_verify imapc_user import_environment info_log_path instance_name last_valid_gid
  last_valid_uid lda_mailbox_autocreate lda_mailbox_autosubscribe lda_original_recipient_header libexec_dir
  listen lmtp_add_received_header lmtp_client_workarounds lmtp_hdr_delivery_address lmtp_proxy
  lmtp_proxy_rawlog_dir lmtp_rawlog_dir lmtp_rcpt_check_quota lmtp_save_to_detail_mailbox
  lmtp_user_concurrency_limit lmtp_verbose_replies lock_method log_core_filter log_debug log_path log_timestamp
  login_access_sockets login_greeting login_log_format login_log_format_elements login_plugin_dir login_plugins
  login_proxy_max_disconnect_delay login_proxy_max_reconnects login_proxy_notify_path login_proxy_rawlog_dir
  login_proxy_timeout login_source_ips login_trusted_networks mail_access_groups mail_always_cache_fields
  mail_attachment_detection_options mail_attachment_dir mail_attachment_fs mail_attachment_hash
  mail_attachment_min_size mail_attribute_dict mail_cache_fields mail_cache_max_size mail_cache_min_mail_count
  mail_cache_purge_continued_percentage mail_cache_purge_delete_percentage
  mail_cache_purge_header_continue_count mail_cache_purge_min_size mail_cache_record_max_size
  mail_cache_unaccessed_field_drop mail_chroot mail_debug mail_fsync mail_full_filesystem_access mail_gid
  mail_home mail_index_log2_max_age mail_index_log_rotate_max_size mail_index_log_rotate_min_age
  mail_index_log_rotate_min_size mail_index_rewrite_max_log_bytes mail_index_rewrite_min_log_bytes mail_location
  mail_log_prefix mail_max_keyword_length mail_max_lock_timeout mail_max_userip_connections
  mail_never_cache_fields mail_nfs_index mail_nfs_storage mail_plugin_dir mail_plugins mail_prefetch_count
  mail_privileged_group mail_save_crlf mail_server_admin mail_server_comment mail_shared_explicit_inbox
  mail_sort_max_read_count mail_temp_dir mail_temp_scan_interval mail_uid mail_vsize_bg_after_count
  mailbox_idle_check_interval mailbox_list_index mailbox_list_index_include_inbox
  mailbox_list_index_very_dirty_syncs maildir_broken_filename_sizes maildir_copy_with_hardlinks
  maildir_empty_new maildir_stat_dirs maildir_very_dirty_syncs master_user_separator mbox_dirty_syncs
  mbox_dotlock_change_timeout mbox_lazy_writes mbox_lock_timeout mbox_md5 mbox_min_index_size mbox_read_locks
  mbox_very_dirty_syncs mbox_write_locks mdbox_preallocate_space mdbox_rotate_interval mdbox_rotate_size
  mmap_disable old_stats_carbon_interval old_stats_carbon_name old_stats_carbon_server
  old_stats_command_min_time old_stats_domain_min_time old_stats_ip_min_time old_stats_memory_limit
  old_stats_session_min_time old_stats_user_min_time pop3_client_workarounds pop3_delete_type pop3_deleted_flag
  pop3_enable_last pop3_fast_size_lookups pop3_lock_session pop3_logout_format pop3_no_flag_updates
  pop3_reuse_xuidl pop3_save_uidl pop3_uidl_duplicates pop3_uidl_format pop3c_features pop3c_host
  pop3c_master_user pop3c_password pop3c_port pop3c_quick_received_date pop3c_rawlog_dir pop3c_ssl
  pop3c_ssl_verify pop3c_user postmaster_address process_shutdown_filter protocols quota_full_tempfail
  rawlog_dir recipient_delimiter rejection_reason rejection_subject replication_dsync_parameters
  replication_full_sync_interval replication_max_conns replicator_host replicator_port sendmail_path
  shutdown_clients ssl ssl_alt_cert ssl_alt_key ssl_ca ssl_cert ssl_cert_username_field ssl_cipher_list
  ssl_cipher_suites ssl_client_ca_dir ssl_client_ca_file ssl_client_cert ssl_client_key
  ssl_client_require_valid_cert ssl_crypto_device ssl_curve_list ssl_dh ssl_key ssl_key_password
  ssl_min_protocol ssl_options ssl_prefer_server_ciphers ssl_require_crl ssl_verify_client_cert state_dir
  stats_http_rawlog_dir stats_writer_socket_path submission_client_workarounds submission_host
  submission_logout_format submission_max_mail_size submission_max_recipients submission_relay_command_timeout
  submission_relay_connect_timeout submission_relay_host submission_relay_master_user
  submission_relay_max_idle_time submission_relay_password submission_relay_port submission_relay_rawlog_dir
  submission_relay_ssl submission_relay_ssl_verify submission_relay_trusted submission_relay_user submission_ssl
  submission_timeout syslog_facility valid_chroot_dirs verbose_proctitle verbose_ssl version_ignore
`;

/** Names doveconf 2.3 still takes, warning that they are obsolete (old-set-parser.c). */
const OBSOLETE = `
  auth_chroot auth_count auth_executable auth_process_size auth_user dbox_rotate_days dbox_rotate_min_size
  dbox_rotate_size director_consistent_hashing fsync_disable login_chroot login_dir login_executable
  login_max_connections login_max_processes_count login_process_per_connection login_process_size
  login_processes_count login_user mail_cache_compress_continued_percentage
  mail_cache_compress_delete_percentage mail_cache_compress_header_continue_count mail_cache_compress_min_size
  mail_drop_priv_before_exec mail_executable mail_log_max_lines_per_sec mail_process_size
  maildir_copy_preserve_filename max_mail_processes sieve sieve_storage ssl_ca_file ssl_cert_file ssl_disable
  ssl_dh_parameters_length ssl_key_file ssl_listen ssl_parameters_regenerate ssl_protocols
`;

/** Names doveconf takes but does not print, by kind. */
export const DOVECOT_UNPRINTED_NAMES: Readonly<Record<string, string>> = {
  '': 'doveadm_proxy_port imap_urlauth_stream_user imap_urlauth_submit_user mail submission_backend_capabilities',
  namespace: 'alias_for mail',
  unix_listener: 'path',
  fifo_listener: 'path',
  metric: 'metric_name',
};

const SECTIONS: Record<string, string> = {
  namespace: 'disabled hidden ignore_on_failure inbox list location order prefix separator subscriptions type',
  mailbox: 'auto autoexpunge autoexpunge_max_mails comment driver special_use',
  passdb:
    'args auth_verbose default_fields deny driver master mechanisms name override_fields pass result_failure result_internalfail result_success skip username_filter',
  userdb: 'args auth_verbose default_fields driver name override_fields result_failure result_internalfail result_success skip',
  service:
    'chroot client_limit drop_priv_before_exec executable extra_groups group idle_kill privileged_group process_limit process_min_avail protocol service_count type user vsz_limit',
  inet_listener: 'address haproxy port reuse_port ssl',
  unix_listener: 'group mode user',
  fifo_listener: 'group mode user',
  metric: 'description exporter exporter_include fields filter group_by',
  event_exporter: 'format format_args transport transport_args transport_timeout',
};

const words = (s: string): ReadonlySet<string> => new Set(s.split(/\s+/).filter(Boolean));

/** Names by the kind of section ('' for the top level and the filters), printed by doveconf -s or not. A Map: a learner may name a section "constructor". */
export const DOVECOT_SETTING_NAMES: ReadonlyMap<string, ReadonlySet<string>> = new Map(
  Object.entries({ '': TOP_LEVEL, ...SECTIONS }).map(([kind, names]) => [kind, words(`${names} ${DOVECOT_UNPRINTED_NAMES[kind] ?? ''}`)] as const),
);

export const DOVECOT_OBSOLETE_NAMES = words(OBSOLETE);

/** The sections each kind holds; doveconf also takes their names as settings there ("plugin = x"). Filters stand anywhere. */
export const DOVECOT_SUBSECTIONS: ReadonlyMap<string, ReadonlySet<string>> = new Map([
  ['', words('namespace passdb userdb service plugin dict metric event_exporter')],
  ['namespace', words('mailbox')],
  ['service', words('inet_listener unix_listener fifo_listener')],
]);

/** Sections that take names of one's own: plugin { quota = ... }, dict { quota = ... }. */
export const DOVECOT_FREE_SECTIONS = words('plugin dict');

/** Whether doveconf 2.3 knows `name` as a setting inside a section of this kind. */
export function isKnownDovecotName(kind: string, name: string): boolean {
  return DOVECOT_SETTING_NAMES.get(kind)?.has(name) === true || DOVECOT_SUBSECTIONS.get(kind)?.has(name) === true || (kind === '' && DOVECOT_OBSOLETE_NAMES.has(name));
}
