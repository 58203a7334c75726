/**
 * Postfix graders. Virtual mailbox domains are checked for what Postfix will do with them;
 * relay restrictions are checked by running them, as smtpd would at RCPT TO, for three clients:
 * a stranger relaying to another domain (must be refused), an authenticated user relaying
 * (must be accepted), and a stranger delivering to a local domain (must be accepted).
 */
import { isIPv4 } from 'node:net';
import { error, ok, text, warn, type FeedbackLine, type Text } from '../feedback.js';
import { MainCf, parseMainCf } from './mainCf.js';

/** Parses the exercise's given lines and the learner's, the learner's read last (they win). */
export function loadMainCf(answer: string, given?: string): { cf: MainCf; feedback: FeedbackLine[] } {
  const mine = parseMainCf(answer);
  const base = given ? parseMainCf(given) : undefined;
  const cf = new MainCf([...(base?.entries ?? []).map((e) => ({ ...e, line: 0 })), ...mine.entries], mine.problems);
  const feedback = mine.problems.map((p) =>
    p.level === 'error'
      ? error('postfix.syntax', text(`Line ${p.line}: ${p.message.en}`, `第 ${p.line} 行：${p.message['zh-CN']}`), text('Each setting is "name = value" on a line of its own; continue a long value on lines that start with a space.', '每个设置独占一行，写成 "名字 = 值"；过长的值可以在下一行以空格开头续写。'))
      : warn('postfix.notice', text(`Line ${p.line}: ${p.message.en}`, `第 ${p.line} 行：${p.message['zh-CN']}`), text('Correct or remove the line; "postconf -n" lists the settings Postfix really uses.', '修改或删除这一行；"postconf -n" 会列出 Postfix 实际使用的设置。')),
  );
  if (mine.entries.length === 0 && mine.problems.length === 0) {
    feedback.push(error('postfix.empty', text('The answer sets no parameters.', '答案里没有设置任何参数。'), text('Write main.cf lines such as "virtual_mailbox_domains = example.com".', '写出 main.cf 的配置行，例如 "virtual_mailbox_domains = example.com"。')));
  }
  return { cf, feedback };
}

function normPath(p: string): string {
  return p.replace(/\/+/g, '/').replace(/(.)\/$/, '$1');
}

export interface VirtualParams {
  domains: string[];
  base: string;
  maps: string;
  given?: string;
}

