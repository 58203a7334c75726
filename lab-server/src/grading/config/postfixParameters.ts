/**
 * The parameters Postfix knows, as main.cf's parser and graders need them: the defaults of those
 * the graders look at, the names postconf knows (a misspelt name is silently unused), and the
 * known name closest to a misspelt one, for "did you mean".
 */

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
  default_database_type: 'hash', // "$default_database_type:/etc/aliases" is hash:/etc/aliases
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

/** The known parameter within three edits of `name`, the closest first found; undefined if none is. */
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
