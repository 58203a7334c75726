/**
 * TLS for the two servers. Postfix (main.cf): the certificate and key, STARTTLS offered but not
 * required on port 25 (RFC 3207 §4: a public MX must not require it), TLS when sending if the
 * other side offers it, no protocol older than TLS 1.2. Dovecot (dovecot.conf): the certificate
 * read from its file ("<" in front of the path), no login without TLS, TLS 1.2 at least, and
 * the implicit-TLS ports 993 and 995 really speaking TLS (RFC 8314).
 */
import { error, ok, text, warn, type FeedbackLine } from '../feedback.js';
import { parseDovecotConf, setting, type DovecotConf } from './dovecotConf.js';
import { setBy } from './dovecotIncludes.js';
import type { MainCf } from './mainCf.js';
import { loadMainCf } from './postfix.js';

export interface TlsParams {
  cert: string;
  key: string;
  given?: string;
}

const OLD = ['SSLv2', 'SSLv3', 'TLSv1', 'TLSv1.1'];

/** Which of the old protocols a Postfix protocol list still allows ("!SSLv3, !TLSv1", ">=TLSv1.2", ...). */
export function oldProtocolsAllowed(list: string): string[] {
  const words = list.split(/[\s,:]+/).filter(Boolean);
  const floor = words.find((w) => w.startsWith('>='));
  if (floor) return OLD.slice(0, Math.max(0, OLD.indexOf(floor.slice(2))));
  const excluded = new Set(words.filter((w) => w.startsWith('!')).map((w) => w.slice(1)));
  const included = words.filter((w) => !w.startsWith('!'));
  return OLD.filter((p) => !excluded.has(p) && (included.length === 0 || included.includes(p)));
}

const PROTOCOLS = ['sslv2', 'sslv3', 'tlsv1', 'tlsv1.1', 'tlsv1.2', 'tlsv1.3'];

/** The first word of a Postfix protocol list that names no protocol ("!x", ">=x" and "<=x" included). */
export function unknownProtocol(list: string): string | undefined {
  return list.split(/[\s,:]+/).find((w) => w !== '' && !PROTOCOLS.includes(w.replace(/^(!|>=|<=)/, '').toLowerCase()));
}

function certificate(cf: MainCf, p: TlsParams): FeedbackLine {
  const chain = cf.list('smtpd_tls_chain_files');
  const cert = chain.length ? chain.slice(1).join(' ') : cf.expand('smtpd_tls_cert_file');
  const key = chain.length ? chain[0]! : cf.expand('smtpd_tls_key_file');
  if (!cert || !key) {
    return error('tls.no-cert', text('smtpd has no certificate and key, so it cannot offer STARTTLS at all.', 'smtpd 没有证书和私钥，根本无法提供 STARTTLS。'), text(`Set "smtpd_tls_cert_file = ${p.cert}" and "smtpd_tls_key_file = ${p.key}".`, `设置 "smtpd_tls_cert_file = ${p.cert}" 和 "smtpd_tls_key_file = ${p.key}"。`));
  }
  if (cert !== p.cert || key !== p.key) {
    return error('tls.cert-path', text(`The certificate is ${cert} and the key ${key}, but they are ${p.cert} and ${p.key}.`, `证书是 ${cert}、私钥是 ${key}，但它们应是 ${p.cert} 和 ${p.key}。`), text(`smtpd_tls_cert_file = ${p.cert} (the certificate followed by its chain), smtpd_tls_key_file = ${p.key}.`, `smtpd_tls_cert_file = ${p.cert}（证书及其证书链），smtpd_tls_key_file = ${p.key}。`));
  }
  return ok('tls.cert', `smtpd uses ${cert} with the key ${key}.`, `smtpd 使用 ${cert} 和私钥 ${key}。`);
}