export async function gradePostfixVirtual(answer: string, p: VirtualParams): Promise<FeedbackLine[]> {
  const { cf, feedback } = loadMainCf(answer, p.given);
  const lines = [...feedback];
  if (lines.some((l) => l.code === 'postfix.empty')) return lines;
  const wanted = p.domains.map((d) => d.toLowerCase());

  if (!cf.isSet('virtual_mailbox_domains')) {
    lines.push(error('postfix.vdomains-unset', text('virtual_mailbox_domains is not set, so Postfix does not know which domains have virtual mailboxes.', '没有设置 virtual_mailbox_domains，Postfix 不知道哪些域名使用虚拟邮箱。'), text(`Add "virtual_mailbox_domains = ${wanted.join(', ')}".`, `添加 "virtual_mailbox_domains = ${wanted.join(', ')}"。`)));
  } else {
    const domains = cf.list('virtual_mailbox_domains').map((d) => d.toLowerCase());
    if (domains.some((d) => d.includes(':') || d.startsWith('/'))) {
      lines.push(error('postfix.vdomains-table', text('virtual_mailbox_domains points at a lookup table, whose contents the grader cannot see.', 'virtual_mailbox_domains 指向了一个查找表，评分程序看不到表里的内容。'), text(`For this exercise list the domains directly: "virtual_mailbox_domains = ${wanted.join(', ')}".`, `本题请直接列出域名："virtual_mailbox_domains = ${wanted.join(', ')}"。`)));
    } else {
      const missing = wanted.filter((d) => !domains.includes(d));
      const extra = domains.filter((d) => !wanted.includes(d));
      if (missing.length) lines.push(error('postfix.vdomains-missing', text(`virtual_mailbox_domains does not include ${missing.join(', ')}: Postfix would reject mail for ${missing.length > 1 ? 'them' : 'it'} with "Relay access denied".`, `virtual_mailbox_domains 不包含 ${missing.join('、')}：Postfix 会以 "Relay access denied" 拒收发往这些域名的邮件。`), text(`List every domain: "virtual_mailbox_domains = ${wanted.join(', ')}" (commas or spaces both work).`, `列出所有域名："virtual_mailbox_domains = ${wanted.join(', ')}"（逗号或空格分隔都可以）。`)));
      if (extra.length) lines.push(error('postfix.vdomains-extra', text(`virtual_mailbox_domains also lists ${extra.join(', ')}, which the exercise does not ask for.`, `virtual_mailbox_domains 还列出了题目没有要求的 ${extra.join('、')}。`), text('Keep only the domains asked for.', '只保留题目要求的域名。')));
      if (!missing.length && !extra.length) lines.push(ok('postfix.vdomains', `virtual_mailbox_domains = ${domains.join(', ')}.`, `virtual_mailbox_domains = ${domains.join(', ')}。`));
    }
  }

  const virtual = cf.isSet('virtual_mailbox_domains') ? cf.list('virtual_mailbox_domains').map((d) => d.toLowerCase()) : [];
  const both = cf.list('mydestination').map((d) => d.toLowerCase()).filter((d) => virtual.includes(d));
  if (both.length) {
    lines.push(error('postfix.mydestination-conflict', text(`${both.join(', ')} is in mydestination AND virtual_mailbox_domains. A domain must be in only one address class: Postfix warns "do not list domain ${both[0]} in BOTH mydestination and virtual_mailbox_domains" and delivers it as a local (UNIX account) domain.`, `${both.join('、')} 同时出现在 mydestination 和 virtual_mailbox_domains 中。一个域名只能属于一种地址类别：Postfix 会警告 "do not list domain ${both[0]} in BOTH mydestination and virtual_mailbox_domains"，并把它当作本地（系统账户）域名投递。`), text(`Remove ${both.join(', ')} from mydestination (e.g. "mydestination = localhost").`, `从 mydestination 中删掉 ${both.join('、')}（例如 "mydestination = localhost"）。`)));
  }

  const base = cf.expand('virtual_mailbox_base');
  if (!cf.isSet('virtual_mailbox_base')) {
    lines.push(error('postfix.vbase-unset', text('virtual_mailbox_base is not set, so the paths in the mailbox map have nothing to be relative to.', '没有设置 virtual_mailbox_base，邮箱映射表里的路径没有基准目录。'), text(`Add "virtual_mailbox_base = ${p.base}".`, `添加 "virtual_mailbox_base = ${p.base}"。`)));
  } else if (!base.startsWith('/')) {
    lines.push(error('postfix.vbase', text(`virtual_mailbox_base = ${base} is not an absolute path.`, `virtual_mailbox_base = ${base} 不是绝对路径。`), text(`Write "virtual_mailbox_base = ${p.base}".`, `写 "virtual_mailbox_base = ${p.base}"。`)));
  } else if (normPath(base) !== normPath(p.base)) {
    lines.push(error('postfix.vbase', text(`virtual_mailbox_base is ${base}, but the mail is to be stored under ${p.base}.`, `virtual_mailbox_base 是 ${base}，但邮件应存放在 ${p.base} 下。`), text(`Write "virtual_mailbox_base = ${p.base}".`, `写 "virtual_mailbox_base = ${p.base}"。`)));
  } else {
    lines.push(ok('postfix.vbase', `virtual_mailbox_base = ${base}.`, `virtual_mailbox_base = ${base}。`));
  }

  const [wantType, ...rest] = p.maps.split(':');
  const wantPath = rest.join(':');
  const maps = cf.list('virtual_mailbox_maps');
  if (!cf.isSet('virtual_mailbox_maps') || maps.length === 0) {
    lines.push(error('postfix.vmaps-unset', text('virtual_mailbox_maps is not set, so Postfix cannot tell which addresses have a mailbox (and where).', '没有设置 virtual_mailbox_maps，Postfix 不知道哪些地址有邮箱（以及在哪里）。'), text(`Add "virtual_mailbox_maps = ${p.maps}".`, `添加 "virtual_mailbox_maps = ${p.maps}"。`)));
  } else {
    const match = maps.find((m) => normPath(m.slice(m.indexOf(':') + 1)) === normPath(wantPath) || normPath(m) === normPath(wantPath));
    if (!match) {
      lines.push(error('postfix.vmaps', text(`virtual_mailbox_maps is ${maps.join(', ')}, not the table ${p.maps}.`, `virtual_mailbox_maps 是 ${maps.join('、')}，不是 ${p.maps} 这张表。`), text(`Write "virtual_mailbox_maps = ${p.maps}".`, `写 "virtual_mailbox_maps = ${p.maps}"。`)));
    } else if (!match.includes(':') || match.startsWith('/')) {
      lines.push(error('postfix.vmaps-no-type', text(`"${match}" has no table type: Postfix lookup tables are written type:name.`, `"${match}" 没有写表类型：Postfix 的查找表要写成 类型:名字。`), text(`Write "${p.maps}" (and build it with "postmap ${wantPath}").`, `写 "${p.maps}"（并用 "postmap ${wantPath}" 生成它）。`)));
    } else if (match.split(':')[0]!.toLowerCase() !== wantType!.toLowerCase()) {
      lines.push(warn('postfix.vmaps-type', text(`${match} works, but the exercise asks for a ${wantType}: table.`, `${match} 也能用，但题目要求 ${wantType}: 类型的表。`), text(`Write "${p.maps}".`, `写 "${p.maps}"。`)));
    } else {
      lines.push(ok('postfix.vmaps', `virtual_mailbox_maps = ${match} (build it with "postmap ${wantPath}").`, `virtual_mailbox_maps = ${match}（用 "postmap ${wantPath}" 生成）。`));
    }
  }
  return lines;
}

