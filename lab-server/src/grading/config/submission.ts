/**
 * The submission services in master.cf (RFC 6409, RFC 8314): port 587 with STARTTLS required,
 * port 465 with TLS from the first byte, AUTH offered only there, and relaying only for
 * authenticated clients — while port 25 keeps offering TLS without requiring it (RFC 3207 §4)
 * and offers no AUTH at all. Each service is judged as smtpd would run it: main.cf, then its
 * own -o overrides.
 */
import { error, ok, text, warn, type FeedbackLine, type Text } from '../feedback.js';
import { MainCf, parseMainCf } from './mainCf.js';
import { badValues } from './mainCfValues.js';
import { parseMasterCf, serviceFor, withOverrides, type MasterService } from './masterCf.js';
import { daemonRefused } from './masterDaemons.js';
import { decide, unknownRestrictions } from './restrictions.js';

export interface SubmissionParams {
  /** The main.cf lines the exercise gives. */
  given: string;
}

interface Port {
  name: 'submission' | 'submissions';
  port: number;
}

const PORTS: Port[] = [
  { name: 'submission', port: 587 },
  { name: 'submissions', port: 465 },
];

function on(service: string, t: Text): Text {
  return text(`${service}: ${t.en}`, `${service}：${t['zh-CN']}`);
}

export async function gradePostfixSubmission(answer: string, p: SubmissionParams): Promise<FeedbackLine[]> {
  const master = parseMasterCf(answer);
  const main = parseMainCf(p.given);
  const lines: FeedbackLine[] = master.problems.map((x) => error('master.syntax', text(`Line ${x.line}: ${x.message.en}`, `第 ${x.line} 行：${x.message['zh-CN']}`), text('A service line has eight fields; "-o name=value" lines below it start with blanks.', '服务行有八个字段；它下面的 "-o name=value" 行以空白开头。')));
  if (master.services.length === 0) {
    if (lines.length === 0) lines.push(error('master.empty', text('The answer defines no service.', '答案里没有定义任何服务。'), text('Write service lines such as "submission inet n - y - - smtpd".', '写出服务行，例如 "submission inet n - y - - smtpd"。')));
    return lines;
  }
  for (const r of master.replaced) {
    const last = master.services.find((s) => s.name === r.name && s.type === r.type)!;
    lines.push(warn('master.duplicate', text(`Line ${r.line}: "${r.name} ${r.type}" is defined again on line ${last.line}; Postfix runs only the last one and ignores this one.`, `第 ${r.line} 行："${r.name} ${r.type}" 在第 ${last.line} 行又定义了一次；Postfix 只运行最后那个，忽略这一个。`), text('Keep one entry per service: merge the -o lines you want into it and remove the other.', '每个服务只保留一个条目：把需要的 -o 行合并进去，删掉另一个。')));
  }
  const smtp = serviceFor(master, 'smtp', 25);
  const refused = smtp && refusedBy(smtp, 'smtp (port 25)', 'smtp（端口 25）');
  if (refused) lines.push(refused);
  else if (smtp) lines.push(...checkPort25(withOverrides(main, smtp)));
  const judged = new Set([smtp, ...PORTS.map((port) => serviceFor(master, port.name, port.port))]);
  for (const port of PORTS) lines.push(...checkSubmission(main, port, serviceFor(master, port.name, port.port)));
  // The other services are not judged, but a daemon that stops on its command line takes them down.
  for (const other of master.services.filter((s) => !judged.has(s))) {
    const refused = daemonRefused(other);
    if (refused) lines.push(refused);
  }
  return lines;
}

function checkPort25(cf: MainCf): FeedbackLine[] {
  const lines: FeedbackLine[] = [];
  if (cf.expand('smtpd_sasl_auth_enable').toLowerCase() === 'yes') {
    lines.push(error('master.auth-on-25', text('smtp (port 25) offers AUTH: port 25 is for other mail servers, which never log in, and an AUTH there invites password guessing from the whole Internet.', 'smtp（端口 25）提供了 AUTH：25 端口是给其他邮件服务器用的，它们从不登录；在这里开放 AUTH 只会招来全网的密码猜测。'), text('Remove smtpd_sasl_auth_enable=yes from the smtp service; enable AUTH with -o on submission and submissions only.', '从 smtp 服务中去掉 smtpd_sasl_auth_enable=yes；只在 submission 和 submissions 上用 -o 开启 AUTH。')));
  }
  if (['encrypt', 'dane-only', 'verify', 'secure'].includes(cf.expand('smtpd_tls_security_level').toLowerCase())) {
    lines.push(error('master.tls-required-25', text('smtp (port 25) requires TLS: servers that cannot do STARTTLS could no longer deliver to you; a public MX must not require it (RFC 3207 §4).', 'smtp（端口 25）强制要求 TLS：不支持 STARTTLS 的服务器就无法给你投递了；公开的 MX 不得强制要求 TLS（RFC 3207 §4）。'), text('Leave port 25 at smtpd_tls_security_level=may: TLS offered, not required.', '25 端口保持 smtpd_tls_security_level=may：提供 TLS，但不强制。')));
  }
  if (lines.length === 0) lines.push(ok('master.port25', 'smtp (port 25): TLS offered, not required, and no AUTH.', 'smtp（端口 25）：提供 TLS 但不强制，没有 AUTH。'));
  return lines;
}

