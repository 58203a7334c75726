/**
 * The words of the reply explanations (replyExplain.ts), in en and zh-CN: SMTP reply codes
 * (RFC 5321 §4.2.3), POP3 response codes (RFC 2449, 3206), IMAP response codes (RFC 9051
 * §7.1) and an example of each IMAP command a learner meets.
 */
type Bilingual = { en: string; 'zh-CN': string };

export const SMTP: Record<string, Bilingual> = {
  '211': { en: 'System status or help reply.', 'zh-CN': '系统状态或帮助信息。' },
  '214': { en: 'Help message for people.', 'zh-CN': '给人看的帮助信息。' },
  '220': { en: 'The greeting: the service is ready. Introduce yourself with EHLO (or HELO).', 'zh-CN': '问候：服务已就绪。请用 EHLO（或 HELO）自我介绍。' },
  '221': { en: 'The server is closing the connection, as you asked with QUIT.', 'zh-CN': '服务器正在关闭连接（你发送了 QUIT）。' },
  '235': { en: 'Authentication succeeded: you may now send MAIL FROM.', 'zh-CN': '认证成功：现在可以发送 MAIL FROM。' },
  '250': { en: 'OK: the command worked. Go on with the next step (EHLO → MAIL FROM → RCPT TO → DATA).', 'zh-CN': '成功：命令已执行。继续下一步（EHLO → MAIL FROM → RCPT TO → DATA）。' },
  '251': { en: 'User not local; the server will forward the mail.', 'zh-CN': '收件人不在本地，服务器会转发。' },
  '252': { en: 'Cannot verify the user, but will accept the message.', 'zh-CN': '无法验证该用户，但会接受邮件。' },
  '334': { en: 'AUTH continues: send the next base64 string (user name, then password, for AUTH LOGIN).', 'zh-CN': '认证继续：发送下一个 base64 字符串（AUTH LOGIN 先用户名，后密码）。' },
  '354': { en: 'Send the message now: headers, an empty line, the body. End with a line holding only "." (a dot).', 'zh-CN': '现在发送邮件内容：头部、一个空行、正文。最后单独一行只写一个点 "." 结束。' },
  '421': { en: 'Service not available: the server is closing the connection. Reconnect later.', 'zh-CN': '服务不可用，服务器正在关闭连接。稍后重新连接。' },
  '450': { en: 'Mailbox temporarily unavailable: try again later.', 'zh-CN': '邮箱暂时不可用，请稍后重试。' },
  '451': { en: 'Temporary local error: the server could not finish. Try again.', 'zh-CN': '服务器本地临时错误，请重试。' },
  '452': { en: 'Temporary lack of storage or too many recipients.', 'zh-CN': '存储空间暂时不足或收件人过多。' },
  '454': { en: 'TLS or authentication temporarily unavailable.', 'zh-CN': 'TLS 或认证暂时不可用。' },
  '500': { en: 'Syntax error: the server does not know this command. Check the spelling (EHLO, MAIL FROM:, RCPT TO:, DATA, QUIT).', 'zh-CN': '语法错误：服务器不认识这个命令。检查拼写（EHLO、MAIL FROM:、RCPT TO:、DATA、QUIT）。' },
  '501': { en: 'Syntax error in the arguments, e.g. an address without <angle brackets>. Example: MAIL FROM:<alice@example.com>', 'zh-CN': '参数语法错误，例如地址没有尖括号。示例：MAIL FROM:<alice@example.com>' },
  '502': { en: 'Command not implemented on this server or port.', 'zh-CN': '该服务器或端口未实现此命令。' },
  '503': { en: 'Bad sequence of commands: the order matters. EHLO first, then MAIL FROM, then RCPT TO, then DATA.', 'zh-CN': '命令顺序错误：先 EHLO，再 MAIL FROM，再 RCPT TO，最后 DATA。' },
  '504': { en: 'Command parameter not implemented (e.g. an unknown AUTH mechanism).', 'zh-CN': '不支持该命令参数（例如未知的 AUTH 机制）。' },
  '530': { en: 'Authentication required: on the submission ports, log in with AUTH before MAIL FROM.', 'zh-CN': '需要认证：在提交端口上，先用 AUTH 登录再发 MAIL FROM。' },
  '534': { en: 'Authentication mechanism too weak.', 'zh-CN': '认证机制强度不够。' },
  '535': { en: 'Authentication failed: wrong user name or password (check the base64).', 'zh-CN': '认证失败：用户名或密码错误（检查 base64 编码）。' },
  '538': { en: 'Encryption required: send STARTTLS first so the password is not sent in clear text.', 'zh-CN': '需要加密：先发送 STARTTLS，避免密码以明文传输。' },
  '550': { en: 'Refused: mailbox unavailable (no such user, or policy). Check the address.', 'zh-CN': '被拒绝：邮箱不可用（用户不存在或策略拒绝）。请检查地址。' },
  '551': { en: 'User not local: the server will not forward.', 'zh-CN': '用户不在本地，服务器不转发。' },
  '552': { en: 'Message too big, its header too large (too many lines, or one field folded into too many), or storage exceeded. Send a smaller message, or one with a shorter header.', 'zh-CN': '邮件太大、头部太大（行数过多，或某个字段折行过多），或超出存储限制。请发送更小的邮件，或缩短邮件头部。' },
  '553': { en: 'Mailbox name not allowed (bad address syntax).', 'zh-CN': '邮箱名称不允许（地址格式错误）。' },
  '554': { en: 'Transaction failed. "Relay access denied" means this server only accepts mail for its own domains: it is not an open relay.', 'zh-CN': '事务失败。"Relay access denied" 表示本服务器只接收自己域名的邮件，不做开放中继。' },
  '555': { en: 'MAIL FROM or RCPT TO parameters not recognized.', 'zh-CN': '无法识别 MAIL FROM 或 RCPT TO 的参数。' },
};

