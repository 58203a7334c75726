/**
 * SMTP tasks, graded from the transcript of the learner's terminal session (the dialogue really
 * happened on that port, in that order, with those replies) and from the recipient's Maildir
 * (the message really arrived).
 */
import { error, ok, text, type FeedbackLine } from '../feedback.js';
import type { ServiceId } from '../../services.js';
import type { Sandbox } from '../../world/sandbox.js';
import { pathArgument, smtpExchanges, smtpTransactions, type SmtpTransaction } from './dialogue.js';
import { COUNTED, messagesOf, sameSubject, transcriptsFor, type StoredMessage, type WorkScope } from './evidence.js';

const PORTS: Record<string, number> = { smtp: 25, submission: 587, submissions: 465 };

function subjectOf(data: string[] | undefined): string | undefined {
  if (!data) return undefined;
  for (const line of data) {
    if (line === '') return undefined;
    const m = /^subject:\s*(.*)$/i.exec(line);
    if (m) return m[1];
  }
  return undefined;
}

function accepted(t: SmtpTransaction): boolean {
  return t.mailFrom?.status === '250' && t.rcpts.some((r) => r.status.startsWith('25')) && t.data?.status === '354' && t.end?.status === '250';
}

/** The delivered copy of a transaction, found by its queue id in the Received: header. */
async function deliveredCopy(sandbox: Sandbox, t: SmtpTransaction, recipients: string[]): Promise<{ to: string; message: StoredMessage } | undefined> {
  for (const to of recipients) {
    for (const message of await messagesOf(sandbox, to)) {
      if (t.queueId && new RegExp(`\\sid ${t.queueId}\\b`).test(message.headerText)) return { to, message };
    }
  }
  return undefined;
}

export interface SmtpSendParams {
  service: ServiceId;
  from: string;
  to: string;
  subject: string;
}

export async function gradeSmtpSend(sandbox: Sandbox, p: SmtpSendParams, scope?: WorkScope): Promise<FeedbackLine[]> {
  const lines: FeedbackLine[] = [];
  const port = PORTS[p.service];
  const sessions = await transcriptsFor(sandbox, [p.service], scope);
  const all = sessions.flatMap((s) => smtpTransactions(smtpExchanges(s)));
  const good = all.filter((t) => accepted(t) && pathArgument(t.mailFrom!.command) === p.from && t.rcpts.some((r) => r.status.startsWith('25') && pathArgument(r.command) === p.to));
  const withSubject = good.filter((t) => sameSubject(subjectOf(t.end?.data) ?? '', p.subject));
  if (sessions.length === 0) {
    const other = await transcriptsFor(sandbox, (['smtp', 'submission', 'submissions'] as ServiceId[]).filter((s) => s !== p.service), scope);
    lines.push(
      error(
        other.length ? 'smtp.wrong-port' : 'smtp.no-session',
        other.length
          ? text(`Your SMTP sessions were on ${[...new Set(other.map((t) => t.header.service))].join(', ')}, not on port ${port} (${p.service}).`, `你的 SMTP 会话在 ${[...new Set(other.map((t) => t.header.service))].join('、')} 上，而不是端口 ${port}（${p.service}）。`)
          : text(`There is no terminal session on port ${port} (${p.service}) for this exercise yet. ${COUNTED.en}`, `还没有本练习在端口 ${port}（${p.service}）上的终端会话。${COUNTED['zh-CN']}`),
        text(`Open the terminal for ${p.service} (port ${port}) and type the dialogue yourself: EHLO, MAIL FROM:<${p.from}>, RCPT TO:<${p.to}>, DATA, the message with "Subject: ${p.subject}", a line with only ".", QUIT.`, `打开 ${p.service}（端口 ${port}）的终端，亲手输入对话：EHLO、MAIL FROM:<${p.from}>、RCPT TO:<${p.to}>、DATA、带 "Subject: ${p.subject}" 的邮件、只有 "." 的一行、QUIT。`),
      ),
    );
    return lines;
  }
  const chosen = withSubject[withSubject.length - 1];
  if (!chosen) {
    lines.push(diagnose(all, p));
    return lines;
  }
  lines.push(ok('smtp.dialogue', `Port ${port}: MAIL FROM:<${p.from}> → 250, RCPT TO:<${p.to}> → 250, DATA → 354, "." → 250${chosen.queueId ? ` (queued as ${chosen.queueId})` : ''}.`, `端口 ${port}：MAIL FROM:<${p.from}> → 250，RCPT TO:<${p.to}> → 250，DATA → 354，"." → 250${chosen.queueId ? `（队列号 ${chosen.queueId}）` : ''}。`));
  const copy = await deliveredCopy(sandbox, chosen, [p.to]);
  if (!copy) {
    lines.push(error('smtp.not-delivered', text(`The server accepted the message, but it is no longer in ${p.to}'s INBOX.`, `服务器接受了这封邮件，但它已经不在 ${p.to} 的收件箱里了。`), text('If you already deleted it (for example in the POP3 exercise), send it again.', '如果你已经删掉了它（例如在 POP3 练习中），请再发一次。')));
    return lines;
  }
  lines.push(ok('smtp.delivered', `It is in ${p.to}'s Maildir as ${copy.message.dir}/${copy.message.fileName} with the subject "${copy.message.subject}".`, `它在 ${p.to} 的 Maildir 中：${copy.message.dir}/${copy.message.fileName}，主题为 "${copy.message.subject}"。`));
  return lines;
}