function checkSubmission(main: MainCf, port: Port, service: MasterService | undefined): FeedbackLine[] {
  const name = `${port.name} (port ${port.port})`;
  const zh = `${port.name}（端口 ${port.port}）`;
  if (!service) {
    return [error(`master.${port.name}-missing`, text(`There is no ${name} service.`, `没有 ${zh} 服务。`), text(`Add "${port.name} inet n - y - - smtpd" with its -o lines below it.`, `添加 "${port.name} inet n - y - - smtpd"，并在下面写上它的 -o 行。`))];
  }
  if (service.command !== 'smtpd') {
    return [error(`master.${port.name}-command`, on(name, text(`the command is ${service.command}, not smtpd.`, `命令是 ${service.command}，不是 smtpd。`)), text('The eighth field must be smtpd.', '第八个字段必须是 smtpd。'))];
  }
  const refused = refusedBy(service, name, zh);
  if (refused) return [refused];
  const cf = withOverrides(main, service);
  // A value smtpd stops on ("-o smtpd_helo_required=true") leaves the service no smtpd at all.
  const stops = badValues(cf, new Set(service.overrides.map((o) => o.name)));
  if (stops.length) return stops.map((l) => ({ ...l, message: on(name, l.message) }));
  const lines: FeedbackLine[] = [];
  const level = cf.expand('smtpd_tls_security_level').toLowerCase();
  const wrapper = cf.expand('smtpd_tls_wrappermode').toLowerCase() === 'yes';
  if (port.name === 'submissions' && !wrapper) {
    lines.push(error('master.no-wrappermode', on(name, text('the service waits for a plain-text greeting, but clients on 465 start TLS with the first byte (RFC 8314 §3).', '这个服务等待明文问候，但 465 端口的客户端从第一个字节就开始 TLS（RFC 8314 §3）。')), text('Add "-o smtpd_tls_wrappermode=yes".', '添加 "-o smtpd_tls_wrappermode=yes"。')));
  }
  if (port.name === 'submission' && wrapper) {
    lines.push(error('master.wrappermode-587', on(name, text('smtpd_tls_wrappermode=yes makes 587 speak TLS from the first byte, but clients on 587 greet in plain text and then send STARTTLS.', 'smtpd_tls_wrappermode=yes 会让 587 从第一个字节就说 TLS，但 587 端口的客户端先用明文问候，再发送 STARTTLS。')), text('Remove it from submission; use "-o smtpd_tls_security_level=encrypt".', '从 submission 中去掉它；改用 "-o smtpd_tls_security_level=encrypt"。')));
  }
  if (port.name === 'submission' && level !== 'encrypt' && cf.expand('smtpd_enforce_tls').toLowerCase() !== 'yes') {
    lines.push(error('master.tls-optional', on(name, text(`smtpd_tls_security_level is "${level || 'none'}": a client could log in and send without STARTTLS, its password in clear text.`, `smtpd_tls_security_level 是 "${level || '空'}"：客户端可以不用 STARTTLS 就登录并发信，密码以明文传输。`)), text('Add "-o smtpd_tls_security_level=encrypt": TLS required before anything else.', '添加 "-o smtpd_tls_security_level=encrypt"：必须先启用 TLS。')));
  }
  if (cf.expand('smtpd_sasl_auth_enable').toLowerCase() !== 'yes') {
    lines.push(error('master.no-auth', on(name, text('AUTH is not enabled, so no client can log in to send.', '没有开启 AUTH，客户端无法登录发信。')), text('Add "-o smtpd_sasl_auth_enable=yes".', '添加 "-o smtpd_sasl_auth_enable=yes"。')));
    return lines;
  }
  // An unknown name (a typo, a "#" comment in an -o value) answers every client 451 4.3.5.
  const unknown = unknownRestrictions(cf);
  if (unknown.length) return [...lines, ...unknown.map((l) => ({ ...l, message: on(name, l.message) }))];
  const stranger = decide(cf, { ip: '203.0.113.5', sasl: false, sender: 'alice@example.com', recipientDomain: 'gmail.com' });
  const local = decide(cf, { ip: '203.0.113.5', sasl: false, sender: 'someone@example.net', recipientDomain: 'example.com' });
  const user = decide(cf, { ip: '198.51.100.7', sasl: true, sender: 'alice@example.com', recipientDomain: 'gmail.com' });
  if (stranger.unseen || user.unseen || local.unseen) {
    lines.push(error('master.unseen-table', on(name, text('a restriction looks into a table kept in a file, which the grader cannot see.', '某个限制查询了存放在文件里的表，评分程序看不到它。')), text('Use "-o smtpd_relay_restrictions=permit_sasl_authenticated,reject".', '使用 "-o smtpd_relay_restrictions=permit_sasl_authenticated,reject"。')));
  } else if (stranger.accepted) {
    lines.push(error('master.open', on(name, text('a client that did not log in may relay to gmail.com: the submission port is an open relay.', '没有登录的客户端也能中继到 gmail.com：提交端口成了开放中继。')), text('Override the restrictions for this service: "-o smtpd_relay_restrictions=permit_sasl_authenticated,reject" (or smtpd_client_restrictions).', '为这个服务覆盖限制："-o smtpd_relay_restrictions=permit_sasl_authenticated,reject"（或 smtpd_client_restrictions）。')));
  } else if (local.accepted) {
    lines.push(error('master.anonymous', on(name, text('a client that did not log in may still send mail to example.com here: the submission ports are for your own users, who always log in (RFC 6409 §4.3).', '没有登录的客户端在这里仍然可以给 example.com 发信：提交端口只给你自己的用户用，他们总是要登录的（RFC 6409 §4.3）。')), text('Refuse everyone who has not logged in: "-o smtpd_client_restrictions=permit_sasl_authenticated,reject" or "-o smtpd_relay_restrictions=permit_sasl_authenticated,reject".', '拒绝所有没有登录的客户端："-o smtpd_client_restrictions=permit_sasl_authenticated,reject" 或 "-o smtpd_relay_restrictions=permit_sasl_authenticated,reject"。')));
  } else if (!user.accepted) {
    lines.push(error('master.auth-refused', on(name, text('a logged-in user is refused when sending to gmail.com.', '已登录的用户发往 gmail.com 被拒绝了。')), text('Start the restrictions with permit_sasl_authenticated: "-o smtpd_relay_restrictions=permit_sasl_authenticated,reject".', '限制以 permit_sasl_authenticated 开头："-o smtpd_relay_restrictions=permit_sasl_authenticated,reject"。')));
  }
  if (lines.length === 0) {
    lines.push(ok(`master.${port.name}`, `${name}: ${port.name === 'submission' ? 'STARTTLS required' : 'TLS from the first byte'}, AUTH offered, mail accepted only after AUTH.`, `${zh}：${port.name === 'submission' ? '必须 STARTTLS' : '从第一个字节起就是 TLS'}，提供 AUTH，只有认证后才接收邮件。`));
  }
  return lines;
}

