/**
 * Mailbox tasks: POP3 retrieve-and-delete (RFC 1939: DELE only marks, QUIT removes) and IMAP
 * flags (RFC 9051 STORE; \Flagged is the Maildir letter F in the file name).
 */
import { error, ok, text, warn, type FeedbackLine } from '../feedback.js';
import type { Sandbox } from '../../world/sandbox.js';
import { imapExchanges, pop3Exchanges } from './dialogue.js';
import { COUNTED, messagesOf, sameSubject, transcriptsFor, type WorkScope } from './evidence.js';
import { readMail } from './readMail.js';

export interface Pop3DeleteParams {
  user: string;
  subject: string;
}

export async function gradePop3Delete(sandbox: Sandbox, p: Pop3DeleteParams, scope?: WorkScope): Promise<FeedbackLine[]> {
  const sessions = await transcriptsFor(sandbox, ['pop3', 'pop3s'], scope);
  if (sessions.length === 0) {
    return [error('pop3.no-session', text(`There is no POP3 terminal session (port 110 or 995) for this exercise yet. ${COUNTED.en}`, `还没有本练习的 POP3 终端会话（端口 110 或 995）。${COUNTED['zh-CN']}`), text(`Open the POP3 terminal and log in as ${p.user}: USER, PASS, LIST, RETR, DELE, QUIT.`, `打开 POP3 终端，以 ${p.user} 登录：USER、PASS、LIST、RETR、DELE、QUIT。`))];
  }
  type Progress = { login: boolean; retr?: string; dele: boolean; quit: boolean };
  let best: Progress = { login: false, dele: false, quit: false };
  const rank = (x: Progress): number => Number(x.login) + Number(!!x.retr) + Number(x.dele) + Number(x.quit);
  for (const session of sessions) {
    const xs = pop3Exchanges(session);
    const progress: Progress = { login: false, dele: false, quit: false };
    let user: string | undefined;
    for (const x of xs) {
      const arg = x.command.trim().split(/\s+/)[1];
      if (x.verb === 'USER') user = arg;
      if ((x.verb === 'PASS' || x.verb === 'APOP' || x.verb === 'AUTH') && x.status === '+OK') {
        const login = x.verb === 'APOP' ? arg : user;
        const found = login ? sandbox.findLogin(login) : undefined;
        progress.login = x.verb === 'AUTH' || (!!found && 'user' in found && found.user.address === p.user.toLowerCase());
      }
      if (!progress.login) continue;
      if (x.verb === 'RETR' && x.status === '+OK' && arg) {
        const parsed = await readMail(Buffer.from(x.reply.slice(1).join('\r\n')), sandbox.id);
        if (sameSubject(parsed.subject, p.subject)) progress.retr = arg;
      }
      if (x.verb === 'DELE' && x.status === '+OK' && progress.retr !== undefined && arg === progress.retr) progress.dele = true;
      if (x.verb === 'RSET' && x.status === '+OK') progress.dele = false;
      if (x.verb === 'QUIT' && x.status === '+OK' && progress.dele) progress.quit = true;
    }
    if (rank(progress) >= rank(best)) best = progress;
  }
  const lines: FeedbackLine[] = [];
  if (!best.login) {
    return [error('pop3.no-login', text(`No POP3 session logged in as ${p.user} (USER, then PASS answered +OK).`, `没有以 ${p.user} 登录成功的 POP3 会话（USER，然后 PASS 得到 +OK）。`), text(`Type "USER ${p.user}" and "PASS secret".`, `输入 "USER ${p.user}" 和 "PASS secret"。`))];
  }
  lines.push(ok('pop3.login', `Logged in as ${p.user}.`, `已以 ${p.user} 登录。`));
  if (!best.retr) {
    lines.push(error('pop3.no-retr', text(`The message "${p.subject}" was not retrieved with RETR.`, `没有用 RETR 取回邮件 "${p.subject}"。`), text('LIST shows the message numbers; RETR <number> shows a message. Find the one with that subject.', 'LIST 列出邮件编号；RETR <编号> 显示邮件内容。找到那个主题的邮件。')));
    return lines;
  }
  lines.push(ok('pop3.retr', `RETR ${best.retr} returned "${p.subject}".`, `RETR ${best.retr} 取回了 "${p.subject}"。`));
  if (!best.dele) {
    lines.push(error('pop3.no-dele', text(`Message ${best.retr} was not marked with DELE ${best.retr} (or RSET undid it).`, `第 ${best.retr} 封邮件没有用 DELE ${best.retr} 标记删除（或者被 RSET 撤销了）。`), text(`Type "DELE ${best.retr}".`, `输入 "DELE ${best.retr}"。`)));
    return lines;
  }
  if (!best.quit) {
    lines.push(error('pop3.no-quit', text('DELE only marks a message; it is removed when the session ends with QUIT (the UPDATE state, RFC 1939 §6). This session never sent QUIT, so nothing was deleted.', 'DELE 只是标记邮件；要用 QUIT 结束会话时才真正删除（UPDATE 状态，RFC 1939 §6）。这个会话没有发送 QUIT，所以什么也没删。'), text('Do it again and finish with QUIT.', '再做一次，最后输入 QUIT。')));
    return lines;
  }
  lines.push(ok('pop3.dele-quit', `DELE ${best.retr} → +OK, then QUIT → +OK.`, `DELE ${best.retr} → +OK，然后 QUIT → +OK。`));
  const left = (await messagesOf(sandbox, p.user)).filter((m) => sameSubject(m.subject, p.subject));
  if (left.length > 0) {
    lines.push(error('pop3.still-there', text(`${p.user}'s INBOX still holds ${left.length} message(s) with the subject "${p.subject}" (${left.map((m) => m.fileName).join(', ')}).`, `${p.user} 的收件箱里还有 ${left.length} 封主题为 "${p.subject}" 的邮件（${left.map((m) => m.fileName).join('、')}）。`), text('Delete every copy (you may have sent it more than once), then QUIT.', '删除所有副本（你可能发了不止一次），然后 QUIT。')));
  } else {
    lines.push(ok('pop3.gone', `The file is gone from ${p.user}'s Maildir.`, `这个文件已经从 ${p.user} 的 Maildir 中消失了。`));
  }
  return lines;
}