/** The furthest a learner got, told as one error. */
function diagnose(all: SmtpTransaction[], p: SmtpSendParams): FeedbackLine {
  const last = all[all.length - 1];
  const hint = text(`Type: MAIL FROM:<${p.from}>, RCPT TO:<${p.to}>, DATA, "Subject: ${p.subject}", an empty line, the text, then a line with only ".".`, `依次输入：MAIL FROM:<${p.from}>、RCPT TO:<${p.to}>、DATA、"Subject: ${p.subject}"、一个空行、正文，最后是只有 "." 的一行。`);
  if (!last || !last.mailFrom) return error('smtp.no-mail-from', text('The session has no MAIL FROM command: no mail transaction was started.', '会话里没有 MAIL FROM 命令：没有开始任何邮件事务。'), hint);
  const from = pathArgument(last.mailFrom.command);
  if (last.mailFrom.status !== '250' || from !== p.from) {
    return error('smtp.mail-from', text(`MAIL FROM was "${last.mailFrom.command}" → ${last.mailFrom.status || 'no reply'}; the sender must be <${p.from}> and accepted with 250.`, `MAIL FROM 是 "${last.mailFrom.command}" → ${last.mailFrom.status || '无回复'}；发件人必须是 <${p.from}>，并得到 250。`), hint);
  }
  const rcpt = last.rcpts.find((r) => pathArgument(r.command) === p.to);
  if (!rcpt || !rcpt.status.startsWith('25')) {
    return error('smtp.rcpt', text(rcpt ? `RCPT TO:<${p.to}> was answered ${rcpt.reply.join(' ')}.` : `There is no accepted RCPT TO:<${p.to}>.`, rcpt ? `RCPT TO:<${p.to}> 得到的回复是 ${rcpt.reply.join(' ')}。` : `没有被接受的 RCPT TO:<${p.to}>。`), hint);
  }
  if (last.data?.status !== '354') return error('smtp.data', text('DATA was not sent or not answered 354, so no message text was taken.', 'DATA 没有发送或没有得到 354，因此服务器没有接收邮件内容。'), hint);
  if (last.end?.status !== '250') {
    return error('smtp.no-end', text('The message was never finished: the server is waiting for a line with only "." (or it refused the message).', '邮件没有结束：服务器还在等待只有 "." 的一行（或者拒收了这封邮件）。'), text('End the message with a line that holds just "." and wait for 250.', '用只有一个 "." 的行结束邮件，并等到 250。'));
  }
  const subject = subjectOf(last.end.data);
  return error('smtp.subject', text(subject === undefined ? 'The message has no Subject: header (headers come before the first empty line).' : `The subject was "${subject}", not "${p.subject}".`, subject === undefined ? '邮件没有 Subject: 头（邮件头要写在第一个空行之前）。' : `主题是 "${subject}"，而不是 "${p.subject}"。`), text(`Start the message with the line "Subject: ${p.subject}", then an empty line, then the text.`, `邮件第一行写 "Subject: ${p.subject}"，接着一个空行，然后是正文。`));
}

export interface SubmissionParams {
  service: 'submission' | 'submissions';
}

