/**
 * The checks doveconf 2.3 makes after reading the whole file (dovecotChecks.ts): each file below
 * is given to the real doveconf and to the grader's parser, which must refuse exactly the files
 * doveconf refuses, quoting doveconf's own complaint, and take the others. Before these checks
 * "imap_client_workarounds = foo", "auth_worker_max_count = 0", a first_valid_uid above
 * last_valid_uid and "director_user_expire = 5 s" all passed the grader.
 */
import { describe, expect, it } from 'vitest';
import { parseDovecotConf } from '../../lab-server/src/grading/config/dovecotConf.js';
import { doveconf } from '../realtools/dovecot.js';
import { inPool } from '../realtools/process.js';
import { seeded } from '../realtools/zoneMutations.js';

const ns = (...lines: string[]): string => ['namespace inbox {', '  inbox = yes', ...lines.map((l) => `  ${l}`), '}'].join('\n');
const mailbox = (name: string, use: string): string => ns(`mailbox ${name} {`, `  special_use = ${use}`, '}');
const filter = (head: string, body: string): string => `${head} {\n${body.replace(/^/gm, '  ')}\n}`;

/** Files doveconf refuses after reading them, and near ones it takes. */
const FILES: string[] = [
  // The four from the round's brief.
  'imap_client_workarounds = foo',
  'auth_worker_max_count = 0',
  'first_valid_uid = 600\nlast_valid_uid = 500',
  'director_user_expire = 5 s',
  // A later line mends an earlier one; a filter sees the top level's values under its own.
  'auth_worker_max_count = 0\nauth_worker_max_count = 3',
  'protocol imap {\n  imap_client_workarounds = foo\n}',
  'protocol pop3 {\n  imap_client_workarounds = tb-lsub-flags\n}',
  'local 10.0.0.1 {\n  mailbox_idle_check_interval = 0\n}',
  'first_valid_uid = 600\nprotocol imap {\n  last_valid_uid = 500\n}',
  'protocol imap {\n  last_valid_uid = 500\n}\nfirst_valid_uid = 400',
  'last_valid_uid = 100',
  'last_valid_uid = 0\nfirst_valid_uid = 5000',
  'first_valid_uid = 5000\nlast_valid_uid = 5000',
  'first_valid_gid = 11\nlast_valid_gid = 10',
  'imap_client_workarounds = Delay-Newmail,tb-lsub-flags  ,',
  'imap_client_workarounds = delay-newmail tb-extra-mailbox-sep outlook-idle',
  'pop3_client_workarounds = outlook-no-nuls oe-ns-eoh',
  'pop3_client_workarounds = outlook-no-nul',
  'lmtp_client_workarounds = whitespace-before-path',
  'lmtp_client_workarounds = exotic-backend',
  'submission_client_workarounds = exotic-backend, mailbox-for-path',
  'submission_client_workarounds = foo',
  'director_user_expire = 9s',
  'director_user_expire = 10s',
  'director_user_expire = 0',
  'director_user_expire = 10000 ms',
  'auth_cache_size = 100',
  'auth_cache_size = 100B',
  'auth_cache_size = 1023 b',
  'auth_cache_size = 1k',
  'auth_verbose_passwords = sha1:6',
  'auth_verbose_passwords = sha1:0',
  'auth_verbose_passwords = plain:x',
  'auth_verbose_passwords = Plain',
  'auth_verbose_passwords = yes',
  'auth_policy_server_url = http://localhost:4001/',
  'auth_policy_server_url = http://localhost:4001/\nauth_policy_hash_nonce = s3cret',
  'auth_policy_server_url = http://localhost:4001/\nauth_policy_hash_nonce = s3cret\nauth_policy_hash_mech = sha2',
  'auth_policy_server_url = http://localhost:4001/\nauth_policy_hash_nonce = s3cret\nauth_policy_hash_mech = md5\nauth_policy_hash_truncate = 128',
  'auth_policy_server_url = http://localhost:4001/\nauth_policy_hash_nonce = s3cret\nauth_policy_hash_mech = md5\nauth_policy_hash_truncate = 127',
  'dsync_features = empty-header-workaround',
  'dsync_features = foo',
  'dsync_alt_char =',
  'dsync_hashed_headers =',
  'syslog_facility = local7',
  'syslog_facility = LOCAL7',
  'syslog_facility = foo',
  'ssl_verify_client_cert = yes',
  'ssl = no\nssl_verify_client_cert = yes',
  'ssl_verify_client_cert = yes\nssl_ca = </etc/ssl/certs/ca.pem',
  'ssl_options = no_ticket, compression',
  'ssl_options = NO_TICKET',
  'ssl_options = foo',
  'ssl = no\nssl_options = foo',
  'imapc_max_idle_time = 0',
  'imapc_max_idle_time = 1 s',
  'imapc_features = rfc822.size fetch-headers throttle:1:30000:500',
  'imapc_features = throttle:1:2',
  'imapc_features = foo',
  'pop3c_features = no-pipelining',
  'pop3c_features = pipelining',
  'mailbox_idle_check_interval = 0',
  'mailbox_idle_check_interval = 0 ms',
  'mailbox_idle_check_interval = 1 s',
  'mail_nfs_index = yes',
  'mail_nfs_index = yes\nmmap_disable = yes',
  'mail_nfs_index = yes\nmmap_disable = yes\nmail_fsync = always',
  'mail_cache_max_size = 2G',
  'mail_cache_max_size = 1G',
  'mail_cache_purge_delete_percentage = 101',
  'mail_cache_purge_delete_percentage = 100',
  'pop3_uidl_format = abc',
  'pop3_uidl_format = %x',
  'pop3_uidl_format = %08Xu%08Xv',
  'pop3_uidl_format = %%%u',
  'pop3_uidl_format = %%',
  'pop3_uidl_format = %{uid}',
  'pop3_uidl_format = %g',
  'pop3_uidl_format = %Lm%',
  'mail_attachment_hash = %{sha1}/x',
  'mail_attachment_hash = foo',
  'mail_attachment_hash = %{sha2}',
  'mail_attachment_hash = %{sha256:80}',
  'mail_attachment_hash = %{sha256:84}',
  'mail_attachment_hash = %X{md5}',
  'mail_attachment_hash = %{md5}-x',
  'mail_attachment_hash = %sha1',
  'mail_attachment_detection_options = add-flags content-type=!foo/bar',
  'mail_attachment_detection_options = Add-Flags',
  'mail_cache_fields = hdr.a:b',
  'mail_never_cache_fields = hdr.subject, flags',
  'listen =',
  'listen = *',
  'protocol imap {\n  listen =\n}',
  'imap_client_workarounds = outlook-idle Outlook-Idle',
  'imap_client_workarounds = netscape-eoh',
  'pop3_delete_type = flag',
  'pop3_delete_type = flag\npop3_deleted_flag = $POP3Deleted',
  'pop3_delete_type = flag\npop3_deleted_flag = "$POP3Deleted"',
  'default_login_user = nosuchuser',
  'default_internal_user = dovecot',
  ns('separator = ::'),
  ns('separator = /'),
  ns('separator = é'),
  ns('separator = //', 'disabled = yes'),
  ns('alias_for = foo'),
  `${ns('prefix =')}\nnamespace b {\n  prefix = INBOX.\n  alias_for =\n}`,
  `namespace a {\n  prefix = x/\n  alias_for =\n}\nnamespace b {\n  prefix = y/\n  alias_for = x/\n}\n${ns()}`,
  mailbox('Sent', '\\Sent'),
  mailbox('Sent', '\\sent'),
  mailbox('Sent', 'Sent'),
  mailbox('"Sent Items"', '\\Sent  \\Junk'),
  mailbox('Junk', '\\Spam'),
  'passdb {\n  driver = static\n  pass = yes\n  result_success = continue\n}',
  'passdb {\n  driver = static\n  pass = yes\n}',
  // Services (master_settings_verify): only those of the protocols the file enables.
  // A filter enables protocols for itself: its services are checked too (imaps on 993 here).
  'service dict {\n  inet_listener imap {\n    port = 993\n  }\n}\nprotocol lmtp {\n  protocols = imap lmtp\n}',
  'service dict {\n  inet_listener imap {\n    port = 993\n  }\n}\nprotocol lmtp {\n  protocols = lmtp\n}',
  // Two filters that both apply, neither a superset of the one before it: "Conflict in setting".
  'protocol imap {\n  mail_debug = yes\n}\nremote 10.0.0.0/8 {\n  protocol imap {\n    mail_debug = no\n  }\n}',
  'protocol imap {\n  mail_debug = yes\n}\nremote 10.0.0.0/8 {\n  mail_debug = no\n}',
  'protocol imap {\n  protocols = pop3\n}\nremote 10.0.0.0/8 {\n  protocol imap {\n    protocols = imap\n  }\n}',
  'remote 10.0.0.0/8 {\n  protocol imap {\n    mail_debug = no\n  }\n}\nprotocol imap {\n  mail_debug = yes\n}',
  'protocol !pop3 {\n  mail_debug = yes\n}\nprotocol imap {\n  mail_debug = no\n}',
  'local 10.0.0.1 {\n  mail_debug = yes\n}\nremote 10.0.0.0/8 {\n  protocol imap {\n    mail_debug = no\n  }\n}',
  'remote 10.0.0.0/8 {\n  mail_debug = yes\n  protocol imap {\n    mail_debug = no\n  }\n}',
  'remote 10.0.0.0/8 {\n  protocol imap {\n    mail_debug = no\n  }\n}\nremote 10.1.0.0/16 {\n  mail_debug = yes\n}',
  'local_name mail.example.com {\n  mail_debug = yes\n}\nprotocol imap {\n  mail_debug = no\n}',
  'local_name mail.example.com {\n  protocol imap {\n    mail_debug = yes\n  }\n}\nprotocol imap {\n  mail_debug = no\n}',
  // Filters nest local, local_name, remote, protocol; no auth setting in a local/remote/local_name one.
  ...['protocol imap {\n  remote 10.0.0.0/8 {\n  }\n}', 'protocol imap {\n  local 10.0.0.1 {\n  }\n}', 'protocol imap {\n  local_name mail.example.com {\n  }\n}',
    'local_name x.example.com {\n  local 10.0.0.1 {\n  }\n}', 'remote 10.0.0.0/8 {\n  local_name x.example.com {\n  }\n}', 'remote 10.0.0.0/8 {\n  local 10.0.0.1 {\n  }\n}',
    'protocol imap {\n  protocol pop3 {\n  }\n}', 'local 10.0.0.1 {\n  local_name x.example.com {\n    remote 10.0.0.0/8 {\n      protocol imap {\n      }\n    }\n  }\n}',
    'remote 10.0.0.0/8 {\n  remote 10.1.0.0/16 {\n  }\n}'],
  ...['remote 10.0.0.0/8 {\n  passdb {\n    driver = pam\n  }\n}', 'local 10.0.0.1 {\n  userdb {\n    driver = passwd\n  }\n}', 'local_name mail.example.com {\n  auth_verbose = yes\n}',
    'remote 10.0.0.0/8 {\n  protocol imap {\n    auth_mechanisms = plain login\n  }\n}', 'protocol imap {\n  passdb {\n    driver = pam\n  }\n  auth_verbose = yes\n}', 'remote 10.0.0.0/8 {\n  mail_debug = yes\n}'],
  // A network's mask, and lines that are neither a setting nor a section (doveconf: "Expecting '{'").
  ...['local 10.0.0.0/33 {\n}', 'remote 10.0.0.1/abc {\n}', 'local 10.0.0.0/ {\n}', 'remote 10.0.0.0/8/9 {\n}', 'local ::1/129 {\n}', 'local ::1/128 {\n}', 'local 10.0.0.0/08 {\n}', 'local 10.0.0.0/0 {\n}'],
  ...['foo', 'mail_debug', 'protocol imap pop3 {\n}', 'a b = c'],
  // A namespace of one name opened in both is a conflict of its "name"; of two names, none.
  'protocol imap {\n  namespace inbox {\n  }\n}\nremote 10.0.0.0/8 {\n  protocol imap {\n    namespace inbox {\n      separator = .\n    }\n  }\n}',
  'protocol imap {\n  namespace inbox {\n    separator = /\n  }\n}\nremote 10.0.0.0/8 {\n  protocol imap {\n    namespace other {\n      separator = .\n    }\n  }\n}',
  // Every filter is looked up: a conflict after 40 others is found.
  `${Array.from({ length: 40 }, (_, i) => `protocol p${i} {\n  mail_debug = yes\n}`).join('\n')}\nremote 10.0.0.0/8 {\n  protocol p39 {\n    mail_debug = no\n  }\n}`,
  // $protocols is the value before, read in file order: a filter's own so far, else its parent's at that line.
  ...[
    'protocols = imap lmtp\nprotocols = $protocols pop3',
    'protocols = lmtp\nprotocols = $protocols',
    'protocols = $protocols',
    'protocols = imap\nprotocol imap {\n  protocols = lmtp\n  protocols = $protocols pop3\n}',
    'protocols = lmtp\nprotocol imap {\n  protocols = $protocols\n}\nprotocols = imap',
    'protocols = imap\nprotocol imap {\n  protocols = $protocols\n}\nprotocols = lmtp\nprotocols = imap',
    'protocols = imap\nprotocol imap {\n  protocols = lmtp\n}\nprotocol imap {\n  protocols = $protocols\n}',
    'protocols = imap\nprotocol imap {\n  protocols = lmtp\n}\nprotocol pop3 {\n  protocols = $protocols\n}\nprotocol imap {\n  protocols = imap\n}',
    'protocols = lmtp\nremote 10.0.0.0/8 {\n  protocol imap {\n    protocols = $protocols\n  }\n}\nprotocols = imap',
    `protocols = imap lmtp\n${'protocols = $protocols $protocols\n'.repeat(12)}`,
  ].map((protocols) => `${protocols}\nservice lmtp {\n  unix_listener /run/dovecot/auth-userdb {\n    mode = 0600\n  }\n}`),
  'service auth {\n  process_limit = 2\n}',
  'service auth {\n  process_limit = 1\n}',
  'service auth {\n  process_limit = 0\n}',
  'service anvil {\n  process_limit = 2\n}',
  'service stats {\n  process_limit = 5\n}',
  'service auth {\n  vsz_limit = 1k\n}',
  'service auth {\n  vsz_limit = 0\n}',
  'service auth {\n  vsz_limit = 1M\n}',
  'service auth {\n  vsz_limit = 1048575\n}',
  'service imap {\n  vsz_limit = 1k\n}',
  'protocols = imap\nservice imap {\n  vsz_limit = 1k\n}',
  'service auth {\n  unix_listener /var/spool/postfix/private/auth {\n    mode = 0660\n  }\n}\nservice auth-worker {\n  unix_listener /var/spool/postfix/private/auth {\n  }\n}',
  'protocols = lmtp\nservice lmtp {\n  unix_listener /var/spool/postfix/private/dovecot-lmtp {\n  }\n}\nservice auth {\n  unix_listener /var/spool/postfix/private/dovecot-lmtp {\n  }\n}',
  'service lmtp {\n  unix_listener /var/spool/postfix/private/dovecot-lmtp {\n  }\n}\nservice auth {\n  unix_listener /var/spool/postfix/private/dovecot-lmtp {\n  }\n}',
  'service auth {\n  unix_listener /run/dovecot/auth-userdb {\n  }\n}',
  'service auth {\n  unix_listener /run/dovecot/auth-userdb {\n    mode = 0\n  }\n}',
  'service auth {\n  unix_listener auth-userdb {\n    mode = 0600\n  }\n}',
  'service lmtp {\n  unix_listener auth-userdb {\n  }\n}',
  'protocols = lmtp\nservice lmtp {\n  unix_listener auth-userdb {\n  }\n}',
  'base_dir = /var/run/dovecot/\nservice auth-worker {\n  unix_listener /var/run/dovecot/auth-userdb {\n  }\n}',
  'protocols = imap\nservice imap-login {\n  inet_listener imap {\n    port = 143\n  }\n  inet_listener imap2 {\n    port = 143\n  }\n}',
  'protocols = imap\nservice imap-login {\n  inet_listener imap {\n    port = 993\n  }\n}',
  'protocols = imap\nservice imap-login {\n  inet_listener imap {\n    port = 993\n  }\n  inet_listener imaps {\n    port = 0\n  }\n}',
  'protocols = imap\nservice imap-login {\n  inet_listener imap {\n    port = 993\n    address = 127.0.0.1\n  }\n}',
  'service auth {\n  type = foo\n}',
  'service auth {\n  type = worker\n}',
  "service auth {\n  unix_listener \"\" {\n  }\n}",
  'service auth {\n  process_min_avail = 2\n}',
  'service imap {\n  process_min_avail = 2000\n}',
  'service foo {\n  process_min_avail = 200\n}',
  'service foo {\n  process_min_avail = 100\n}',
  // Two unnamed sections at one level are two sections; two of one name are one, the later line winning.
  'passdb {\n  driver = static\n  pass = yes\n}\npassdb {\n  driver = static\n  result_success = continue\n}',
  'namespace {\n  prefix = a/\n}\nnamespace {\n  prefix = b/\n  alias_for = a/\n}',
  'namespace {\n  prefix = a/\n  separator = ::\n}\nnamespace {\n  prefix = b/\n}',
  'namespace x {\n  prefix = a/\n}\nnamespace x {\n  separator = ::\n}',
  'namespace {\n  mailbox Sent {\n    special_use = Sent\n  }\n}\nnamespace {\n  mailbox Sent {\n    special_use = \\Sent\n  }\n}',
  ns('mailbox Sent {', '  special_use = Sent', '}', 'mailbox Sent {', '  special_use = \\Sent', '}'),
  // A filter's namespaces: its own, then those of each filter that matches it, the top level's last.
  filter('protocol imap', ns('separator = ::')),
  filter('protocol imap', ns('alias_for = foo')),
  `namespace a {\n  prefix = a/\n}\n${filter('protocol imap', 'namespace b {\n  prefix = b/\n  alias_for = a/\n}')}`,
  `namespace inbox {\n  prefix = INBOX.\n}\n${filter('protocol imap', 'namespace inbox {\n  separator = ::\n}')}`,
  `namespace a {\n  prefix = a/\n}\nnamespace b {\n  prefix = b/\n  alias_for = a/\n}\n${filter('protocol imap', 'namespace a {\n  prefix = c/\n}')}`,
  `namespace b {\n  prefix = b/\n  alias_for = x/\n  disabled = yes\n}\n${filter('protocol pop3', 'namespace b {\n  disabled = no\n}')}`,
  `namespace b {\n  prefix = b/\n  alias_for = x/\n  disabled = yes\n}\n${filter('protocol pop3', 'namespace c {\n  prefix = c/\n}')}`,
  `namespace {\n  prefix = a/\n}\n${filter('protocol imap', 'namespace {\n  alias_for = a/\n}')}`,
  `namespace a {\n  prefix = x/\n}\nnamespace d {\n  prefix = w/\n  alias_for = x/\n}\n${filter('protocol imap', 'namespace b {\n  prefix = x/\n  alias_for = y/\n}\nnamespace c {\n  prefix = y/\n}')}`,
  `${filter('protocol imap', 'namespace a {\n  prefix = a/\n}')}\n${filter('local 192.0.2.1', filter('protocol imap', 'namespace b {\n  prefix = b/\n  alias_for = a/\n}'))}`,
  `${filter('protocol imap', 'namespace a {\n  prefix = a/\n}')}\n${filter('local 192.0.2.1', 'namespace b {\n  prefix = b/\n  alias_for = a/\n}')}`,
  `${filter('protocol !imap', 'namespace a {\n  prefix = a/\n}')}\n${filter('protocol pop3', 'namespace b {\n  prefix = b/\n  alias_for = a/\n}')}`,
  `${filter('protocol !imap', 'namespace a {\n  prefix = a/\n}')}\n${filter('protocol imap', 'namespace b {\n  prefix = b/\n  alias_for = a/\n}')}`,
  `${filter('local 10.0.0.0/8', 'namespace a {\n  prefix = a/\n}')}\n${filter('local 10.1.2.3', 'namespace b {\n  prefix = b/\n  alias_for = a/\n}')}`,
  `${filter('local 10.0.0.0/8', 'namespace a {\n  prefix = a/\n}')}\n${filter('local 11.1.2.3', 'namespace b {\n  prefix = b/\n  alias_for = a/\n}')}`,
  `${filter('local fd00::/8', 'namespace a {\n  prefix = a/\n}')}\n${filter('local fd00::1', 'namespace b {\n  prefix = b/\n  alias_for = a/\n}')}`,
  `${filter('local 10.0.0.1', 'namespace a {\n  prefix = a/\n}')}\n${filter('remote 10.0.0.2', 'namespace b {\n  prefix = b/\n  alias_for = a/\n}')}`,
  `${filter('local_name *.example.com', 'namespace a {\n  prefix = a/\n}')}\n${filter('local_name mail.example.com', 'namespace b {\n  prefix = b/\n  alias_for = a/\n}')}`,
  `${filter('local_name *.example.com', 'namespace a {\n  prefix = a/\n}')}\n${filter('local_name mail.example.org', 'namespace b {\n  prefix = b/\n  alias_for = a/\n}')}`,
  // Dovecot's wildcard: "*" is one label, before a dot; several names in quotes.
  `${filter('local_name mail*', 'namespace a {\n  prefix = a/\n}')}\n${filter('local_name mailx', 'namespace b {\n  prefix = b/\n  alias_for = a/\n}')}`,
  `${filter('local_name "*.EXAMPLE.com m?il"', 'namespace a {\n  prefix = a/\n}')}\n${filter('local_name mail', 'namespace b {\n  prefix = b/\n  alias_for = a/\n}')}`,
  `${filter('local_name "*.EXAMPLE.com m?il"', 'namespace a {\n  prefix = a/\n}')}\n${filter('local_name mai', 'namespace b {\n  prefix = b/\n  alias_for = a/\n}')}`,
  // A filter's values: its own, then those of each filter that matches it ("protocol !pop3" in "protocol imap").
  `${filter('protocol !pop3', 'first_valid_uid = 600')}\n${filter('protocol imap', 'last_valid_uid = 500')}`,
  `${filter('protocol !pop3', 'first_valid_uid = 600')}\n${filter('protocol pop3', 'last_valid_uid = 500')}`,
  `${filter('protocol imap', 'mailbox_idle_check_interval = 0')}\n${filter('protocol !pop3', 'mailbox_idle_check_interval = 5s')}`,
  `${filter('protocol !pop3', 'mailbox_idle_check_interval = 0')}\n${filter('protocol imap', 'mailbox_idle_check_interval = 5s')}`,
  `${filter('protocol !pop3', 'mail_nfs_index = yes\nmmap_disable = yes')}\n${filter('protocol imap', 'mail_fsync = always')}`,
  `${filter('protocol !pop3', 'mail_nfs_index = yes\nmmap_disable = yes')}\n${filter('protocol pop3', 'mail_fsync = always')}`,
  `${filter('protocol !imap', 'imap_client_workarounds = foo')}\n${filter('protocol imap', 'mail_debug = yes')}`,
  // Stats: a metric's name and filter, an exporter's name, format, transport and time argument.
  'metric x {\n}',
  'metric x {\n  filter =\n}',
  'metric x {\n  filter = " "\n}',
  'metric x {\n  filter = event=imap_command_finished\n}',
  'metric x {\n  filter = event=imap_command_finished\n  exporter = nowhere\n}',
  'metric {\n  filter = event=imap_command_finished\n}',
  'metric "" {\n  filter = event=imap_command_finished\n}',
  'metric x {\n  filter = event=imap_command_finished\n}\nmetric x {\n  filter =\n}',
  `metric x {\n  filter = event=imap_command_finished\n}\n${filter('protocol imap', 'metric x {\n  exporter =\n}')}`,
  `${filter('protocol imap', 'metric x {\n  filter = event=imap_command_finished\n}')}\nmetric x {\n  exporter =\n}`,
  'event_exporter log {\n}',
  'event_exporter log {\n  transport = drop\n}',
  'event_exporter log {\n  format = json\n}',
  'event_exporter log {\n  format = yaml\n}',
  'event_exporter log {\n  format = JSON\n  transport = log\n  format_args = time-unix\n}',
  'event_exporter log {\n  format = " json"\n  transport = log\n  format_args = time-unix\n}',
  'event_exporter log {\n  format = json\n  transport = log\n}',
  'event_exporter log {\n  format = json\n  transport = Log\n  format_args = time-unix\n}',
  'event_exporter log {\n  format = json\n  transport = bad\n  format_args = foo\n}',
  'event_exporter log {\n  format = json\n  transport = log\n  format_args = time-rfc3339\n}',
  'event_exporter log {\n  format = tab-text\n  transport = http-post\n  format_args = time-unix\n}',
  'event_exporter log {\n  format = none\n  transport = drop\n}',
  'event_exporter log {\n  format = none\n  transport = log\n  format_args = time-unix time-unix\n}',
  'event_exporter log {\n  format = none\n  transport = log\n  format_args = time-unix time-rfc3339 foo\n}',
  'event_exporter log {\n  format = none\n  transport = log\n  format_args = time-unix foo time-rfc3339\n}',
  'event_exporter log {\n  format = tab-text\n  transport = log\n  format_args = time-unix,foo\n}',
  'event_exporter log {\n  format = json\n  transport = log\n  format_args = "  time-unix  "\n}',
  'event_exporter {\n  format = none\n  transport = drop\n}',
  `event_exporter log {\n  format = none\n  transport = log\n}\n${filter('protocol imap', 'event_exporter log {\n  format = json\n}')}`,
  `event_exporter log {\n  format = json\n  transport = log\n  format_args = time-unix\n}\nmetric x {\n  filter = event=imap_command_finished\n  exporter = log\n}`,
];