export const POP3_CODES: Record<string, Bilingual> = {
  'IN-USE': { en: 'Another session has this mailbox open. QUIT it first (POP3 locks the maildrop).', 'zh-CN': '另一个会话正在使用该邮箱。请先在那个会话中 QUIT（POP3 会锁定邮箱）。' },
  AUTH: { en: 'Wrong user name or password, or login not allowed this way.', 'zh-CN': '用户名或密码错误，或不允许这样登录。' },
  'SYS/TEMP': { en: 'A temporary problem on the server. Try again shortly.', 'zh-CN': '服务器临时故障，请稍后再试。' },
  'SYS/PERM': { en: 'A permanent problem on the server.', 'zh-CN': '服务器永久性故障。' },
  'LOGIN-DELAY': { en: 'Logging in again too soon.', 'zh-CN': '重新登录过于频繁。' },
};

export const IMAP_CODES: Record<string, Bilingual> = {
  TRYCREATE: { en: 'The target mailbox does not exist: CREATE it, then try again.', 'zh-CN': '目标邮箱不存在：先 CREATE 它再重试。' },
  ALERT: { en: 'A message the server wants a person to read.', 'zh-CN': '服务器希望用户阅读的提示。' },
  UIDVALIDITY: { en: 'UIDs are valid as long as this number stays the same.', 'zh-CN': '只要这个数字不变，UID 就保持有效。' },
  UIDNEXT: { en: 'The UID the next new message will get.', 'zh-CN': '下一封新邮件将获得的 UID。' },
  'READ-WRITE': { en: 'Mailbox opened read-write: you can change flags and expunge.', 'zh-CN': '邮箱以读写方式打开：可以修改标志和删除。' },
  'READ-ONLY': { en: 'Mailbox opened read-only (EXAMINE): nothing will change.', 'zh-CN': '邮箱以只读方式打开（EXAMINE）：不会改动任何内容。' },
  PERMANENTFLAGS: { en: 'Flags you can set that will be kept; \\* at the end means you may also make up keywords of your own, like $Important.', 'zh-CN': '可以设置并会被永久保存的标志；末尾的 \\* 表示你还可以自己创建关键字，例如 $Important。' },
  CAPABILITY: { en: 'What this server can do.', 'zh-CN': '服务器支持的功能列表。' },
  BADCHARSET: { en: 'The server cannot search text in that charset; the list shows the ones it can (use UTF-8).', 'zh-CN': '服务器不支持用这个字符集搜索；后面的列表是它支持的（用 UTF-8 即可）。' },
  BADURL: { en: 'That IMAP URL names nothing you may read: check the mailbox, UIDVALIDITY and UID in it.', 'zh-CN': '这个 IMAP URL 指向的内容不存在或你无权读取：检查其中的邮箱名、UIDVALIDITY 和 UID。' },
  BADEVENT: { en: 'NOTIFY asked for an event this server cannot report; the list shows the ones it can.', 'zh-CN': 'NOTIFY 请求了服务器无法报告的事件；后面的列表是它支持的事件。' },
  NOUPDATE: { en: 'The result is given once but will not be kept up to date: too many live searches (CANCELUPDATE one).', 'zh-CN': '结果只给一次，不会持续更新：实时搜索太多了（先用 CANCELUPDATE 取消一个）。' },
  CLOSED: { en: 'The mailbox selected before is now closed; the lines that follow are about the new one.', 'zh-CN': '之前选中的邮箱已关闭；后面的行都属于新选中的邮箱。' },
  'UNKNOWN-CTE': { en: 'A part uses a transfer encoding the server cannot decode: fetch it with BODY[...] instead of BINARY[...].', 'zh-CN': '某个部分使用了服务器无法解码的传输编码：请改用 BODY[...] 而不是 BINARY[...] 获取。' },
  HIGHESTMODSEQ: {
    en: 'CONDSTORE: the highest change number (MODSEQ) in this mailbox. Remember it; next time FETCH 1:* (FLAGS) (CHANGEDSINCE that number) returns only what changed.',
    'zh-CN': 'CONDSTORE：这个邮箱里最大的修改序号（MODSEQ）。记下它；下次用 FETCH 1:* (FLAGS) (CHANGEDSINCE 这个数) 只取回变化过的邮件。',
  },
  NOMODSEQ: { en: 'This mailbox keeps no change numbers (MODSEQ), so CHANGEDSINCE and UNCHANGEDSINCE cannot be used on it.', 'zh-CN': '这个邮箱不保存修改序号（MODSEQ），所以不能对它使用 CHANGEDSINCE 和 UNCHANGEDSINCE。' },
  MODIFIED: {
    en: 'STORE ... (UNCHANGEDSINCE n) left these messages alone: someone changed them after n. FETCH their FLAGS and MODSEQ, then decide again.',
    'zh-CN': 'STORE ... (UNCHANGEDSINCE n) 没有改动这些邮件：它们在 n 之后被别人改过。先 FETCH 它们的 FLAGS 和 MODSEQ，再决定怎么做。',
  },
  NOTIFICATIONOVERFLOW: { en: 'Too many NOTIFY events waited unread, so NOTIFY is off: send NOTIFY SET again, then STATUS the mailboxes you care about.', 'zh-CN': '太多 NOTIFY 事件没有被读取，NOTIFY 已关闭：重新发送 NOTIFY SET，再对关心的邮箱用 STATUS 查看。' },
  OVERQUOTA: {
    en: 'No room to store it: this lab world is over its quota, or the server\'s disk is full. Delete mail you do not need (STORE +FLAGS (\\Deleted), then EXPUNGE), then try again.',
    'zh-CN': '没有空间保存：这个实验世界已超出配额，或服务器磁盘已满。删除不需要的邮件（STORE +FLAGS (\\Deleted)，再 EXPUNGE）后重试。',
  },
  TOOBIG: {
    en: 'Too large for this server: a literal, a message (APPEND, CATENATE) or all the messages of one APPEND together are over its limit. Send less at once.',
    'zh-CN': '超出服务器的大小限制：字面量、一封邮件（APPEND、CATENATE）或一次 APPEND 的全部邮件合计太大。一次少发一些。',
  },
  LIMIT: {
    en: 'A limit of this server was reached (mailboxes, subscriptions, keywords, a message too complex to read). The text says which; remove some, then try again.',
    'zh-CN': '达到了服务器的某个上限（邮箱数、订阅数、关键字数，或邮件结构过于复杂）。回复文字会说明是哪一个；删掉一些后再试。',
  },
  UNAVAILABLE: {
    en: 'Not possible right now, but it may be in a moment: the lab sandbox is not open, or too much mail is being received from your address at once. Try again in a minute.',
    'zh-CN': '现在做不到，但稍后也许可以：实验沙盒没有打开，或同时从你的地址接收的邮件太多。请一分钟后再试。',
  },
  CANNOT: {
    en: 'The server will never do this as asked (a name or keyword it cannot take, INBOX deleted, a mailbox moved inside itself). The text says what to change.',
    'zh-CN': '服务器永远不会按这个请求执行（它不能接受的名字或关键字、删除 INBOX、把邮箱移到它自己里面）。回复文字会说明该改什么。',
  },
  URLMECH: { en: 'The ways this server can authorize URLs (INTERNAL: it keeps the key itself).', 'zh-CN': '服务器支持的 URL 授权方式（INTERNAL：密钥由服务器自己保管）。' },
};

