/**
 * Reading mail over TLS, graded from the learner's transcripts: IMAP STARTTLS on 143 (RFC 3501
 * §6.2.1, RFC 2595), POP3 STLS on 110 (RFC 2595 §4), POP3 over implicit TLS on 995 (RFC 8314).
 * The session must be encrypted before the password is sent, log in, and then really use the
 * mailbox — each step read from what the server answered, with the bridge's record of TLS.
 */
import { error, ok, text, type FeedbackLine, type Text } from '../feedback.js';
import type { ServiceId } from '../../services.js';
import type { Sandbox } from '../../world/sandbox.js';
import { imapExchanges, pop3Exchanges, type Exchange } from './dialogue.js';
import { transcriptsFor } from './evidence.js';

export interface TlsReadParams {
  service: ServiceId;
  protocol: 'imap' | 'pop3';
  mode: 'starttls' | 'implicit';
  user: string;
}

interface Progress {
  tls: boolean;
  loginInClear: boolean;
  login: boolean;
  used?: string;
}

const PORT: Partial<Record<ServiceId, number>> = { imap: 143, imaps: 993, pop3: 110, pop3s: 995 };

function passwordSent(p: TlsReadParams, x: Exchange): boolean {
  return p.protocol === 'imap' ? x.verb === 'LOGIN' || x.verb === 'AUTHENTICATE' : x.verb === 'PASS' || x.verb === 'AUTH' || x.verb === 'APOP';
}

/** The login name a command carries: LOGIN's first argument, or the one inside a PLAIN response. */
function loginName(x: Exchange): string | undefined {
  const words = x.command.trim().split(/\s+/);
  const args = x.verb === 'LOGIN' || x.verb === 'AUTHENTICATE' ? words.slice(2) : words.slice(1);
  if (x.verb === 'LOGIN' || x.verb === 'USER') return args[0]?.replace(/^"|"$/g, '');
  const plain = args.find((a) => /^[A-Za-z0-9+/]+=*$/.test(a) && a.length > 8);
  return plain ? Buffer.from(plain, 'base64').toString('utf8').split('\0')[1] : undefined;
}

function loggedIn(p: TlsReadParams, x: Exchange, user: string | undefined): boolean {
  return passwordSent(p, x) && (x.status === 'OK' || x.status === '+OK') && (user ?? '').toLowerCase() === p.user.toLowerCase();
}

/** A command that really used the mailbox once logged in. */
function usesMailbox(p: TlsReadParams, x: Exchange): boolean {
  if (p.protocol === 'imap') return ['SELECT', 'EXAMINE', 'STATUS', 'FETCH', 'UID FETCH'].includes(x.verb) && x.status === 'OK';
  return ['STAT', 'LIST', 'RETR', 'UIDL', 'TOP'].includes(x.verb) && x.status === '+OK';
}

