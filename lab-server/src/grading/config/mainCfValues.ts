/**
 * main.cf values Postfix's daemons refuse to start with (postconf itself says nothing): a yes/no
 * parameter with any other value ("bad boolean configuration"; quotes are part of the value),
 * and a myhostname or mydomain that is no host name (all digits, or characters a name cannot
 * have: "bad parameter value"), a number parameter with anything but digits ("bad numerical
 * configuration", a "# comment" after the value included), and a list of lookup tables with a
 * word that is no table (mainCfTables.ts). Mail then stops, each daemon that reads the value
 * exiting as it starts. (message_size_limit is the limits grader's own check.)
 */
import { error, text, type FeedbackLine } from '../feedback.js';
import type { MainCf } from './mainCf.js';
import { badTableLists } from './mainCfTables.js';

/** yes/no parameters the lab's exercises and their likely answers use. */
const BOOLEANS = [
  'smtpd_sasl_auth_enable', 'smtpd_tls_auth_only', 'smtpd_use_tls', 'smtpd_enforce_tls', 'smtpd_tls_wrappermode', 'smtpd_helo_required',
  'smtpd_delay_reject', 'disable_vrfy_command', 'strict_rfc821_envelopes', 'soft_bounce', 'biff', 'append_dot_mydomain', 'smtp_sasl_auth_enable',
  'smtputf8_enable', 'smtpd_sasl_authenticated_header', 'broken_sasl_auth_clients', 'smtpd_tls_received_header', 'smtpd_tls_ask_ccert',
  'smtpd_tls_req_ccert', 'smtp_use_tls', 'tls_preempt_cipherlist',
];

/**
 * Who stops on a bad yes/no, from where Postfix 3.7's binaries read each parameter; not listed:
 * smtpd (postscreen and tlsproxy read some too). An smtp_* value stops only the client that
 * sends mail on, so mail still comes in.
 */
type Reader = [en: string, zh: string, after?: string, afterZh?: string];
const SENDER: Reader = ['the smtp(8) client that sends mail on to other servers', '负责把邮件发往其他服务器的 smtp(8) 客户端', '; outgoing mail waits in the queue, incoming mail is still accepted', '；外发邮件滞留在队列里，收信照常'];
const BOOLEAN_READERS: Record<string, Reader> = {
  soft_bounce: ['every Postfix daemon', '每个 Postfix 进程都'],
  smtputf8_enable: ['every Postfix daemon', '每个 Postfix 进程都'],
  smtp_sasl_auth_enable: SENDER,
  smtp_use_tls: SENDER,
  biff: ['local(8), which delivers to local mailboxes,', '负责投递到本地邮箱的 local(8)'],
  append_dot_mydomain: ['trivial-rewrite(8), which every message\'s addresses go through,', '每封邮件的地址都要经过的 trivial-rewrite(8)'],
  tls_preempt_cipherlist: ['every daemon that uses TLS (smtpd, smtp)', '每个使用 TLS 的进程（smtpd、smtp）都'],
};
const SMTPD: Reader = ['every smtpd', '每个 smtpd 都'];

/** Number parameters the exercises and their likely answers use. */
const NUMBERS = [
  'mailbox_size_limit', 'virtual_mailbox_limit', 'virtual_minimum_uid', 'smtpd_client_connection_rate_limit',
  'smtpd_client_message_rate_limit', 'smtpd_client_connection_count_limit', 'smtpd_client_recipient_rate_limit', 'smtpd_client_auth_rate_limit',
  'smtpd_client_new_tls_session_rate_limit', 'smtpd_recipient_limit', 'smtpd_soft_error_limit', 'smtpd_hard_error_limit',
  'dovecot_destination_recipient_limit', 'lmtp_destination_recipient_limit', 'virtual_destination_recipient_limit',
];

/** Postfix's valid_hostname: labels of letters, digits, "-" and "_", not all of it digits and dots. */
function validHostname(name: string): boolean {
  if (name.length === 0 || name.length > 255 || /^[\d.]+$/.test(name)) return false;
  return name.split('.').every((label) => label.length > 0 && label.length <= 63 && /^[A-Za-z0-9_-]+$/.test(label) && !label.startsWith('-') && !label.endsWith('-'));
}

/** The bad values in `cf`; with `only`, those of these names alone (a master.cf service's -o overrides). */
export function badValues(cf: MainCf, only?: ReadonlySet<string>): FeedbackLine[] {
  const lines: FeedbackLine[] = [];
  const asked = (name: string): boolean => cf.isSet(name) && (only === undefined || only.has(name));
  for (const name of BOOLEANS) {
    const value = cf.expand(name);
    if (!asked(name) || /^(yes|no)$/i.test(value)) continue;
    const [who, whoZh, after = '', afterZh = ''] = BOOLEAN_READERS[name] ?? SMTPD;
    lines.push(error('postfix.bad-boolean', text(`${name} = ${value}: Postfix takes only yes or no here (quotes are part of the value), and ${who} stops with "fatal: bad boolean configuration"${after}.`, `${name} = ${value}：这里 Postfix 只接受 yes 或 no（引号也算值的一部分），${whoZh}会以 "fatal: bad boolean configuration" 退出${afterZh}。`), text(`Write "${name} = yes" or "${name} = no".`, `写 "${name} = yes" 或 "${name} = no"。`)));
  }
  for (const name of NUMBERS) {
    const value = cf.expand(name);
    if (!asked(name) || /^\d+$/.test(value)) continue;
    lines.push(error('postfix.bad-number', text(`${name} = ${value}: Postfix takes only digits here (no quotes, no "# comment" after the value), and the daemons that read it stop with "fatal: bad numerical configuration".`, `${name} = ${value}：这里 Postfix 只接受数字（不能有引号，值后面也不能有 "# 注释"），读取它的进程会以 "fatal: bad numerical configuration" 退出。`), text(`Write only the number, e.g. "${name} = ${/^\D*(\d+)/.exec(value)?.[1] ?? '0'}"; put comments on their own line.`, `只写数字，例如 "${name} = ${/^\D*(\d+)/.exec(value)?.[1] ?? '0'}"；注释单独成行。`)));
  }
  for (const name of ['myhostname', 'mydomain']) {
    const value = cf.expand(name);
    if (!asked(name) || validHostname(value)) continue;
    lines.push(error('postfix.bad-hostname', text(`${name} = ${value} is no host name (${/^[\d.]*$/.test(value) ? 'only digits' : 'a character a name cannot have, or an empty label'}): Postfix stops with "fatal: bad parameter value".`, `${name} = ${value} 不是主机名（${/^[\d.]*$/.test(value) ? '只有数字' : '有主机名里不能出现的字符，或有空的标签'}）：Postfix 会以 "fatal: bad parameter value" 退出。`), text(`Write a domain name, e.g. "${name} = ${name === 'mydomain' ? 'example.com' : 'mail.example.com'}".`, `写一个域名，例如 "${name} = ${name === 'mydomain' ? 'example.com' : 'mail.example.com'}"。`)));
  }
  lines.push(...badTableLists(cf, only));
  return lines;
}
