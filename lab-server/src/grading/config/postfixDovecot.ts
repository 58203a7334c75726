/**
 * Where Postfix and Dovecot meet: two UNIX sockets in Postfix's queue directory. Postfix
 * delivers to Dovecot's LMTP listener (virtual_transport = lmtp:unix:private/dovecot-lmtp) and
 * asks Dovecot's auth listener about SMTP AUTH passwords (smtpd_sasl_type = dovecot,
 * smtpd_sasl_path = private/auth). Each answer has both files; the graders check that the
 * paths meet and that the postfix user, and only it, may open the socket (socketAccess.ts).
 */
import { error, text, type FeedbackLine, type Text } from '../feedback.js';
import { parseDovecotConf, setting } from './dovecotConf.js';
import { dovecotProtocols } from './dovecotProtocols.js';
import { fileText, missingFiles, splitFiles } from './files.js';
import type { MainCf } from './mainCf.js';
import { loadMainCf } from './postfix.js';
import { checkListener } from './socketAccess.js';

export interface SocketParams {
  /** main.cf lines the exercise gives. */
  given?: string;
  /** dovecot.conf lines the exercise gives (read before the learner's Dovecot files). */
  givenDovecot?: string;
}

/**
 * The SASL mechanisms of Debian's Dovecot 2.3 auth (its auth service stops on any other word:
 * "Unknown authentication mechanism 'PLAIN,'"). GSSAPI is a plugin of the dovecot-gssapi
 * package, absent here; NTLM and GSS-SPNEGO exist only with auth_use_winbind = yes (asked of the
 * real auth service: each is unknown otherwise). OTP needs a passdb that can store the next
 * one-time password (SQL only; passwd-file cannot, and no SQL driver is installed): the real
 * auth stops with "OTP mechanism can't be supported with given passdbs".
 */
const MECHANISMS = new Set(['plain', 'login', 'apop', 'cram-md5', 'digest-md5', 'external', 'anonymous', 'scram-sha-1', 'scram-sha-256', 'oauthbearer', 'xoauth2']);
const WINBIND = new Set(['ntlm', 'gss-spnego']);

/** Why this Dovecot lacks a mechanism it has elsewhere, as a clause of the error; empty if it never has it. */
function missingMechanism(word: string): Text {
  const upper = word.toUpperCase();
  if (word === 'gssapi') return text(' (GSSAPI comes with the dovecot-gssapi package, not installed here)', '（GSSAPI 由 dovecot-gssapi 软件包提供，这里没有安装）');
  if (word === 'otp') return text(' (OTP needs a passdb that can store the next one-time password, an SQL one: passwd-file cannot, and this Dovecot has no SQL driver)', '（OTP 需要能保存下一个一次性密码的 passdb，也就是 SQL：passwd-file 做不到，而这个 Dovecot 没有 SQL 驱动）');
  if (WINBIND.has(word)) return text(` (Dovecot does ${upper} only through Samba's winbind, with auth_use_winbind = yes)`, `（Dovecot 只能通过 Samba 的 winbind 提供 ${upper}，需要 auth_use_winbind = yes）`);
  return text('', '');
}

/** Postfix's side of a socket: "private/x" relative to the queue directory, as chrooted daemons need. */
function socketOf(cf: MainCf, value: string, prefix: string, param: string): { path?: string; line?: FeedbackLine } {
  if (value.startsWith('/')) {
    return { line: error(`${prefix}.path-absolute`, text(`${param} names the absolute path ${value}, but Postfix's daemons run chrooted in the queue directory (Debian's master.cf), where that path does not exist.`, `${param} 写的是绝对路径 ${value}，但 Postfix 的守护进程被 chroot 在队列目录里运行（Debian 的 master.cf），在那里这个路径不存在。`), text('Write the path relative to the queue directory: private/... (Postfix adds /var/spool/postfix/).', '写相对于队列目录的路径：private/...（Postfix 会加上 /var/spool/postfix/）。')) };
  }
  return { path: `${cf.expand('queue_directory').replace(/\/+$/, '')}/${value}` };
}

