/**
 * Short explanations of server replies for learners typing by hand, in zh-CN and en, matched
 * to the reply AND the command that caused it (see replyMatcher.ts): SMTP reply codes
 * (RFC 5321 §4.2), POP3 +OK/-ERR and its response codes (RFC 2449, 3206), IMAP OK/NO/BAD/BYE
 * and continuation lines (RFC 9051 §7.1). A mistyped command gets "did you mean …?".
 */
import { isKnownVerb, suggestVerb, verbOf, VERBS, type Protocol } from './commandVerbs';
import { IMAP_CODES, IMAP_DATA, IMAP_EXAMPLES, imapDataKind, POP3_CODES, SMTP } from './replyTexts';
import { nodeReplyWords } from '../../lab-server/src/world/nodeReplies.ts';
import { loginsPausedWords } from '../../lab-server/src/world/loginReplies.ts';
import { sandboxRemovedWords } from '../../lab-server/src/world/removedReplies.ts';
import { connectionsCappedWords, tooManyTlsSessionsWords } from '../../lab-server/src/world/capReplies.ts';
import { wrongStateWords } from '../../lab-server/src/imap/stateReplies.ts';
import { workerFailedWords } from '../../lab-server/src/imap/workerReplies.ts';

export type { Protocol };
export type Lang = 'en' | 'zh-CN';
export type Bilingual = Record<Lang, string>;

const both = (en: string, zh: string): Bilingual => ({ en, 'zh-CN': zh });
const join = (a: Bilingual, b: Bilingual | undefined): Bilingual => (b ? both(`${a.en} ${b.en}`, `${a['zh-CN']}${b['zh-CN']}`) : a);

/** "X is not a … command. Did you mean Y?" — or the list of commands when nothing is close. */
function unknownCommand(protocol: Protocol, verb: string): Bilingual {
  const name = protocol.toUpperCase();
  // Said as letters or a word beginning with a vowel sound: "an SMTP", "an IMAP", "a POP3".
  const a = protocol === 'pop3' ? 'a' : 'an';
  const guess = suggestVerb(protocol, verb);
  if (guess) return both(`${verb} is not ${a} ${name} command. Did you mean ${guess}?`, `${verb} 不是 ${name} 命令。你是想输入 ${guess} 吗？`);
  const list = VERBS[protocol].slice(0, 12).join(', ');
  return both(`${verb} is not ${a} ${name} command. Commands include: ${list}.`, `${verb} 不是 ${name} 命令。可用的命令有：${list}。`);
}

const GO_AHEAD_TLS = both(
  'Go ahead with TLS: the terminal now does the TLS handshake, as a mail client would. Everything from before is forgotten: introduce yourself (or log in) again.',
  '可以开始 TLS 了：终端现在会像邮件客户端一样完成 TLS 握手。之前的状态全部作废：请重新自我介绍（或重新登录）。',
);

/** What a 334 challenge asks for: its text is base64 ("VXNlcm5hbWU6" is "Username:"). */
function smtpChallenge(line: string): Bilingual {
  let asked = '';
  try {
    asked = atob(line.slice(4).trim());
  } catch {
    // not base64: say it in general terms
  }
  if (/^[\x20-\x7e]+$/.test(asked)) return both(`The server asks, in base64, "${asked}": send that, base64-encoded (the AUTH helper makes the string).`, `服务器用 base64 询问 "${asked}"：请把它对应的内容用 base64 编码后发送（AUTH 助手可以生成）。`);
  return SMTP['334']!;
}