/** Files of settings and services a learner might combine, seeded: the run that found the filter's protocols. */
function randomFiles(count: number, seed: number): string[] {
  const rnd = seeded(seed);
  const pick = <T,>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const top = ['protocols = imap lmtp', 'protocols = imap', 'protocols = none', 'first_valid_uid = 5000', 'last_valid_uid = 4999', 'last_valid_uid = 0', 'last_valid_gid = 10', 'listen =', 'listen = *', 'base_dir = /var/run/dovecot/', 'ssl = no', 'ssl_verify_client_cert = yes', 'ssl_ca = </etc/ssl/ca.pem', 'imap_client_workarounds = outlook-idle,foo', 'pop3_delete_type = flag', 'pop3_deleted_flag = $POP3Deleted', 'mail_nfs_index = yes', 'mmap_disable = yes', 'mail_fsync = always', 'auth_worker_max_count = 0', 'default_process_limit = 1', 'pop3_uidl_format = %08Xu%Q', 'mailbox_idle_check_interval = 0'];
  const inService = ['process_limit = 2', 'process_limit = 0', 'process_min_avail = 3', 'vsz_limit = 512k', 'type = bogus', 'unix_listener /var/spool/postfix/private/auth {\n  mode = 0660\n}', 'unix_listener auth-userdb {\n  mode = 0\n}', 'unix_listener login/login {\n}', 'inet_listener imap {\n  port = 993\n}', 'inet_listener imaps {\n  port = 0\n}', 'inet_listener lmtp {\n  port = 24\n}'];
  const services = ['auth', 'auth-worker', 'lmtp', 'imap-login', 'imap', 'anvil', 'stats', 'dict', 'foo'];
  return Array.from({ length: count }, () =>
    Array.from({ length: 1 + Math.floor(rnd() * 4) }, () => {
      const r = rnd();
      if (r < 0.45) return pick(top);
      if (r < 0.85) return `service ${pick(services)} {\n${Array.from({ length: 1 + Math.floor(rnd() * 2) }, () => pick(inService)).join('\n')}\n}`;
      return `protocol ${pick(['imap', 'lmtp', 'pop3'])} {\n${pick(top)}\n}`;
    }).join('\n'),
  );
}

