/**
 * The parameters Postfix knows, as main.cf's parser and graders need them: the defaults of those
 * the graders look at, the names postconf knows (a misspelt name is silently unused), and the
 * known name closest to a misspelt one, for "did you mean".
 */
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