export interface ImapFlagParams {
  user: string;
  messageId: string;
  /** Maildir letter, e.g. "F". */
  letter: string;
  flag: string;
}

export async function gradeImapFlag(sandbox: Sandbox, p: ImapFlagParams, scope?: WorkScope): Promise<FeedbackLine[]> {
  const lines: FeedbackLine[] = [];
  const messages = await messagesOf(sandbox, p.user);
  const target = messages.find((m) => m.messageId === p.messageId);
  if (!target) {
    return [error('imap.message-gone', text(`The message ${p.messageId} is no longer in ${p.user}'s INBOX.`, `邮件 ${p.messageId} 已经不在 ${p.user} 的收件箱里了。`), text('Ask for the lab to be reset (maillab reset), then try again.', '请重置实验环境（maillab reset）后再试。'))];
  }
  if (target.flags.includes(p.letter)) {
    lines.push(ok('imap.flagged', `The message file is now ${target.dir}/${target.fileName}: the "${p.letter}" after ":2," is ${p.flag}.`, `邮件文件现在是 ${target.dir}/${target.fileName}：":2," 后面的 "${p.letter}" 就是 ${p.flag}。`));
  } else {
    lines.push(error('imap.not-flagged', text(`The message is stored as ${target.dir}/${target.fileName}: it does not carry ${p.flag} (the letter ${p.letter} after ":2,").`, `邮件存储为 ${target.dir}/${target.fileName}：它没有 ${p.flag} 标志（":2," 后面的字母 ${p.letter}）。`), text(`SELECT INBOX, find the message (FETCH 1:* (FLAGS ENVELOPE)), then e.g. "a5 STORE 1 +FLAGS (${p.flag})".`, `SELECT INBOX，找到这封邮件（FETCH 1:* (FLAGS ENVELOPE)），然后例如 "a5 STORE 1 +FLAGS (${p.flag})"。`)));
    return lines;
  }
  const sessions = await transcriptsFor(sandbox, ['imap', 'imaps'], scope);
  const escaped = p.flag.replace(/\\/g, '\\\\');
  const stored = sessions.flatMap((s) => imapExchanges(s)).some((x) => /STORE$/.test(x.verb) && x.status === 'OK' && new RegExp(escaped, 'i').test(x.command));
  if (stored) lines.push(ok('imap.store', `Your terminal session shows a STORE with ${p.flag} answered OK.`, `你的终端会话里有得到 OK 的 ${p.flag} STORE 命令。`));
  else lines.push(warn('imap.no-transcript', text(`The flag is set, but no terminal session shows your STORE command (perhaps a mail client set it).`, `标志已经设置，但没有终端会话显示你的 STORE 命令（也许是邮件客户端设置的）。`), text(`Try it by hand too: "a1 LOGIN ${p.user} secret", "a2 SELECT INBOX", "a3 STORE 1 +FLAGS (${p.flag})".`, `也亲手试一次："a1 LOGIN ${p.user} secret"、"a2 SELECT INBOX"、"a3 STORE 1 +FLAGS (${p.flag})"。`)));
  return lines;
}