function explainSmtp(line: string, command: string | undefined): Bilingual | undefined {
  // Only the last line of a multi-line reply ("250 ..." not "250-...").
  const code = /^(\d{3})(?: |$)/.exec(line)?.[1];
  if (!code) return undefined;
  const verb = command === undefined ? undefined : verbOf('smtp', command);
  if (command === '') {
    if (code === '220') return SMTP['220'];
    return join(both('The server refuses this connection.', '服务器拒绝了这次连接。'), SMTP[code]);
  }
  if (verb === 'STARTTLS' && code === '220') return GO_AHEAD_TLS;
  if ((code === '500' || code === '502') && verb && !isKnownVerb('smtp', verb)) return unknownCommand('smtp', verb);
  if (code === '334') return smtpChallenge(line);
  if (code === '503' && verb === 'AUTH') {
    return both(
      'This port takes no login: port 25 is for mail between servers. To log in and send, connect to the submission port 587 (STARTTLS, then AUTH) or 465.',
      '这个端口不接受登录：25 端口用于服务器之间传递邮件。要登录并发信，请连接提交端口 587（先 STARTTLS，再 AUTH）或 465。',
    );
  }
  if (code === '250') {
    if (verb === 'EHLO') return both('Hello accepted. The 250- lines above are the extensions this server offers (SIZE, STARTTLS, AUTH…). Next: MAIL FROM:<sender>.', '问候已被接受。上面的 250- 行是服务器支持的扩展（SIZE、STARTTLS、AUTH……）。下一步：MAIL FROM:<发件人>。');
    if (verb === 'HELO') return both('Hello accepted (HELO: no extension list; EHLO would show one). Next: MAIL FROM:<sender>.', '问候已被接受（HELO 不列出扩展，EHLO 才会）。下一步：MAIL FROM:<发件人>。');
    if (verb === 'MAIL') return both('Envelope sender accepted. Next: RCPT TO:<recipient>.', '信封发件人已接受。下一步：RCPT TO:<收件人>。');
    if (verb === 'RCPT') return both('Recipient accepted. Add another RCPT TO, or send DATA to start the message.', '收件人已接受。可以再加一个 RCPT TO，或者发送 DATA 开始写邮件。');
    if (command === '.') return both('Message accepted: from now on the server is responsible for delivering it ("queued as" is its queue id). QUIT, or MAIL FROM for another message.', '邮件已被接受：从现在起由服务器负责投递（"queued as" 后面是队列号）。可以 QUIT，或者用 MAIL FROM 再发一封。');
    if (verb === 'RSET') return both('Transaction reset: start again with MAIL FROM.', '事务已重置：从 MAIL FROM 重新开始。');
  }
  return SMTP[code];
}