// ---- relay restrictions --------------------------------------------------------------

interface Client {
  ip: string;
  sasl: boolean;
  recipientDomain: string;
}

interface Decision {
  accepted: boolean;
  /** The restriction that decided, with where it is. */
  by?: { list: string; index: number; name: string };
}

const RESTRICTION_LISTS = ['smtpd_client_restrictions', 'smtpd_helo_restrictions', 'smtpd_sender_restrictions', 'smtpd_relay_restrictions', 'smtpd_recipient_restrictions'];
/** Restrictions followed by a table or server argument. */
const TAKES_ARGUMENT = /^(check_\w+_access|check_policy_service|reject_rbl_client|reject_rhsbl_\w+|permit_dnswl_client|permit_rhswl_client|check_\w+_(ns|mx|a)_access)$/;
/** Restrictions that cannot change the outcome for the lab's three well-behaved test clients. */
const NEUTRAL = new Set([
  'reject_unauth_pipelining', 'reject_non_fqdn_recipient', 'reject_non_fqdn_sender', 'reject_non_fqdn_helo_hostname', 'reject_invalid_helo_hostname',
  'reject_unknown_helo_hostname', 'reject_unknown_sender_domain', 'reject_unknown_recipient_domain', 'reject_unlisted_recipient', 'reject_unlisted_sender',
  'reject_unknown_client_hostname', 'reject_unknown_reverse_client_hostname', 'reject_sender_login_mismatch', 'reject_authenticated_sender_login_mismatch',
  'reject_unauthenticated_sender_login_mismatch', 'reject_known_sender_login_mismatch', 'reject_multi_recipient_bounce', 'reject_plaintext_session',
  'permit_tls_clientcerts', 'permit_tls_all_clientcerts', 'warn_if_reject', 'reject_non_fqdn_hostname', 'reject_invalid_hostname', 'reject_unknown_hostname',
  'reject_rbl_client', 'reject_rhsbl_client', 'reject_rhsbl_sender', 'reject_rhsbl_helo', 'reject_rhsbl_recipient', 'reject_rhsbl_reverse_client',
  'check_policy_service', 'sleep', 'permit_dnswl_client', 'permit_rhswl_client',
]);
const KNOWN = new Set([...NEUTRAL, 'permit', 'reject', 'defer', 'defer_if_permit', 'defer_if_reject', 'permit_mynetworks', 'permit_sasl_authenticated', 'reject_unauth_destination', 'defer_unauth_destination', 'permit_auth_destination', 'reject_unverified_recipient', 'reject_unverified_sender']);
const RELAY_GUARDS = new Set(['reject_unauth_destination', 'defer_unauth_destination', 'reject', 'defer', 'defer_all', 'defer_if_permit']);