/** Submission: (STARTTLS on 587), AUTH, then a message, which arrived marked ESMTPSA. */
export async function gradeSubmission(sandbox: Sandbox, p: SubmissionParams, scope?: WorkScope): Promise<FeedbackLine[]> {
  const lines: FeedbackLine[] = [];
  const port = PORTS[p.service]!;
  const sessions = await transcriptsFor(sandbox, [p.service], scope);
  if (sessions.length === 0) {
    return [error('submission.no-session', text(`There is no terminal session on port ${port} (${p.service}) for this exercise yet. ${COUNTED.en}`, `还没有本练习在端口 ${port}（${p.service}）上的终端会话。${COUNTED['zh-CN']}`), text(`Open the terminal for ${p.service} (port ${port}).`, `打开 ${p.service}（端口 ${port}）的终端。`))];
  }
  let best: { tls: boolean; auth: boolean; authBeforeTls: boolean; transaction?: SmtpTransaction } = { tls: false, auth: false, authBeforeTls: false };
  for (const session of sessions) {
    const xs = smtpExchanges(session);
    const implicit = p.service === 'submissions' && session.lines.filter((l) => l.dir !== 'I').every((l) => l.tls);
    const starttls = xs.some((x) => x.verb === 'STARTTLS' && x.status === '220');
    const tls = implicit || starttls;
    const authIndex = xs.findIndex((x) => x.verb === 'AUTH' && x.status === '235');
    const auth = authIndex >= 0 && xs[authIndex]!.tls;
    const authBeforeTls = authIndex >= 0 && !xs[authIndex]!.tls;
    const transaction = smtpTransactions(xs.slice(authIndex + 1)).filter((t) => accepted(t) && t.end!.tls).pop();
    const score = (x: typeof best): number => Number(x.tls) + Number(x.auth) + Number(!!x.transaction);
    const here = { tls, auth, authBeforeTls, ...(authIndex >= 0 && transaction ? { transaction } : {}) };
    if (score(here) >= score(best)) best = here;
  }
  if (!best.tls) {
    lines.push(p.service === 'submission'
      ? error('submission.no-starttls', text('The session never switched to TLS: there is no STARTTLS answered 220.', '会话从未切换到 TLS：没有得到 220 回复的 STARTTLS。'), text('After EHLO, type STARTTLS; when the server says 220, the terminal starts TLS for you. Then EHLO again.', 'EHLO 之后输入 STARTTLS；服务器回复 220 后，终端会为你启动 TLS。然后再发一次 EHLO。'))
      : error('submission.no-tls', text('This session was not encrypted.', '这个会话没有加密。'), text('Use the terminal for port 465, which speaks TLS from the first byte.', '使用端口 465 的终端，它从第一个字节起就是 TLS。')));
  } else lines.push(ok('submission.tls', p.service === 'submission' ? 'STARTTLS → 220: the rest of the session was encrypted.' : 'The whole session was encrypted (implicit TLS).', p.service === 'submission' ? 'STARTTLS → 220：之后的会话都是加密的。' : '整个会话都是加密的（隐式 TLS）。'));
  if (best.authBeforeTls && !best.auth) {
    lines.push(error('submission.auth-before-tls', text('You authenticated before TLS was on: your password crossed the network in clear text.', '你在 TLS 开启之前就认证了：密码以明文在网络上传输。'), text('STARTTLS first, then EHLO, then AUTH.', '先 STARTTLS，再 EHLO，然后 AUTH。')));
  } else if (!best.auth) {
    lines.push(error('submission.no-auth', text('There is no successful AUTH (235) over TLS in the session.', '会话中没有在 TLS 之上成功的 AUTH（235）。'), text('Authenticate with e.g. AUTH PLAIN followed by base64 of "\\0alice@example.com\\0secret".', '用例如 AUTH PLAIN 加上 "\\0alice@example.com\\0secret" 的 base64 进行认证。')));
  } else lines.push(ok('submission.auth', 'AUTH → 235 over TLS.', 'AUTH → 235（在 TLS 之上）。'));
  if (!best.transaction) {
    lines.push(error('submission.no-message', text('No message was accepted after AUTH (MAIL FROM, RCPT TO, DATA, "." → 250).', 'AUTH 之后没有被接受的邮件（MAIL FROM、RCPT TO、DATA、"." → 250）。'), text('After AUTH, send a message to a lab address such as bob@example.com.', 'AUTH 之后，给实验环境里的地址（例如 bob@example.com）发一封邮件。')));
    return lines;
  }
  const recipients = best.transaction.rcpts.filter((r) => r.status.startsWith('25')).map((r) => pathArgument(r.command) ?? '');
  const copy = await deliveredCopy(sandbox, best.transaction, recipients);
  if (!copy) {
    lines.push(error('submission.not-delivered', text(`The message (queued as ${best.transaction.queueId ?? '?'}) is no longer in ${recipients.join(', ')}'s INBOX.`, `这封邮件（队列号 ${best.transaction.queueId ?? '?'}）已经不在 ${recipients.join('、')} 的收件箱里了。`), text('Send it again and leave it in the mailbox.', '再发一次，并把它留在邮箱里。')));
  } else if (!/with ESMTPSA/.test(copy.message.headerText)) {
    lines.push(error('submission.not-authenticated', text('The delivered copy is not marked ESMTPSA (encrypted and authenticated).', '投递的邮件没有标记为 ESMTPSA（加密且认证）。'), text('Send the message in the same session after STARTTLS and AUTH.', '在 STARTTLS 和 AUTH 之后的同一个会话里发送邮件。')));
  } else {
    lines.push(ok('submission.delivered', `Delivered to ${copy.to}; its Received: header says "with ESMTPSA" (RFC 3848: ESMTP + TLS + AUTH).`, `已投递给 ${copy.to}；Received: 头写着 "with ESMTPSA"（RFC 3848：ESMTP + TLS + AUTH）。`));
  }
  return lines;
}