/** A word or option on the command line that smtpd stops on at every connection: the port answers no one. */
function refusedBy(service: MasterService, name: string, zh: string): FeedbackLine | undefined {
  const r = service.refused;
  if (!r) return undefined;
  if (r.kind === 'option') {
    return error('master.bad-option', text(`${name}: smtpd has no option "${r.word}" (or it lacks its value); it stops at every connection ("fatal: invalid option"), so no client gets an answer.`, `${zh}：smtpd 没有 "${r.word}" 这个选项（或者它缺少值）；每来一个连接它都会退出（"fatal: invalid option"），没有客户端能得到回答。`), text('Write each setting as "-o name=value" and remove the other options.', '每个设置都写成 "-o name=value"，去掉其他选项。'));
  }
  const comment = r.word.startsWith('#');
  return error('master.stray-argument', text(`${name}: smtpd takes "${r.word}" as a command-line argument${comment ? ' (in master.cf a # starts a comment only at the start of a line; after a value it is one more word)' : ''} and stops at every connection ("fatal: unexpected command-line argument: ${r.word}"), so no client gets an answer.`, `${zh}：smtpd 把 "${r.word}" 当成命令行参数${comment ? '（在 master.cf 里，# 只有在行首才表示注释；写在值后面就是又一个词）' : ''}，每来一个连接都会退出（"fatal: unexpected command-line argument: ${r.word}"），没有客户端能得到回答。`), text(comment ? 'Put the note on a line of its own that starts with #.' : `Remove "${r.word}": after smtpd only "-o name=value" options may follow.`, comment ? '把注释单独写一行，以 # 开头。' : `去掉 "${r.word}"：smtpd 后面只能跟 "-o name=value" 选项。`));
}