function inCidr(ip: string, network: string): boolean | undefined {
  const m = /^\[?([\d.]+)\]?(?:\/(\d{1,2}))?$/.exec(network);
  if (!m || !isIPv4(m[1]!)) return network.includes(':') && !network.startsWith('[') && !network.startsWith('/') ? undefined : false;
  const bits = m[2] === undefined ? 32 : Number(m[2]);
  if (bits > 32) return false;
  const toInt = (a: string): number => a.split('.').reduce((n, o) => (n << 8) + Number(o), 0) >>> 0;
  const mask = bits === 0 ? 0 : (~0 << (32 - bits)) >>> 0;
  return ((toInt(ip) & mask) >>> 0) === ((toInt(m[1]!) & mask) >>> 0);
}

interface Restriction {
  name: string;
  arg?: string;
}

function restrictionsOf(cf: MainCf, list: string): Restriction[] {
  const tokens = cf.list(list);
  const out: Restriction[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const name = tokens[i]!.toLowerCase();
    if (TAKES_ARGUMENT.test(name) && i + 1 < tokens.length) out.push({ name, arg: tokens[++i] });
    else out.push({ name });
  }
  return out;
}

function localDomains(cf: MainCf): string[] {
  return ['mydestination', 'virtual_mailbox_domains', 'virtual_alias_domains', 'relay_domains'].flatMap((n) => cf.list(n)).map((d) => d.toLowerCase());
}

function decide(cf: MainCf, client: Client): Decision {
  const sasl = client.sasl && cf.expand('smtpd_sasl_auth_enable').toLowerCase() === 'yes';
  const mynetworks = cf.list('mynetworks');
  const local = localDomains(cf).includes(client.recipientDomain);
  for (const list of RESTRICTION_LISTS) {
    const restrictions = restrictionsOf(cf, list);
    for (let index = 0; index < restrictions.length; index++) {
      const { name } = restrictions[index]!;
      const by = { list, index: index + 1, name };
      let verdict: 'ok' | 'reject' | 'dunno' = 'dunno';
      if (name === 'permit') verdict = 'ok';
      else if (name === 'reject' || name === 'defer' || name === 'defer_if_permit') verdict = 'reject';
      else if (name === 'permit_mynetworks') verdict = mynetworks.some((n) => inCidr(client.ip, n)) ? 'ok' : 'dunno';
      else if (name === 'permit_sasl_authenticated') verdict = sasl ? 'ok' : 'dunno';
      else if (name === 'reject_unauth_destination' || name === 'defer_unauth_destination') verdict = local ? 'dunno' : 'reject';
      else if (name === 'permit_auth_destination') verdict = local ? 'ok' : 'dunno';
      if (verdict === 'reject') return { accepted: false, by };
      // OK ends this list only; the next list is still evaluated (postconf(5)).
      if (verdict === 'ok') break;
    }
  }
  return { accepted: true };
}