export async function gradePostfixTls(answer: string, p: TlsParams): Promise<FeedbackLine[]> {
  const { cf, feedback } = loadMainCf(answer, p.given);
  const lines = [...feedback];
  if (lines.some((l) => l.code === 'postfix.empty')) return lines;
  lines.push(certificate(cf, p));
  const level = cf.expand('smtpd_tls_security_level').toLowerCase() || (cf.expand('smtpd_use_tls').toLowerCase() === 'yes' ? 'may' : 'none');
  if (level === 'encrypt' || cf.expand('smtpd_enforce_tls').toLowerCase() === 'yes') {
    lines.push(error('tls.required-25', text('smtpd_tls_security_level = encrypt on port 25: servers that cannot do STARTTLS could no longer deliver to you, and a public MX must not require TLS (RFC 3207 §4).', '25 端口上 smtpd_tls_security_level = encrypt：不支持 STARTTLS 的服务器将无法给你投递，而公开的 MX 不得强制要求 TLS（RFC 3207 §4）。'), text('Use "smtpd_tls_security_level = may" here; require TLS only on the submission ports, in master.cf.', '这里用 "smtpd_tls_security_level = may"；只在 master.cf 的提交端口上强制 TLS。')));
  } else if (level !== 'may') {
    lines.push(error('tls.not-offered', text(`smtpd_tls_security_level is "${level}": smtpd does not offer STARTTLS, so every message reaches you in clear text.`, `smtpd_tls_security_level 是 "${level}"：smtpd 不提供 STARTTLS，每封邮件都以明文到达。`), text('Set "smtpd_tls_security_level = may": STARTTLS offered to everyone, required of nobody.', '设置 "smtpd_tls_security_level = may"：向所有人提供 STARTTLS，但不强制任何人。')));
  } else {
    lines.push(ok('tls.offered', 'Port 25 offers STARTTLS without requiring it (opportunistic TLS).', '25 端口提供 STARTTLS 但不强制（机会性 TLS）。'));
  }
  const outgoing = cf.expand('smtp_tls_security_level').toLowerCase() || (cf.expand('smtp_use_tls').toLowerCase() === 'yes' ? 'may' : 'none');
  if (outgoing === 'encrypt' || outgoing === 'verify' || outgoing === 'secure') {
    lines.push(error('tls.outgoing-required', text(`smtp_tls_security_level = ${outgoing}: mail to any server without TLS (or without a certificate Postfix can verify) would stay in the queue and bounce.`, `smtp_tls_security_level = ${outgoing}：发往不支持 TLS（或证书无法验证）的服务器的邮件会一直留在队列里，最后退回。`), text('Use "smtp_tls_security_level = may" (or dane with a validating resolver).', '使用 "smtp_tls_security_level = may"（或在有验证解析器时用 dane）。')));
  } else if (outgoing !== 'may' && outgoing !== 'dane') {
    lines.push(error('tls.outgoing-off', text(`smtp_tls_security_level is "${outgoing}": when your server sends, it never uses TLS, even where the receiver offers it.`, `smtp_tls_security_level 是 "${outgoing}"：你的服务器发信时从不使用 TLS，即使对方提供了。`), text('Set "smtp_tls_security_level = may".', '设置 "smtp_tls_security_level = may"。')));
  } else {
    lines.push(ok('tls.outgoing', `Sending: TLS whenever the receiver offers it (${outgoing}).`, `发信：只要对方提供就使用 TLS（${outgoing}）。`));
  }
  // A word that is no protocol makes the whole list invalid, and smtpd then has no TLS at all.
  const invalid = (['smtpd_tls_protocols', 'smtpd_tls_mandatory_protocols'] as const).map((name) => [name, cf.expand(name), unknownProtocol(cf.expand(name))] as const).filter(([, , bad]) => bad !== undefined);
  for (const [name, value, bad] of invalid) {
    const comment = /(^|\s)#/.test(value);
    const where = name === 'smtpd_tls_protocols' ? { en: 'smtpd offers no TLS at all', zh: 'smtpd 完全不提供 TLS' } : { en: 'wherever TLS is required (smtpd_tls_security_level = encrypt, as on the submission port) smtpd has no TLS at all', zh: '凡是要求 TLS 的地方（smtpd_tls_security_level = encrypt，例如提交端口），smtpd 都完全没有 TLS' };
    lines.push(error(name === 'smtpd_tls_protocols' ? 'tls.bad-protocols' : 'tls.bad-mandatory-protocols', text(`${name} = ${value}: "${bad}" is no TLS protocol${comment ? ' (a "# comment" after a value is part of it)' : ''}, so ${where.en}: "Invalid TLS protocol list: disabling TLS support", and STARTTLS is answered "454 4.7.0 TLS not available due to local problem".`, `${name} = ${value}："${bad}" 不是 TLS 协议${comment ? '（值后面的 "# 注释" 也是值的一部分）' : ''}，因此${where.zh}："Invalid TLS protocol list: disabling TLS support"，STARTTLS 会得到 "454 4.7.0 TLS not available due to local problem"。`), text(`Write "${name} = >=TLSv1.2"${comment ? ' and put the comment on its own line' : ''}.`, `写 "${name} = >=TLSv1.2"${comment ? '，注释单独成行' : ''}。`)));
  }
  const allowed = oldProtocolsAllowed(cf.expand('smtpd_tls_protocols') || '!SSLv2, !SSLv3');
  if (invalid.some(([name]) => name === 'smtpd_tls_protocols')) {
    // Said above: no TLS at all.
  } else if (allowed.length) {
    lines.push(error('tls.old-protocols', text(`smtpd_tls_protocols still allows ${allowed.join(', ')}, which are broken or deprecated (RFC 8996).`, `smtpd_tls_protocols 仍然允许 ${allowed.join('、')}，这些协议已不安全或已被废弃（RFC 8996）。`), text('Write "smtpd_tls_protocols = >=TLSv1.2" (and the same for smtpd_tls_mandatory_protocols).', '写 "smtpd_tls_protocols = >=TLSv1.2"（smtpd_tls_mandatory_protocols 也一样）。')));
  } else {
    lines.push(ok('tls.protocols', 'Only TLS 1.2 and newer.', '只允许 TLS 1.2 及更新的版本。'));
  }
  return lines;
}

