/**
 * The relay grader: the learner's restrictions are run as smtpd runs them at RCPT TO for four
 * clients — a stranger relaying to another domain, the same stranger forging one of your own
 * addresses as sender (both must be refused), an authenticated user relaying (accepted), and a
 * stranger writing to your own domain (accepted) — and every outcome is explained by the
 * restriction, table entry or domain list that decided it.
 */
import { error, ok, text, type FeedbackLine, type Text } from '../feedback.js';
import type { MainCf } from './mainCf.js';
import { loadMainCf } from './postfix.js';
import { decide, describeStep, explain, ownDestinations, RELAY_GUARDS, restrictionsOf, type Client, type Decision } from './restrictions.js';
import { inCidr } from './accessTable.js';
import { parseMasterCf, serviceFor, withOverrides } from './masterCf.js';

export interface RelayParams {
  /** Lines the exercise gives (domains, SASL through Dovecot); the learner's lines come after. */
  given?: string;
  /** The exercise's master.cf: its -o overrides (AUTH on the submission service) apply to that service's clients. */
  masterCf?: string;
  localDomain: string;
}

export async function gradePostfixRelay(answer: string, p: RelayParams): Promise<FeedbackLine[]> {
  const { cf, feedback } = loadMainCf(answer, p.given);
  const lines = [...feedback];
  if (lines.some((l) => l.code === 'postfix.empty' || l.code === 'postfix.unknown-restriction')) return lines;

  const guarded = ['smtpd_relay_restrictions', 'smtpd_recipient_restrictions'].some((l) => restrictionsOf(cf, l).some((r) => RELAY_GUARDS.has(r.name)));
  if (!guarded) {
    lines.push(error('postfix.relay-fatal', text('Neither smtpd_relay_restrictions nor smtpd_recipient_restrictions contains reject_unauth_destination (or reject/defer): Postfix refuses to start, "to prevent open relay".', 'smtpd_relay_restrictions 和 smtpd_recipient_restrictions 里都没有 reject_unauth_destination（或 reject/defer）：Postfix 为了"防止开放中继"会拒绝启动。'), text('End smtpd_relay_restrictions with reject_unauth_destination.', '在 smtpd_relay_restrictions 的最后加上 reject_unauth_destination。')));
  }
  // Strangers reach port 25's smtpd; users log in on the submission service, with its -o overrides.
  const master = p.masterCf ? parseMasterCf(p.masterCf) : undefined;
  const mx = master ? withOverrides(cf, serviceFor(master, 'smtp', 25)) : cf;
  const submission = master ? withOverrides(cf, serviceFor(master, 'submission', 587)) : cf;
  if (master && mx.expand('smtpd_sasl_auth_enable').toLowerCase() === 'yes') {
    lines.push(error('postfix.auth-on-25', text('smtpd_sasl_auth_enable = yes in main.cf turns AUTH on for every smtpd, port 25 included, where only servers deliver mail and strangers would try passwords; master.cf already turns it on for the submission service.', 'main.cf 里的 smtpd_sasl_auth_enable = yes 会为每个 smtpd 开启 AUTH，包括只该由服务器投递邮件的 25 端口，陌生人会在那里试密码；master.cf 已经为 submission 服务开启了它。'), text('Remove smtpd_sasl_auth_enable from main.cf: "-o smtpd_sasl_auth_enable=yes" under submission in master.cf is where it belongs.', '从 main.cf 中删掉 smtpd_sasl_auth_enable：它应该写在 master.cf 的 submission 下面，即 "-o smtpd_sasl_auth_enable=yes"。')));
  }
  const saslOff = submission.expand('smtpd_sasl_auth_enable').toLowerCase() !== 'yes';
  if (saslOff) {
    lines.push(error('postfix.sasl-off', text('smtpd_sasl_auth_enable is not "yes": no client can authenticate, so permit_sasl_authenticated never matches.', 'smtpd_sasl_auth_enable 不是 "yes"：客户端无法认证，permit_sasl_authenticated 永远不会生效。'), text('Set "smtpd_sasl_auth_enable = yes".', '设置 "smtpd_sasl_auth_enable = yes"。')));
  }

  const own = `alice@${p.localDomain}`;
  const stranger: Client = { ip: '203.0.113.5', sasl: false, sender: 'someone@example.net', recipientDomain: 'gmail.com' };
  const forger: Client = { ...stranger, sender: own };
  const user: Client = { ip: '198.51.100.7', sasl: true, sender: own, recipientDomain: 'gmail.com' };
  const inbound: Client = { ...stranger, recipientDomain: p.localDomain.toLowerCase() };
  const decisions = [decide(mx, stranger), decide(mx, forger), decide(submission, user), decide(mx, inbound)];
  const unseen = decisions.find((d) => d.unseen)?.unseen;
  if (unseen) {
    lines.push(
      error(
        'postfix.unseen-table',
        text(`${describeStep(unseen).en} looks into ${unseen.arg}, a table kept in a file the grader cannot see. Whatever it holds decides who may relay: it might say OK to anyone, so the grader cannot call this safe.`, `${describeStep(unseen)['zh-CN']} 查询的是 ${unseen.arg}，这是一个存放在文件里、评分程序看不到的表。它的内容决定谁能中继：它可能对任何人都回答 OK，所以评分程序不能认定这样是安全的。`),
        text('For this exercise write the table inside main.cf (e.g. "check_client_access cidr:{ {192.0.2.0/24 OK} }" or "inline:{ key=OK }"), or leave the table out.', '本题请把表直接写在 main.cf 里（例如 "check_client_access cidr:{ {192.0.2.0/24 OK} }" 或 "inline:{ key=OK }"），或者不用这个表。'),
      ),
    );
    return lines;
  }
  const [toStranger, toForger, toUser, toInbound] = decisions as [Decision, Decision, Decision, Decision];
  const openRelay = toStranger.accepted ? { client: stranger, d: toStranger } : toForger.accepted ? { client: forger, d: toForger } : undefined;
  if (openRelay) {
    const who = openRelay.client === stranger ? text('an unauthenticated stranger at 203.0.113.5', '203.0.113.5 上未认证的陌生人') : text(`an unauthenticated stranger at 203.0.113.5 who claims to be <${own}>`, `203.0.113.5 上自称 <${own}> 的未认证陌生人`);
    const { why, hint } = whyAccepted(mx, openRelay.client, openRelay.d);
    lines.push(error('postfix.open-relay', text(`OPEN RELAY: ${who.en} sending to someone@gmail.com is accepted (${why.en}). Spammers would use your server within hours.`, `开放中继：${who['zh-CN']}发信给 someone@gmail.com 被接受了（${why['zh-CN']}）。几小时内就会被垃圾邮件发送者利用。`), hint));
  } else {
    lines.push(ok('postfix.no-open-relay', `A stranger relaying to gmail.com is refused (${explain(toStranger).en}), also with a forged sender address.`, `陌生人中继到 gmail.com 被拒绝（${explain(toStranger)['zh-CN']}），伪造发件地址也不行。`));
  }

  if (!toUser.accepted && !saslOff) {
    lines.push(error('postfix.auth-refused', text(`An authenticated user at 198.51.100.7 sending to gmail.com is refused (${explain(toUser).en}).`, `198.51.100.7 上已认证的用户发信到 gmail.com 被拒绝（${explain(toUser)['zh-CN']}）。`), text('Put permit_sasl_authenticated BEFORE reject_unauth_destination: restrictions are tried in order and the first decision wins.', '把 permit_sasl_authenticated 放在 reject_unauth_destination 之前：限制按顺序检查，第一个做出决定的生效。')));
  } else if (toUser.accepted) {
    lines.push(ok('postfix.auth-relay', 'An authenticated user may relay to other domains.', '已认证用户可以中继到其他域名。'));
  }

  if (!toInbound.accepted) {
    lines.push(error('postfix.inbound-refused', text(`Mail from the Internet to ${p.localDomain} (your own domain) is refused (${explain(toInbound).en}): nobody could send you mail.`, `从互联网发往 ${p.localDomain}（你自己的域名）的邮件被拒绝（${explain(toInbound)['zh-CN']}）：没人能给你发信了。`), text('Do not reject everything: reject_unauth_destination already lets mail for your own domains through.', '不要一律拒绝：reject_unauth_destination 本身就会放行发往你自己域名的邮件。')));
  } else {
    lines.push(ok('postfix.inbound', `Mail for ${p.localDomain} from anyone is accepted.`, `任何人发往 ${p.localDomain} 的邮件都会被接收。`));
  }
  return lines;
}