function loadFiles(answer: string, p: SocketParams) {
  const files = splitFiles(answer);
  const lines = missingFiles(files, [
    { endings: ['main.cf'], name: '/etc/postfix/main.cf' },
    { endings: ['dovecot'], name: 'Dovecot configuration (/etc/dovecot/...)' },
  ]);
  const { cf, feedback } = loadMainCf(fileText(files, ['main.cf']) ?? '', p.given);
  const conf = parseDovecotConf(`${p.givenDovecot ?? ''}\n${fileText(files, ['dovecot']) ?? ''}`);
  lines.push(...feedback.filter((f) => f.code !== 'postfix.empty'));
  lines.push(...conf.problems.map((x) => error('dovecot.syntax', text(`Dovecot file, line ${x.line}: ${x.message.en}`, `Dovecot 文件第 ${x.line} 行：${x.message['zh-CN']}`), text('Check it with "doveconf -n".', '用 "doveconf -n" 检查。'))));
  return { cf, conf, lines, complete: !lines.some((l) => l.code.startsWith('files.')) };
}

export async function gradePostfixSasl(answer: string, p: SocketParams): Promise<FeedbackLine[]> {
  const { cf, conf, lines, complete } = loadFiles(answer, p);
  if (!complete) return lines;
  const saslType = cf.expand('smtpd_sasl_type');
  if (saslType !== 'dovecot' && saslType.toLowerCase() === 'dovecot') {
    // Postfix's names of SASL implementations are lower case (a real smtpd: "unsupported SASL server implementation").
    lines.push(error('sasl.type-case', text(`smtpd_sasl_type = ${saslType}: Postfix knows the type only in lower case; smtpd logs "unsupported SASL server implementation" and stops wherever AUTH is on ("fatal: SASL per-process initialization failed").`, `smtpd_sasl_type = ${saslType}：Postfix 只认小写的类型名；smtpd 会记录 "unsupported SASL server implementation"，并在所有开启 AUTH 的地方退出（"fatal: SASL per-process initialization failed"）。`), text('Write "smtpd_sasl_type = dovecot", in lower case.', '写 "smtpd_sasl_type = dovecot"（小写）。')));
  } else if (saslType !== 'dovecot') {
    lines.push(error('sasl.type', text(`smtpd_sasl_type is "${cf.expand('smtpd_sasl_type')}": Postfix would ask Cyrus SASL, not Dovecot.`, `smtpd_sasl_type 是 "${cf.expand('smtpd_sasl_type')}"：Postfix 会去问 Cyrus SASL，而不是 Dovecot。`), text('Write "smtpd_sasl_type = dovecot".', '写 "smtpd_sasl_type = dovecot"。')));
  }
  if (cf.expand('smtpd_sasl_auth_enable').toLowerCase() === 'yes') {
    lines.push(error('sasl.auth-on-25', text('smtpd_sasl_auth_enable = yes in main.cf turns AUTH on for every smtpd, port 25 included; the submission service in master.cf already enables it where it belongs.', 'main.cf 里的 smtpd_sasl_auth_enable = yes 会为每个 smtpd 开启 AUTH，包括 25 端口；master.cf 里的 submission 服务已经在该开的地方开启了它。'), text('Remove smtpd_sasl_auth_enable from main.cf.', '从 main.cf 中删掉 smtpd_sasl_auth_enable。')));
  }
  const socket = socketOf(cf, cf.expand('smtpd_sasl_path'), 'sasl', 'smtpd_sasl_path');
  if (socket.line) lines.push(socket.line);
  else if (!cf.isSet('smtpd_sasl_path')) {
    lines.push(error('sasl.path', text('smtpd_sasl_path is not set: its default, "smtpd", is a Cyrus SASL application name, not a Dovecot socket.', '没有设置 smtpd_sasl_path：它的默认值 "smtpd" 是 Cyrus SASL 的应用名，不是 Dovecot 的套接字。'), text('Write "smtpd_sasl_path = private/auth".', '写 "smtpd_sasl_path = private/auth"。')));
  } else lines.push(...checkListener(conf, 'auth', socket.path!, 'sasl', { en: 'auth', zh: '认证' }));
  const mechanisms = setting(conf, 'auth_mechanisms')?.value;
  const winbind = setting(conf, 'auth_use_winbind')?.value === 'yes';
  const known = (m: string): boolean => MECHANISMS.has(m) || (winbind && WINBIND.has(m));
  const unknown = mechanisms?.split(' ').find((m) => m !== '' && !known(m.toLowerCase()));
  if (mechanisms !== undefined && unknown !== undefined) {
    const why = /[,;\t]/.test(unknown) ? text(' (mechanisms are separated by spaces only, no commas or tabs)', '（机制之间只能用空格分隔，不能用逗号或制表符）') : missingMechanism(unknown.toLowerCase());
    const fatal = unknown.toLowerCase() === 'otp' ? "OTP mechanism can't be supported with given passdbs" : 'Unknown authentication mechanism';
    lines.push(error('sasl.mechanism-unknown', text(`auth_mechanisms = ${mechanisms}: this Dovecot has no mechanism "${unknown}"${why.en}; its auth service stops as it starts ("${fatal}"), and nobody can log in.`, `auth_mechanisms = ${mechanisms}：这个 Dovecot 没有 "${unknown}" 这种机制${why['zh-CN']}；它的认证服务启动时就会退出（"${fatal}"），谁也登录不了。`), text('Write "auth_mechanisms = plain login", separated by a space.', '写 "auth_mechanisms = plain login"，用空格分隔。')));
  } else if (mechanisms !== undefined && !mechanisms.toLowerCase().split(' ').includes('plain')) {
    lines.push(error('sasl.mechanisms', text(`auth_mechanisms = ${mechanisms} does not include plain, which nearly every mail program uses (inside TLS).`, `auth_mechanisms = ${mechanisms} 不包含 plain，而几乎所有邮件程序都用它（在 TLS 里）。`), text('Write "auth_mechanisms = plain login".', '写 "auth_mechanisms = plain login"。')));
  }
  return lines;
}

