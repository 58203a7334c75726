/**
 * The lines a browser terminal prints of its own (not the server's), in the page's language:
 * the TLS summary after a handshake, why a connection closed, and what the receiving server
 * found when it checked SPF and DMARC on a message just sent to port 25.
 */
import type { Lang } from '../i18n/ui';

export interface TlsSummary {
  protocol: string;
  cipher: string;
  subject: string;
  selfSigned: boolean;
}

/** Like openssl s_client's one-line summary. */
export function tlsLine(s: TlsSummary, lang: Lang): string {
  return lang === 'en'
    ? `TLS established: ${s.protocol}, cipher ${s.cipher}, certificate ${s.subject}${s.selfSigned ? ' (self-signed)' : ''}`
    : `TLS 已建立：${s.protocol}，加密套件 ${s.cipher}，证书 ${s.subject}${s.selfSigned ? '（自签名）' : ''}`;
}

const CLOSED: Record<string, Record<Lang, string>> = {
  'server closed': { en: 'Connection closed by foreign host.', 'zh-CN': '连接已被服务器关闭。' },
  'closed by learner': { en: 'Connection closed.', 'zh-CN': '连接已关闭。' },
  idle: { en: 'Connection closed: no activity for a while. Choose Reconnect to start again.', 'zh-CN': '连接已关闭：长时间没有活动。点击"重新连接"重新开始。' },
  'tls failed': { en: 'Connection closed: the TLS handshake failed.', 'zh-CN': '连接已关闭：TLS 握手失败。' },
  'connect failed': { en: 'Connection failed.', 'zh-CN': '连接失败。' },
  'session ended': { en: 'Connection closed: you were logged out of the lab. Log in again on /join/ to go on.', 'zh-CN': '连接已关闭：你已退出实验室登录。请在 /join/ 页面重新登录后继续。' },
  'removed from class': {
    en: 'Connection closed: your instructor removed you from the class, and your sandbox with it. To work again, join the class anew with its join code (on /join/).',
    'zh-CN': '连接已关闭：老师已把你移出班级，你的沙箱也随之删除。要继续练习，请在 /join/ 页面用加入码重新加入班级。',
  },
  'new password': {
    en: 'Connection closed: your instructor set you a new password. Log in again on /join/ with it: your lab and progress are as you left them.',
    'zh-CN': '连接已关闭：老师为你设置了新密码。请在 /join/ 页面用新密码重新登录：你的实验环境和进度都保持原样。',
  },
  'lab shutting down': { en: 'Connection closed: MailLab is shutting down.', 'zh-CN': '连接已关闭：MailLab 正在关闭。' },
  'lab error': { en: 'Connection closed: the lab hit an internal error.', 'zh-CN': '连接已关闭：实验室出现内部错误。' },
  refused: { en: 'Connection refused.', 'zh-CN': '连接被拒绝。' },
};

/** Why the bridge closed the connection, in the page's language when the reason is known. */
export function closedLine(reason: string | undefined, text: string | undefined, lang: Lang): string {
  return (reason && CLOSED[reason]?.[lang]) ?? text ?? CLOSED['server closed']![lang];
}

/** The parts of an auth report (GET /api/auth-reports/:id) the terminal speaks about. */
export interface ArrivalChecks {
  spf: string;
  dmarc: string;
  envelopeFrom: string;
  client: { address: string };
}

/**
 * After a message typed by hand was accepted on port 25: why SPF (and so DMARC) fails for it,
 * or undefined when it passed. The sender's domain lists its own mail servers, and the
 * terminal is not one of them.
 */
export function arrivalNote(r: ArrivalChecks, lang: Lang): string | undefined {
  if (r.spf === 'pass') return undefined;
  const domain = r.envelopeFrom.split('@').pop() || r.envelopeFrom || '(none)';
  const dmarc = r.dmarc === 'fail' ? (lang === 'en' ? ' and so dmarc=fail' : '，因此 dmarc=fail') : '';
  return lang === 'en'
    ? `spf=${r.spf}${dmarc}: the message came from ${r.client.address} — your own machine, through this terminal — and the SPF record of ${domain} lists only ${domain}'s mail servers. ` +
        `Real mail leaves through the sender's own server (submission, port 587), which SPF allows. Every step: Mail world → Message checks.`
    : `spf=${r.spf}${dmarc}：这封邮件来自 ${r.client.address}——也就是你自己的机器，经由这个终端——而 ${domain} 的 SPF 记录只列出了 ${domain} 自己的邮件服务器。` +
        `真实的邮件会经由发件人自己的服务器（提交端口 587）发出，SPF 才会允许。每一步的检查：邮件世界 → 邮件认证检查。`;
}

/** The note on message `queueId` just accepted on port 25 (from its auth report), if there is one to make. */
export async function fetchArrivalNote(queueId: string, lang: Lang): Promise<string | undefined> {
  try {
    const response = await fetch(`/api/auth-reports/${queueId}`, { headers: { accept: 'application/json' } });
    return response.ok ? arrivalNote((await response.json()) as ArrivalChecks, lang) : undefined;
  } catch {
    // The explanation is a help; without it the session goes on.
    return undefined;
  }
}
