/**
 * The parameters Postfix knows, as main.cf's parser and graders need them: the defaults of those
 * the graders look at, the names postconf knows (a misspelt name is silently unused), and the
 * known name closest to a misspelt one, for "did you mean".
 */
import { closestName } from './closestName.js';
import { POSTCONF_NAMES } from './postfixNames.js';

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

/**
 * Parameter names postconf knows, to catch typos (a misspelt name is silently unused): all of
 * "postconf -d", and virtual_maps, which Postfix 3.7 still reads through virtual_alias_maps.
 */
export const KNOWN_PARAMETERS: ReadonlySet<string> = new Set([...Object.keys(POSTFIX_DEFAULTS), ...POSTCONF_NAMES]);

/** The known parameter within three edits of `name`, the closest first found; undefined if none is. */
export function closestParameter(name: string): string | undefined {
  return closestName(name, KNOWN_PARAMETERS);
}