/** doveconf's verdict (its complaint, or "takes") and the grader's messages for one file. */
async function verdict(file: string): Promise<{ file: string; doveconf: string; grader: string[] }> {
  const real = await doveconf(`${file}\n`);
  // The file's place: "found from filter at /tmp/…/dovecot.conf:1" is said of dovecot.conf:1.
  const said = real.code === 0 ? 'takes' : (/Fatal: [^\n]*?: (.*)$/m.exec(real.stderr)?.[1] ?? real.stderr.trim()).replace(/\/\S*\/(dovecot\.conf:\d+)/g, '$1');
  return { file, doveconf: said, grader: parseDovecotConf(file).problems.map((p) => p.message.en) };
}

describe("doveconf's checks after reading the file", () => {
  it('refuse in the grader exactly the files the real doveconf refuses, quoting its complaint', { timeout: 120_000 }, async () => {
    const verdicts = await inPool(FILES, 4, verdict);
    const disagreements = verdicts.filter((v) => (v.doveconf === 'takes') !== (v.grader.length === 0));
    expect(disagreements).toEqual([]);
    // Where both refuse, the grader says what doveconf says, and what to write.
    const misquoted = verdicts.filter((v) => v.doveconf !== 'takes' && !v.grader.some((m) => m.includes(v.doveconf)));
    expect(misquoted).toEqual([]);
    // Both kinds were asked.
    expect(verdicts.filter((v) => v.doveconf === 'takes').length).toBeGreaterThan(30);
    expect(verdicts.filter((v) => v.doveconf !== 'takes').length).toBeGreaterThan(40);
  });

  it('agree with doveconf on a seeded run of random files', { timeout: 120_000 }, async () => {
    const verdicts = await inPool(randomFiles(150, 71), 4, verdict);
    expect(verdicts.filter((v) => (v.doveconf === 'takes') !== (v.grader.length === 0) || (v.doveconf !== 'takes' && !v.grader.some((m) => m.includes(v.doveconf))))).toEqual([]);
    expect(verdicts.filter((v) => v.doveconf === 'takes').length).toBeGreaterThan(30);
  });

  it('read a file of a thousand filters, each holding a namespace, in a bounded time', { timeout: 60_000 }, () => {
    // Each "protocol pN" sees every "protocol !pM" but its own: as many distinct views as filters.
    const many = (n: number): string => Array.from({ length: n }, (_, i) => `protocol !p${i} {\n  namespace n {\n    alias_for = p/\n  }\n}\nprotocol p${i} {\n}\nlocal_name ${'*'.repeat(40)}${i} {\n}\n`).join('');
    const problems = parseDovecotConf(many(30)).problems.map((p) => p.message.en);
    expect(problems).toContainEqual(expect.stringContaining("Namespace '': alias_for points to unknown namespace: p/"));
    expect(problems.length).toBeLessThan(5);
    // Past MAX_FILTERS (100) the checks are not made: the grader says it cannot judge the file (dovecot-filter-limit.test.ts).
    expect(parseDovecotConf(many(1000)).problems.map((p) => p.message.en)).toEqual([expect.stringContaining('3000 protocol, local, remote and local_name sections; the lab judges at most 100')]);
  });

  it('say what Dovecot says and what to change, in both languages', () => {
    const [problem] = parseDovecotConf('auth_worker_max_count = 0').problems;
    expect(problem!.line).toBe(1);
    expect(problem!.message.en).toMatch(/doveconf refuses the whole file.*"auth_worker_max_count must be above zero".*default is 30/);
    expect(problem!.message['zh-CN']).toMatch(/doveconf.*拒绝整个文件.*默认是 30/);
    const [range] = parseDovecotConf('mail_location = maildir:~/Maildir\nlast_valid_uid = 100').problems;
    expect(range!.line).toBe(2);
    expect(range!.message.en).toContain("first_valid_uid can't be larger than last_valid_uid");
  });
});
