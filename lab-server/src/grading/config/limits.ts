/**
 * Limits that keep one client, or one stolen password, from hurting everyone: the largest
 * message accepted (message_size_limit, which must fit in a mailbox), anvil's per-client rates
 * (connections and messages per minute), and a logged-in user sending only as themselves
 * (smtpd_sender_login_maps with reject_sender_login_mismatch).
 */
import { error, ok, text, type FeedbackLine } from '../feedback.js';
import { sameTable } from './mainCfTables.js';
import { loadMainCf } from './postfix.js';
import { RESTRICTION_LISTS, restrictionsOf } from './restrictions.js';

export interface LimitsParams {
  given?: string;
  /** Bytes. */
  size: number;
  connectionRate: number;
  messageRate: number;
  /** The sender-login table, e.g. hash:/etc/postfix/sender_login. */
  loginMaps: string;
}

const LOGIN_CHECKS = new Set(['reject_sender_login_mismatch', 'reject_authenticated_sender_login_mismatch', 'reject_known_sender_login_mismatch']);
const mb = (bytes: number): string => `${(bytes / 1048576).toFixed(bytes % 1048576 ? 1 : 0)} MiB`;

export async function gradePostfixLimits(answer: string, p: LimitsParams): Promise<FeedbackLine[]> {
  const { cf, feedback } = loadMainCf(answer, p.given);
  const lines = [...feedback];
  if (lines.some((l) => l.code === 'postfix.empty')) return lines;

  const size = Number(cf.expand('message_size_limit'));
  if (size !== p.size) {
    lines.push(error('limits.size', text(`message_size_limit is ${cf.expand('message_size_limit') || '(empty)'}${size === 0 ? ' (no limit at all)' : ''}, not ${p.size} bytes (${mb(p.size)}).`, `message_size_limit 是 ${cf.expand('message_size_limit') || '（空）'}${size === 0 ? '（完全不限制）' : ''}，而不是 ${p.size} 字节（${mb(p.size)}）。`), text(`Write "message_size_limit = ${p.size}": the value is in bytes.`, `写 "message_size_limit = ${p.size}"：单位是字节。`)));
  } else {
    const box = Number(cf.expand('virtual_mailbox_limit'));
    if (box !== 0 && box < size) {
      lines.push(error('limits.size-mailbox', text(`virtual_mailbox_limit (${box}) is smaller than message_size_limit (${size}): virtual(8) refuses to run ("virtual_mailbox_limit is smaller than message_size_limit"), so nothing is delivered.`, `virtual_mailbox_limit（${box}）小于 message_size_limit（${size}）：virtual(8) 会拒绝运行（"virtual_mailbox_limit is smaller than message_size_limit"），邮件一封也投递不了。`), text(`Raise virtual_mailbox_limit to at least ${size} (or 0 for no mailbox limit).`, `把 virtual_mailbox_limit 提高到至少 ${size}（或 0 表示邮箱不限大小）。`)));
    } else {
      lines.push(ok('limits.size', `Messages up to ${size} bytes (${mb(size)}); EHLO announces SIZE ${size}.`, `邮件最大 ${size} 字节（${mb(size)}）；EHLO 会声明 SIZE ${size}。`));
    }
  }

  const unit = cf.expand('anvil_rate_time_unit') || '60s';
  const rates: Array<[string, number, string, string]> = [
    ['smtpd_client_connection_rate_limit', p.connectionRate, 'connections', '连接'],
    ['smtpd_client_message_rate_limit', p.messageRate, 'messages', '邮件'],
  ];
  if (!/^(60s?|1m)$/.test(unit)) {
    lines.push(error('limits.rate-unit', text(`anvil_rate_time_unit = ${unit}: the rates would count per ${unit}, not per minute.`, `anvil_rate_time_unit = ${unit}：速率会按每 ${unit} 计算，而不是每分钟。`), text('Leave anvil_rate_time_unit at its default, 60s.', 'anvil_rate_time_unit 保持默认值 60s。')));
  }
  for (const [name, wanted, what, whatZh] of rates) {
    const got = Number(cf.expand(name) || '0');
    if (got !== wanted) {
      lines.push(error(`limits.${what === 'connections' ? 'connection' : 'message'}-rate`, text(`${name} is ${got || '0 (no limit)'}, but a client may open at most ${wanted} ${what} per minute.`, `${name} 是 ${got || '0（不限制）'}，但每个客户端每分钟最多只能有 ${wanted} 次${whatZh}。`), text(`Write "${name} = ${wanted}" (anvil counts per client address, per anvil_rate_time_unit = 60s).`, `写 "${name} = ${wanted}"（anvil 按客户端地址计数，每 anvil_rate_time_unit = 60 秒）。`)));
    }
  }
  if (!lines.some((l) => l.code.endsWith('-rate') || l.code === 'limits.rate-unit')) {
    lines.push(ok('limits.rates', `Per client and minute: at most ${p.connectionRate} connections and ${p.messageRate} messages.`, `每个客户端每分钟：最多 ${p.connectionRate} 次连接、${p.messageRate} 封邮件。`));
  }

  const maps = cf.list('smtpd_sender_login_maps');
  const checks = RESTRICTION_LISTS.filter((l) => l !== 'smtpd_client_restrictions' && l !== 'smtpd_helo_restrictions').flatMap((l) => restrictionsOf(cf, l).filter((r) => LOGIN_CHECKS.has(r.name)));
  if (!maps.some((m) => sameTable(m, p.loginMaps))) {
    lines.push(error('limits.no-login-maps', text(`smtpd_sender_login_maps is ${maps.join(', ') || 'not set'}: Postfix does not know which login owns which sender address (the table is ${p.loginMaps}).`, `smtpd_sender_login_maps 是 ${maps.join('、') || '未设置'}：Postfix 不知道哪个登录名拥有哪个发件地址（表是 ${p.loginMaps}）。`), text(`Write "smtpd_sender_login_maps = ${p.loginMaps}".`, `写 "smtpd_sender_login_maps = ${p.loginMaps}"。`)));
  } else if (checks.length === 0) {
    lines.push(error('limits.no-login-check', text('smtpd_sender_login_maps is set, but no restriction uses it: alice can still log in and send as bob@example.com.', '设置了 smtpd_sender_login_maps，但没有任何限制使用它：alice 仍然可以登录后以 bob@example.com 的名义发信。'), text('Add "smtpd_sender_restrictions = reject_sender_login_mismatch".', '添加 "smtpd_sender_restrictions = reject_sender_login_mismatch"。')));
  } else {
    lines.push(ok('limits.login', `${checks[0]!.name}: a logged-in user may send only as the addresses ${p.loginMaps} gives them.`, `${checks[0]!.name}：已登录的用户只能使用 ${p.loginMaps} 分配给他的地址发信。`));
  }
  return lines;
}