/** A well-formed example of each common IMAP command, shown when its arguments were not understood. */
export const IMAP_EXAMPLES: Record<string, string> = {
  LOGIN: 'a1 LOGIN alice@example.com <password>',
  SELECT: 'a2 SELECT INBOX',
  EXAMINE: 'a2 EXAMINE INBOX',
  FETCH: 'a3 FETCH 1 (FLAGS BODY[HEADER.FIELDS (SUBJECT)])',
  STORE: 'a4 STORE 1 +FLAGS (\\Flagged)',
  SEARCH: 'a5 SEARCH UNSEEN',
  LIST: 'a6 LIST "" "*"',
  STATUS: 'a7 STATUS INBOX (MESSAGES UNSEEN)',
  COPY: 'a8 COPY 1 Archive',
  MOVE: 'a8 MOVE 1 Archive',
  CREATE: 'a9 CREATE Archive',
  UID: 'a10 UID FETCH 1:* (FLAGS)',
  SORT: 'a11 SORT (REVERSE DATE) UTF-8 ALL',
  THREAD: 'a12 THREAD REFERENCES UTF-8 ALL',
  ENABLE: 'a13 ENABLE IMAP4rev2',
  NOTIFY: 'a14 NOTIFY SET (SELECTED (MessageNew MessageExpunge)) (PERSONAL (MessageNew MessageExpunge))',
  URLFETCH: 'a15 URLFETCH "imap://alice@mail.example.com/INBOX/;UID=1;URLAUTH=authuser:INTERNAL:…"',
};