export interface DotStuffingParams {
  service: ServiceId;
  to: string;
  subject: string;
  /** The body line that begins with a dot, as it must arrive. */
  line: string;
}

/** A body line starting with "." must be sent doubled ("..x") and arrive single (".x"). */
export async function gradeDotStuffing(sandbox: Sandbox, p: DotStuffingParams, scope?: WorkScope): Promise<FeedbackLine[]> {
  const sessions = await transcriptsFor(sandbox, [p.service], scope);
  const transactions = sessions.flatMap((s) => smtpTransactions(smtpExchanges(s))).filter((t) => accepted(t) && sameSubject(subjectOf(t.end?.data) ?? '', p.subject));
  const chosen = transactions[transactions.length - 1];
  if (!chosen) {
    return [error('dots.no-message', text(`No message with the subject "${p.subject}" was accepted on port ${PORTS[p.service]} (${p.service}).`, `端口 ${PORTS[p.service]}（${p.service}）上没有被接受的主题为 "${p.subject}" 的邮件。`), text(`Send a message to ${p.to} with "Subject: ${p.subject}" whose body has the line ${p.line}.`, `给 ${p.to} 发一封 "Subject: ${p.subject}" 的邮件，正文里要有一行 ${p.line}。`))];
  }
  const lines: FeedbackLine[] = [ok('dots.sent', `The message "${p.subject}" was accepted (250).`, `邮件 "${p.subject}" 已被接受（250）。`)];
  const copy = await deliveredCopy(sandbox, chosen, [p.to]);
  const arrived = copy?.message.text.split(/\r?\n/) ?? [];
  const typed = chosen.end!.data ?? [];
  if (arrived.includes(p.line) && typed.includes(`.${p.line}`)) {
    lines.push(ok('dots.stuffed', `You sent "${'.' + p.line}" and ${p.to} received "${p.line}": the server removed the extra dot (RFC 5321 §4.5.2).`, `你发送的是 "${'.' + p.line}"，${p.to} 收到的是 "${p.line}"：服务器去掉了多加的点（RFC 5321 §4.5.2）。`));
  } else if (typed.includes(p.line)) {
    lines.push(error('dots.not-stuffed', text(`You typed "${p.line}" without doubling the dot, so the server removed its first dot and ${p.to} received "${p.line.slice(1)}".`, `你输入的 "${p.line}" 没有把点加倍，服务器去掉了第一个点，${p.to} 收到的是 "${p.line.slice(1)}"。`), text(`In DATA, a line that starts with "." must be sent with one more dot: type "..${p.line.slice(1)}" (RFC 5321 §4.5.2).`, `在 DATA 中，以 "." 开头的行要多加一个点：输入 "..${p.line.slice(1)}"（RFC 5321 §4.5.2）。`)));
  } else {
    lines.push(error('dots.missing-line', text(`The body did not contain the line "${p.line}".`, `正文里没有 "${p.line}" 这一行。`), text(`Add a line that reads exactly "${p.line}" to the body (typed as ".${p.line}").`, `在正文中加一行，内容正好是 "${p.line}"（输入时写成 ".${p.line}"）。`)));
  }
  return lines;
}