function explainPop3(line: string, command: string | undefined): Bilingual | undefined {
  const verb = command ? verbOf('pop3', command) : '';
  if (line.startsWith('-ERR')) {
    if (verb && !isKnownVerb('pop3', verb)) return unknownCommand('pop3', verb);
    const code = /\[([A-Z-/]+)/i.exec(line)?.[1]?.toUpperCase();
    return join(both('-ERR: the command failed; the text says why.', '-ERR：命令失败，后面的文字说明原因。'), code ? POP3_CODES[code] : undefined);
  }
  if (line === '+' || line.startsWith('+ ')) return both('Continue: send the next part (for AUTH, a base64 string).', '继续：发送下一部分（AUTH 时是 base64 字符串）。');
  if (!line.startsWith('+OK')) return undefined;
  if (command === '') return both('+OK: the server is ready. Log in with USER name, then PASS password.', '+OK：服务器已就绪。先用 USER 用户名，再用 PASS 密码登录。');
  const notes: Record<string, Bilingual> = {
    USER: both('+OK: user name noted. Now send PASS with the password.', '+OK：用户名已记下。现在发送 PASS 和密码。'),
    PASS: both('+OK: logged in, and the mailbox is locked for this session. Try STAT, LIST, RETR 1, DELE 1, QUIT.', '+OK：已登录，邮箱在本会话中被锁定。试试 STAT、LIST、RETR 1、DELE 1、QUIT。'),
    RETR: both('+OK: the message follows, exactly as stored, up to a line with only ".".', '+OK：下面是邮件原文，直到只有 "." 的一行为止。'),
    DELE: both('+OK: marked for deletion. It is removed only when you QUIT; RSET would unmark it.', '+OK：已标记删除。只有 QUIT 之后才真正删除；RSET 可以撤销标记。'),
    QUIT: both('+OK: the messages marked with DELE are deleted now, and the connection closes.', '+OK：标记了 DELE 的邮件现在被删除，连接关闭。'),
    STLS: GO_AHEAD_TLS,
  };
  return notes[verb] ?? both('+OK: the command succeeded.', '+OK：命令成功。');
}

function explainImap(line: string, command: string | undefined): Bilingual | undefined {
  if (line.startsWith('+')) return both('Continuation: the server is ready for the rest (a literal, or the next AUTHENTICATE step).', '继续请求：服务器等待剩余内容（字面量或下一步认证）。');
  const data = imapDataKind(line);
  if (data) return IMAP_DATA[data];
  const m = /^(\*|[^\s*+]+) (OK|NO|BAD|BYE|PREAUTH)\b/i.exec(line);
  if (!m) return undefined;
  const tag = m[1]!;
  const status = m[2]!.toUpperCase();
  const code = /\[([A-Z-/]+)/i.exec(line)?.[1]?.toUpperCase();
  const detail = code ? IMAP_CODES[code] : undefined;
  const verb = command ? verbOf('imap', command) : '';
  if (command === '' && tag === '*') return join(both('The server is ready. Every command starts with a tag of your choice, e.g. "a1 CAPABILITY".', '服务器已就绪。每条命令都以你自己起的标签开头，例如 "a1 CAPABILITY"。'), detail);
  if (status === 'BAD') {
    if (tag === '*' || isKnownVerb('imap', tag)) {
      const seen = tag === '*' ? '' : both(` The server read "${tag}" as the tag.`, `服务器把 "${tag}" 当成了标签。`);
      return join(both('BAD: every IMAP command starts with a tag, e.g. "a1 CAPABILITY".', 'BAD：每条 IMAP 命令都以标签开头，例如 "a1 CAPABILITY"。'), seen || undefined);
    }
    if (verb && !isKnownVerb('imap', verb)) return unknownCommand('imap', verb);
    // A command the session is not ready for (SELECT before LOGIN): what to do first.
    const state = verb ? wrongStateWords(verb, line) : undefined;
    if (state) return state;
    const example = IMAP_EXAMPLES[verb];
    if (verb) return both(`BAD: ${verb} is a command, but its arguments were not understood.${example ? ` Example: ${example}` : ''}`, `BAD：${verb} 是合法命令，但参数无法解析。${example ? `示例：${example}` : ''}`);
  }
  if (verb === 'STARTTLS' && status === 'OK' && tag !== '*') return GO_AHEAD_TLS;
  // A message a worker could not read: what to do next depends on the command (FETCH, SEARCH, APPEND).
  const tooBig = status === 'NO' ? workerFailedWords(line) : undefined;
  if (tooBig) return tooBig;
  const tagged = tag !== '*';
  const base =
    status === 'OK'
      ? tagged
        ? both(`Tagged OK: command ${tag}${verb ? ` (${verb})` : ''} completed.`, `带标签的 OK：命令 ${tag}${verb ? `（${verb}）` : ''} 已完成。`)
        : both('Untagged OK: information from the server.', '无标签 OK：服务器提供的信息。')
      : status === 'NO'
        ? both('NO: the command was understood but failed (wrong password, no such mailbox...).', 'NO：命令被理解但执行失败（密码错误、邮箱不存在等）。')
        : status === 'BAD'
          ? both('BAD: the command was not understood.', 'BAD：命令无法解析。')
          : status === 'BYE'
            ? both('BYE: the server is closing the connection.', 'BYE：服务器正在关闭连接。')
            : both('PREAUTH: already logged in.', 'PREAUTH：已经登录。');
  return join(base, detail);
}

/**
 * The explanation for one server reply line, or undefined when there is nothing useful to
 * say. `command` is the line it answers ('' for the greeting), when known.
 */
export function explainReply(protocol: Protocol, line: string, command?: string): Bilingual | undefined {
  // A login refused because the learner's lab is on another node, or on its way there (a drain).
  // …or because its address sent too many wrong passwords (its turn is too far away),
  // or because its address (or the whole lab) has too many connections open, or started too many TLS sessions;
  // or its sandbox was removed under the session.
  const later = nodeReplyWords(line) ?? loginsPausedWords(line) ?? connectionsCappedWords(line) ?? tooManyTlsSessionsWords(line) ?? sandboxRemovedWords(line);
  if (later) return later;
  if (protocol === 'smtp') return explainSmtp(line, command);
  if (protocol === 'pop3') return explainPop3(line, command);
  return explainImap(line, command);
}