/** What an untagged data line means, by its first word (MODSEQ: a FETCH line that carries one). */
export const IMAP_DATA: Record<string, { en: string; 'zh-CN': string }> = {
  FLAGS: {
    en: 'The flags used in this mailbox: those with a backslash (\\Seen, \\Flagged…) are system flags; words without one ($Junk, $Forwarded…) are keywords, which clients invent and share.',
    'zh-CN': '这个邮箱用到的标志：带反斜杠的（\\Seen、\\Flagged…）是系统标志；不带反斜杠的词（$Junk、$Forwarded…）是关键字，由客户端自己创建、彼此共享。',
  },
  MODSEQ: {
    en: 'MODSEQ is the message\'s change number (CONDSTORE): it grows each time its flags change, so a client that remembers the highest one can ask for just what changed since.',
    'zh-CN': 'MODSEQ 是这封邮件的修改序号（CONDSTORE）：每次标志改变它都会增大，客户端记住最大的那个，下次就能只问此后变化的内容。',
  },
  VANISHED: {
    en: 'QRESYNC: these UIDs were expunged. EARLIER means while you were away; without it, just now (it replaces one EXPUNGE line per message).',
    'zh-CN': 'QRESYNC：这些 UID 的邮件已被删除。带 EARLIER 表示是你不在时删除的；不带则是刚刚删除（代替逐封的 EXPUNGE 行）。',
  },
  SORT: { en: 'The matching messages in the order you asked for (numbers, or UIDs with UID SORT); the server did the sorting.', 'zh-CN': '按你要求的顺序列出的匹配邮件（序号；UID SORT 时是 UID）：排序由服务器完成。' },
  THREAD: {
    en: 'The messages grouped into conversations: each (…) is one thread, a number followed by another is its reply, and (…)(…) inside are parallel replies.',
    'zh-CN': '按会话分组的邮件：每个 (…) 是一个会话，数字后面跟着的数字是它的回复，里面并列的 (…)(…) 是同一封邮件的多个回复。',
  },
  ESEARCH: {
    en: 'The search result as a summary (ESEARCH): MIN and MAX are the first and last match, COUNT how many, ALL the matches as ranges like 2:5. TAG says which command it answers.',
    'zh-CN': '摘要形式的搜索结果（ESEARCH）：MIN 和 MAX 是第一个和最后一个匹配，COUNT 是数量，ALL 用 2:5 这样的范围列出全部匹配。TAG 指明它回答的是哪条命令。',
  },
};

/** Which IMAP_DATA entry explains an untagged data line, if any. */
export function imapDataKind(line: string): string | undefined {
  const m = /^\* (SORT|THREAD|ESEARCH|VANISHED|FLAGS)\b/i.exec(line) ?? /^\* \d+ FETCH \(.*\b(MODSEQ) \(\d+\)/i.exec(line);
  return m?.[1]!.toUpperCase();
}