function dovecotSyntax(conf: DovecotConf): FeedbackLine[] {
  return conf.problems.map((x) => error('dovecot.syntax', text(`Line ${x.line}: ${x.message.en}`, `第 ${x.line} 行：${x.message['zh-CN']}`), text('Check the line with "doveconf -n".', '用 "doveconf -n" 检查这一行。')));
}

/** A listener's ssl setting, from `service X-login { inet_listener Y { ssl = ... port = ... } }`. */
function listener(conf: DovecotConf, service: string, name: string, key: 'ssl' | 'port'): string | undefined {
  return setting(conf, key, (path) => path[0] === `service ${service}` && path[1] === `inet_listener ${name}`)?.value;
}

/**
 * Dovecot 2.3 reads ssl_min_protocol in any case (strcasecmp): TLSv1.2, TLSv1.3 and LATEST (the
 * newest, TLS 1.3) keep the old protocols out; ANY, SSLv3, TLSv1 and TLSv1.1 let them in; any
 * other word doveconf takes as text, and then every TLS handshake fails ("Unknown
 * ssl_min_protocol setting"), on 993/995 and after STARTTLS alike (measured on the real Dovecot).
 */
function minProtocol(value: string, line: number): FeedbackLine[] {
  const v = value.toLowerCase();
  if (['tlsv1.2', 'tlsv1.3', 'latest'].includes(v)) return [];
  if (['any', 'sslv3', 'tlsv1', 'tlsv1.1'].includes(v)) {
    return [error('dovecot.old-protocols', text(`ssl_min_protocol = ${value} allows protocols older than TLS 1.2 (RFC 8996 deprecates TLS 1.0 and 1.1).`, `ssl_min_protocol = ${value} 允许比 TLS 1.2 更旧的协议（RFC 8996 已废弃 TLS 1.0 和 1.1）。`), text('Write "ssl_min_protocol = TLSv1.2" (Dovecot 2.3\'s default).', '写 "ssl_min_protocol = TLSv1.2"（Dovecot 2.3 的默认值）。'))];
  }
  // In quotes, a "#" is no comment: the note is part of the value Dovecot sees.
  const note = value.includes('#');
  return [
    error(
      'dovecot.unknown-protocol',
      text(
        `Line ${line}: Dovecot reads ssl_min_protocol as "${value}"${note ? ' (inside quotes "#" starts no comment: the note is part of the value)' : ''}, which names no protocol. doveconf accepts the file, but every TLS connection then fails ("Unknown ssl_min_protocol setting '${value}'"): no TLS on 993 and 995, none after STARTTLS.`,
        `第 ${line} 行：Dovecot 读到的 ssl_min_protocol 是 "${value}"${note ? '（在引号里 "#" 不是注释的开始：注释成了值的一部分）' : ''}，这不是任何协议的名字。doveconf 不会报错，但之后每个 TLS 连接都会失败（"Unknown ssl_min_protocol setting '${value}'"）：993 和 995 上没有 TLS，STARTTLS 之后也没有。`,
      ),
      text(`Write "ssl_min_protocol = TLSv1.2"${note ? ', with the note on a line of its own' : ''}.`, `写 "ssl_min_protocol = TLSv1.2"${note ? '，注释单独写一行' : ''}。`),
    ),
  ];
}