export async function gradeReadOverTls(sandbox: Sandbox, p: TlsReadParams): Promise<FeedbackLine[]> {
  const port = PORT[p.service] ?? 0;
  const upgrade = p.protocol === 'imap' ? 'a1 STARTTLS' : 'STLS';
  const login = p.protocol === 'imap' ? `a2 LOGIN ${p.user} secret` : `USER ${p.user}, PASS secret`;
  const use = p.protocol === 'imap' ? 'a3 SELECT INBOX' : 'STAT or LIST';
  const sessions = await transcriptsFor(sandbox, [p.service]);
  if (sessions.length === 0) {
    return [error('tls.no-session', text(`There is no terminal session on port ${port} (${p.service}) in your lab yet.`, `你的实验环境里还没有端口 ${port}（${p.service}）的终端会话。`), text(`Open the ${p.service} terminal (port ${port}).`, `打开 ${p.service} 的终端（端口 ${port}）。`))];
  }
  let best: Progress | undefined;
  const rank = (x: Progress): number => Number(x.tls) + Number(x.login) + Number(!!x.used) - Number(x.loginInClear);
  for (const session of sessions) {
    const xs = p.protocol === 'imap' ? imapExchanges(session) : pop3Exchanges(session);
    const implicit = session.lines.filter((l) => l.dir !== 'I').every((l) => l.tls);
    const progress: Progress = { tls: p.mode === 'implicit' ? implicit : xs.some((x) => (x.verb === 'STARTTLS' || x.verb === 'STLS') && (x.status === 'OK' || x.status === '+OK')), loginInClear: false, login: false };
    let user: string | undefined;
    for (const x of xs) {
      if (x.verb === 'USER') user = loginName(x);
      else if (x.verb !== 'PASS') user = loginName(x) ?? user;
      if (passwordSent(p, x) && !x.tls) progress.loginInClear = true;
      if (loggedIn(p, x, user) && x.tls) progress.login = true;
      if (progress.login && x.tls && usesMailbox(p, x)) progress.used ??= x.command.trim();
    }
    if (!best || rank(progress) >= rank(best)) best = progress;
  }
  if (!best) throw new Error('no session'); // cannot happen: sessions is not empty
  const lines: FeedbackLine[] = [];
  const encryptHint: Text =
    p.mode === 'implicit'
      ? text(`Use the ${p.service} terminal: port ${port} speaks TLS from the first byte, before the greeting (RFC 8314).`, `使用 ${p.service} 终端：端口 ${port} 从第一个字节起就是 TLS，在问候语之前（RFC 8314）。`)
      : text(`Type "${upgrade}" right after the greeting${p.protocol === 'imap' ? '' : ' (or after CAPA)'}; when the server answers ${p.protocol === 'imap' ? 'OK' : '+OK'}, the terminal starts TLS, and everything after it is encrypted.`, `在问候语之后输入 "${upgrade}"${p.protocol === 'imap' ? '' : '（或在 CAPA 之后）'}；服务器回答 ${p.protocol === 'imap' ? 'OK' : '+OK'} 后，终端会启动 TLS，之后的一切都是加密的。`);
  if (!best.tls) {
    lines.push(error('tls.not-encrypted', p.mode === 'implicit' ? text('This session was not encrypted.', '这个会话没有加密。') : text(`The session never switched to TLS: there is no ${upgrade.replace(/^a1 /, '')} that the server accepted.`, `会话从未切换到 TLS：没有被服务器接受的 ${upgrade.replace(/^a1 /, '')}。`), encryptHint));
  } else {
    lines.push(ok('tls.encrypted', p.mode === 'implicit' ? `The whole session on port ${port} was encrypted.` : `${upgrade.replace(/^a1 /, '')} was accepted: everything after it was encrypted.`, p.mode === 'implicit' ? `端口 ${port} 上的整个会话都是加密的。` : `${upgrade.replace(/^a1 /, '')} 被接受：之后的一切都是加密的。`));
  }
  if (best.loginInClear && !best.login) {
    lines.push(error('tls.login-before-tls', text('The password was sent before TLS was on: anyone on the path could read it.', '密码是在 TLS 开启之前发送的：路上的任何人都能读到它。'), text(`${upgrade.replace(/^a1 /, '')} first, then log in: ${login}.`, `先 ${upgrade.replace(/^a1 /, '')}，再登录：${login}。`)));
  } else if (!best.login) {
    lines.push(error('tls.no-login', text(`There is no successful login over TLS as ${p.user}.`, `没有通过 TLS 以 ${p.user} 成功登录。`), text(`Log in over the encrypted connection: ${login}.`, `在加密连接上登录：${login}。`)));
  } else {
    lines.push(ok('tls.login', `Logged in over TLS${best.loginInClear ? ' (an earlier attempt sent the password in clear: change it if this were a real server)' : ''}.`, `已通过 TLS 登录${best.loginInClear ? '（之前有一次尝试以明文发送了密码：如果是真实服务器就该改密码了）' : ''}。`));
  }
  if (!best.used) {
    lines.push(error('tls.no-mailbox', text('After logging in, the mailbox was not used.', '登录之后没有使用邮箱。'), text(`Look at the mailbox: ${use}.`, `查看邮箱：${use}。`)));
  } else if (best.login) {
    lines.push(ok('tls.mailbox', `"${best.used}" answered over TLS.`, `"${best.used}" 通过 TLS 得到了回答。`));
  }
  return lines;
}