export async function gradePostfixLmtp(answer: string, p: SocketParams): Promise<FeedbackLine[]> {
  const { cf, conf, lines, complete } = loadFiles(answer, p);
  if (!complete) return lines;
  const transport = cf.expand('virtual_transport');
  const m = /^lmtp:unix:(.+)$/.exec(transport);
  if (!m) {
    const misplaced = ['mailbox_transport', 'local_transport'].find((n) => cf.isSet(n) && cf.expand(n).startsWith('lmtp:'));
    lines.push(
      error(
        misplaced ? 'lmtp.wrong-transport' : 'lmtp.transport',
        misplaced
          ? text(`${misplaced} sends mail for local (mydestination) users to LMTP, but these domains are virtual mailbox domains: their mail follows virtual_transport, still "${transport}".`, `${misplaced} 把本地（mydestination）用户的邮件交给 LMTP，但这些域名是虚拟邮箱域：它们的邮件走的是 virtual_transport，现在仍是 "${transport}"。`)
          : text(`virtual_transport is "${transport}", so Postfix does not hand the virtual users' mail to Dovecot's LMTP server.`, `virtual_transport 是 "${transport}"，Postfix 不会把虚拟用户的邮件交给 Dovecot 的 LMTP 服务。`),
        text('Write "virtual_transport = lmtp:unix:private/dovecot-lmtp".', '写 "virtual_transport = lmtp:unix:private/dovecot-lmtp"。'),
      ),
    );
  } else {
    const socket = socketOf(cf, m[1]!, 'lmtp', 'virtual_transport');
    lines.push(...(socket.line ? [socket.line] : checkListener(conf, 'lmtp', socket.path!, 'lmtp', { en: 'LMTP', zh: ' LMTP ' })));
  }
  const served = dovecotProtocols(conf.settings);
  // A value doveconf refuses is dovecot.syntax's error already (Dovecot does not start at all).
  const refused = conf.version === '2.3' && served.problem !== undefined;
  if (!refused && !served.protocols.includes('lmtp')) {
    // Quoted as written ("none", "$protocols pop3"); the hint is the list Dovecot serves, lmtp added.
    const written = setting(conf, 'protocols')?.value ?? '';
    const reads = served.protocols.join(' ');
    const shown = written === '' ? text('protocols is empty', 'protocols 为空') : text(`protocols = ${written}${reads !== '' && reads !== written ? ` (Dovecot reads "${reads}")` : ''}`, `protocols = ${written}${reads !== '' && reads !== written ? `（Dovecot 读作 "${reads}"）` : ''}`);
    const fixed = [...served.protocols, 'lmtp'].join(' ');
    lines.push(error('lmtp.protocol', text(`${shown.en}: without lmtp, Dovecot starts no LMTP server and every delivery is deferred.`, `${shown['zh-CN']}：没有 lmtp，Dovecot 不会启动 LMTP 服务，每次投递都会被推迟。`), text(`Add lmtp: "protocols = ${fixed}".`, `加上 lmtp："protocols = ${fixed}"。`)));
  }
  return lines;
}