/** What let a relaying stranger through, and what to change: named by its cause. */
function whyAccepted(cf: MainCf, client: Client, d: Decision): { why: Text; hint: Text } {
  const permit = d.permits.find((s) => s.list === 'smtpd_relay_restrictions' || s.list === 'smtpd_recipient_restrictions') ?? d.permits[0];
  const listedIn = ownDestinations(cf).get(client.recipientDomain);
  if (permit?.name === 'permit_mynetworks' && cf.list('mynetworks').some((n) => inCidr(client.ip, n))) {
    return {
      why: text(`${describeStep(permit).en} matches, because mynetworks = ${cf.expand('mynetworks')} contains ${client.ip}`, `${describeStep(permit)['zh-CN']} 匹配了，因为 mynetworks = ${cf.expand('mynetworks')} 包含 ${client.ip}`),
      hint: text(`mynetworks = ${cf.expand('mynetworks')} includes the whole Internet. Trust only your own hosts: "mynetworks = 127.0.0.0/8 [::1]/128".`, `mynetworks = ${cf.expand('mynetworks')} 包含了整个互联网。只信任你自己的主机："mynetworks = 127.0.0.0/8 [::1]/128"。`),
    };
  }
  if (permit?.table) {
    const bySender = permit.name === 'check_sender_access';
    return {
      why: text(`let through by ${describeStep(permit).en}`, `被 ${describeStep(permit)['zh-CN']} 放行`),
      hint: bySender
        ? text('Anyone can write any address after MAIL FROM: never let the sender address decide about relaying. Put check_sender_access after reject_unauth_destination (or use it only to reject).', '任何人都能在 MAIL FROM 后面写任意地址：绝不能让发件地址决定是否允许中继。把 check_sender_access 放到 reject_unauth_destination 之后（或者只用它来拒绝）。')
        : text('A table that answers OK before reject_unauth_destination lets every client it matches relay. Put the table check after reject_unauth_destination, or make it answer only for your own hosts.', '在 reject_unauth_destination 之前回答 OK 的表，会让它匹配的每个客户端都能中继。把表检查放到 reject_unauth_destination 之后，或者只让它匹配你自己的主机。'),
    };
  }
  if (permit) {
    return {
      why: text(`${describeStep(permit).en} accepts it before any check that could refuse`, `${describeStep(permit)['zh-CN']} 在任何拒绝检查之前就接受了它`),
      hint: text('Put the permits for trusted clients first and end with reject_unauth_destination: "smtpd_relay_restrictions = permit_mynetworks, permit_sasl_authenticated, reject_unauth_destination".', '先写信任客户端的 permit，最后以 reject_unauth_destination 结尾："smtpd_relay_restrictions = permit_mynetworks, permit_sasl_authenticated, reject_unauth_destination"。'),
    };
  }
  if (listedIn) {
    return {
      why: text(`${listedIn} lists ${client.recipientDomain}, so Postfix counts it as a destination of its own and reject_unauth_destination lets it through`, `${listedIn} 里列出了 ${client.recipientDomain}，Postfix 就把它当成自己的目的地，reject_unauth_destination 因此放行`),
      hint: text(`Remove ${client.recipientDomain} from ${listedIn}: that list is for domains YOU receive or relay mail for (as their backup MX, say), never for other people's domains.`, `从 ${listedIn} 中删掉 ${client.recipientDomain}：这个列表只能写你自己接收或为其中继邮件的域名（例如你是它的备用 MX），绝不能写别人的域名。`),
    };
  }
  return {
    why: text('no restriction refuses it', '没有任何限制拒绝它'),
    hint: text('End smtpd_relay_restrictions with reject_unauth_destination: "smtpd_relay_restrictions = permit_mynetworks, permit_sasl_authenticated, reject_unauth_destination".', '在 smtpd_relay_restrictions 的最后加上 reject_unauth_destination："smtpd_relay_restrictions = permit_mynetworks, permit_sasl_authenticated, reject_unauth_destination"。'),
  };
}