function explain(d: Decision): Text {
  if (!d.by) return text('no restriction refused it', '没有任何限制拒绝它');
  return text(`decided by "${d.by.name}", item ${d.by.index} of ${d.by.list}`, `由 ${d.by.list} 第 ${d.by.index} 项 "${d.by.name}" 决定`);
}

export interface RelayParams {
  /** Lines the exercise gives (domains, SASL switched on); the learner's lines come after. */
  given?: string;
  localDomain: string;
}

export async function gradePostfixRelay(answer: string, p: RelayParams): Promise<FeedbackLine[]> {
  const { cf, feedback } = loadMainCf(answer, p.given);
  const lines = [...feedback];
  if (lines.some((l) => l.code === 'postfix.empty')) return lines;

  for (const list of RESTRICTION_LISTS) {
    for (const r of restrictionsOf(cf, list)) {
      if (!KNOWN.has(r.name) && !TAKES_ARGUMENT.test(r.name)) {
        lines.push(error('postfix.unknown-restriction', text(`"${r.name}" in ${list} is not a Postfix restriction: smtpd stops with "unknown restriction" and refuses all mail.`, `${list} 中的 "${r.name}" 不是 Postfix 的限制条件：smtpd 会报 "unknown restriction" 并拒收所有邮件。`), text('Check the spelling, e.g. permit_sasl_authenticated, reject_unauth_destination.', '检查拼写，例如 permit_sasl_authenticated、reject_unauth_destination。')));
      }
    }
  }
  if (lines.some((l) => l.code === 'postfix.unknown-restriction')) return lines;

  const guarded = ['smtpd_relay_restrictions', 'smtpd_recipient_restrictions'].some((l) => restrictionsOf(cf, l).some((r) => RELAY_GUARDS.has(r.name)));
  if (!guarded) {
    lines.push(error('postfix.relay-fatal', text('Neither smtpd_relay_restrictions nor smtpd_recipient_restrictions contains reject_unauth_destination (or reject/defer): Postfix refuses to start, "to prevent open relay".', 'smtpd_relay_restrictions 和 smtpd_recipient_restrictions 里都没有 reject_unauth_destination（或 reject/defer）：Postfix 为了"防止开放中继"会拒绝启动。'), text('End smtpd_relay_restrictions with reject_unauth_destination.', '在 smtpd_relay_restrictions 的最后加上 reject_unauth_destination。')));
  }
  if (cf.expand('smtpd_sasl_auth_enable').toLowerCase() !== 'yes') {
    lines.push(error('postfix.sasl-off', text('smtpd_sasl_auth_enable is not "yes": no client can authenticate, so permit_sasl_authenticated never matches.', 'smtpd_sasl_auth_enable 不是 "yes"：客户端无法认证，permit_sasl_authenticated 永远不会生效。'), text('Set "smtpd_sasl_auth_enable = yes".', '设置 "smtpd_sasl_auth_enable = yes"。')));
  }

  const stranger = decide(cf, { ip: '203.0.113.5', sasl: false, recipientDomain: 'gmail.com' });
  if (stranger.accepted) {
    const byMynetworks = stranger.by === undefined && restrictionsOf(cf, 'smtpd_relay_restrictions').some((r) => r.name === 'permit_mynetworks') && cf.list('mynetworks').some((n) => inCidr('203.0.113.5', n));
    const why = explainAccept(cf, { ip: '203.0.113.5', sasl: false, recipientDomain: 'gmail.com' });
    lines.push(
      error(
        'postfix.open-relay',
        text(`OPEN RELAY: an unauthenticated stranger at 203.0.113.5 sending to someone@gmail.com is accepted (${why.en}). Spammers would use your server within hours.`, `开放中继：203.0.113.5 上未认证的陌生人发信给 someone@gmail.com 被接受了（${why['zh-CN']}）。几小时内就会被垃圾邮件发送者利用。`),
        byMynetworks
          ? text(`mynetworks = ${cf.expand('mynetworks')} includes the whole Internet. Trust only your own hosts: "mynetworks = 127.0.0.0/8 [::1]/128".`, `mynetworks = ${cf.expand('mynetworks')} 包含了整个互联网。只信任你自己的主机："mynetworks = 127.0.0.0/8 [::1]/128"。`)
          : text('Put the permits for trusted clients first and end with reject_unauth_destination: "smtpd_relay_restrictions = permit_mynetworks, permit_sasl_authenticated, reject_unauth_destination".', '先写信任客户端的 permit，最后以 reject_unauth_destination 结尾："smtpd_relay_restrictions = permit_mynetworks, permit_sasl_authenticated, reject_unauth_destination"。'),
      ),
    );
  } else {
    lines.push(ok('postfix.no-open-relay', `A stranger relaying to gmail.com is refused (${explain(stranger).en}).`, `陌生人中继到 gmail.com 被拒绝（${explain(stranger)['zh-CN']}）。`));
  }

  const user = decide(cf, { ip: '198.51.100.7', sasl: true, recipientDomain: 'gmail.com' });
  if (!user.accepted && !lines.some((l) => l.code === 'postfix.sasl-off')) {
    lines.push(error('postfix.auth-refused', text(`An authenticated user at 198.51.100.7 sending to gmail.com is refused (${explain(user).en}).`, `198.51.100.7 上已认证的用户发信到 gmail.com 被拒绝（${explain(user)['zh-CN']}）。`), text('Put permit_sasl_authenticated BEFORE reject_unauth_destination: restrictions are tried in order and the first decision wins.', '把 permit_sasl_authenticated 放在 reject_unauth_destination 之前：限制按顺序检查，第一个做出决定的生效。')));
  } else if (user.accepted) {
    lines.push(ok('postfix.auth-relay', 'An authenticated user may relay to other domains.', '已认证用户可以中继到其他域名。'));
  }

  const inbound = decide(cf, { ip: '203.0.113.5', sasl: false, recipientDomain: p.localDomain });
  if (!inbound.accepted) {
    lines.push(error('postfix.inbound-refused', text(`Mail from the Internet to ${p.localDomain} (your own domain) is refused (${explain(inbound).en}): nobody could send you mail.`, `从互联网发往 ${p.localDomain}（你自己的域名）的邮件被拒绝（${explain(inbound)['zh-CN']}）：没人能给你发信了。`), text('Do not reject everything: reject_unauth_destination already lets mail for your own domains through.', '不要一律拒绝：reject_unauth_destination 本身就会放行发往你自己域名的邮件。')));
  } else {
    lines.push(ok('postfix.inbound', `Mail for ${p.localDomain} from anyone is accepted.`, `任何人发往 ${p.localDomain} 的邮件都会被接收。`));
  }
  return lines;
}

/** Why a stranger got through: the permit that let it, or that nothing refused it. */
function explainAccept(cf: MainCf, client: Client): Text {
  for (const list of ['smtpd_relay_restrictions', 'smtpd_recipient_restrictions']) {
    const restrictions = restrictionsOf(cf, list);
    for (let i = 0; i < restrictions.length; i++) {
      const name = restrictions[i]!.name;
      if (name === 'permit') return text(`"permit" at item ${i + 1} of ${list} accepts everyone before any check that could refuse`, `${list} 第 ${i + 1} 项的 "permit" 在任何拒绝检查之前就接受了所有人`);
      if (name === 'permit_mynetworks' && cf.list('mynetworks').some((n) => inCidr(client.ip, n))) return text(`permit_mynetworks at item ${i + 1} of ${list} matches, because mynetworks = ${cf.expand('mynetworks')} contains 203.0.113.5`, `${list} 第 ${i + 1} 项的 permit_mynetworks 匹配了，因为 mynetworks = ${cf.expand('mynetworks')} 包含 203.0.113.5`);
      if (RELAY_GUARDS.has(name)) break;
    }
  }
  return text('no restriction refuses it', '没有任何限制拒绝它');
}