export async function gradeDovecotTls(answer: string, p: TlsParams): Promise<FeedbackLine[]> {
  const conf = parseDovecotConf(answer);
  const lines = dovecotSyntax(conf);
  if (conf.settings.length === 0 && lines.length === 0) return [error('dovecot.empty', text('The answer contains no settings.', '答案里没有任何设置。'), text('Write dovecot.conf lines such as "ssl = required".', '写出 dovecot.conf 的配置行，例如 "ssl = required"。'))];
  for (const [key, wanted] of [['ssl_cert', p.cert], ['ssl_key', p.key]] as const) {
    const s = setting(conf, key);
    if (!s) lines.push(error(`dovecot.no-${key.replace('ssl_', '')}`, text(`${key} is not set, so Dovecot has no ${key === 'ssl_cert' ? 'certificate' : 'private key'} and cannot speak TLS.`, `没有设置 ${key}，Dovecot 没有${key === 'ssl_cert' ? '证书' : '私钥'}，无法使用 TLS。`), text(`Write "${key} = <${wanted}".`, `写 "${key} = <${wanted}"。`)));
    else if (!s.fromFile && s.quoted && s.value.startsWith('<')) lines.push(error('dovecot.no-lt', text(`Line ${s.line}: ${key} = "${s.value}": inside quotes "<" is no file marker but the first character of the value, which Dovecot then takes for the ${key === 'ssl_cert' ? 'certificate' : 'key'} text itself: TLS fails ("There is no valid PEM ${key === 'ssl_cert' ? 'certificate' : 'private key'}").`, `第 ${s.line} 行：${key} = "${s.value}"：在引号里 "<" 不是读取文件的标记，而是值的第一个字符，Dovecot 会把整个值当作${key === 'ssl_cert' ? '证书' : '私钥'}内容：TLS 会失败（"There is no valid PEM ${key === 'ssl_cert' ? 'certificate' : 'private key'}"）。`), text(`Write it without quotes: "${key} = <${wanted}".`, `不要加引号："${key} = <${wanted}"。`)));
    else if (!s.fromFile) lines.push(error('dovecot.no-lt', text(`Line ${s.line}: ${key} = ${s.value} without "<" means the value IS the ${key === 'ssl_cert' ? 'certificate' : 'key'} text, not a file name: Dovecot fails to load it.`, `第 ${s.line} 行：${key} = ${s.value} 前面没有 "<"，意思是这个值本身就是${key === 'ssl_cert' ? '证书' : '私钥'}内容，而不是文件名：Dovecot 会加载失败。`), text(`Write "${key} = <${wanted}": "<" reads the file.`, `写 "${key} = <${wanted}"："<" 表示读取文件。`)));
    else if (s.value !== wanted && /^["'].*["']$/.test(s.value)) lines.push(error('dovecot.cert-path', text(`Line ${s.line}: after "<" the quotes are part of the file name: Dovecot opens ${s.value}, quotes and all, finds no such file, and does not start.`, `第 ${s.line} 行："<" 之后的引号是文件名的一部分：Dovecot 会去打开连引号在内的 ${s.value}，找不到这个文件，于是不会启动。`), text(`Write it without quotes: "${key} = <${wanted}".`, `不要加引号："${key} = <${wanted}"。`)));
    else if (s.value !== wanted) lines.push(error('dovecot.cert-path', text(`${key} reads ${s.value}${setBy(s).en}, but the file is ${wanted}.`, `${key} 读取的是 ${s.value}${setBy(s).zh}，但文件是 ${wanted}。`), text(`Write "${key} = <${wanted}".`, `写 "${key} = <${wanted}"。`)));
  }
  const ssl = (setting(conf, 'ssl')?.value ?? 'yes').toLowerCase();
  const plaintext = (setting(conf, 'disable_plaintext_auth')?.value ?? 'yes').toLowerCase();
  if (ssl === 'no') lines.push(error('dovecot.ssl-off', text('ssl = no: Dovecot offers no TLS at all, and 993/995 cannot work.', 'ssl = no：Dovecot 根本不提供 TLS，993/995 也无法工作。'), text('Write "ssl = required".', '写 "ssl = required"。')));
  else if (plaintext === 'no' && ssl !== 'required') lines.push(error('dovecot.plaintext', text('disable_plaintext_auth = no lets clients send their password on 143 and 110 before STARTTLS, in clear text.', 'disable_plaintext_auth = no 允许客户端在 143 和 110 上、在 STARTTLS 之前以明文发送密码。'), text('Remove it (the default is yes) and write "ssl = required".', '删掉它（默认就是 yes），并写 "ssl = required"。')));
  else if (ssl !== 'required') lines.push(warn('dovecot.ssl-yes', text('ssl = yes with plaintext logins disabled keeps passwords off the wire, but a client may still log in without TLS with a non-plaintext mechanism.', 'ssl = yes 加上禁止明文登录可以保证密码不以明文传输，但客户端仍可以用非明文机制在没有 TLS 的情况下登录。'), text('Write "ssl = required": no login at all before TLS.', '写 "ssl = required"：TLS 之前完全不允许登录。')));
  const min = setting(conf, 'ssl_min_protocol');
  if (min) lines.push(...minProtocol(min.value, min.line));
  for (const [service, name, port] of [['imap-login', 'imaps', 993], ['pop3-login', 'pop3s', 995]] as const) {
    const sslOn = listener(conf, service, name, 'ssl');
    const portSet = listener(conf, service, name, 'port');
    if ((sslOn !== undefined && sslOn.toLowerCase() !== 'yes') || (portSet !== undefined && Number(portSet) !== port)) {
      lines.push(error('dovecot.implicit-port', text(`service ${service} { inet_listener ${name} } must listen on ${port} with ssl = yes: clients start TLS there with the first byte (RFC 8314).`, `service ${service} { inet_listener ${name} } 必须监听 ${port} 且 ssl = yes：客户端在那里从第一个字节就开始 TLS（RFC 8314）。`), text(`Write "port = ${port}" and "ssl = yes" in that listener (or leave it at Dovecot's defaults, which are exactly that).`, `在这个监听器里写 "port = ${port}" 和 "ssl = yes"（或者保持 Dovecot 的默认值，默认就是这样）。`)));
    }
  }
  if (!lines.some((l) => l.level === 'error')) lines.push(ok('dovecot.tls', 'Dovecot reads its certificate and key, refuses logins before TLS, and speaks TLS from the first byte on 993 and 995.', 'Dovecot 读取证书和私钥，TLS 之前拒绝登录，并在 993 和 995 上从第一个字节起使用 TLS。'));
  return lines;
}
