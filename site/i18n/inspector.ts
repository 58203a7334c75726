/**
 * The message inspector's words in zh-CN and en: its own labels, a short explanation of each
 * common header field, of each DKIM-Signature tag, of each Maildir flag and of each
 * Authentication-Results method.
 */
import { fill, type Vars } from './fill';
import type { Lang } from './ui';

type Bi = { 'zh-CN': string; en: string };
const bi = (zh: string, en: string): Bi => ({ 'zh-CN': zh, en });

const labels = {
  title: bi('邮件检查器', 'Message inspector'),
  intro: bi('一封邮件的五种看法：渲染后的样子、逐个头字段、原始字节、MIME 结构（和 IMAP 的 BODYSTRUCTURE 对照），以及它在磁盘上的文件。', 'Five views of one message: as a mail client renders it, field by field, as raw bytes, as a MIME tree (beside the IMAP BODYSTRUCTURE), and as a file on disk.'),
  loading: bi('正在读取邮件……', 'Reading the message…'),
  tabRendered: bi('渲染', 'Rendered'),
  tabHeaders: bi('头字段', 'Headers'),
  tabRaw: bi('原始', 'Raw'),
  tabMime: bi('MIME 树', 'MIME tree'),
  tabDisk: bi('磁盘上', 'On disk'),
  noText: bi('这封邮件没有可显示的文本部分。', 'This message has no text part to show.'),
  htmlNote: bi('HTML 部分显示在一个沙箱框架里：不运行脚本、不提交表单、不从网络加载任何东西。', 'The HTML part is shown in a sandboxed frame: no scripts run, no forms submit, nothing is loaded from the network.'),
  remoteBlocked: bi('已拦截 {n} 个网络引用（例如远程图片）。这正是追踪像素的原理：加载远程图片会告诉发件人你何时、在哪里打开了邮件。', '{n} network {n|reference|references} blocked (remote images and the like). This is how tracking pixels work: loading a remote image tells the sender when and where you opened the message.'),
  attachments: bi('附件', 'Attachments'),
  download: bi('下载', 'Download'),
  downloadRaw: bi('下载整封邮件（.eml）', 'Download the whole message (.eml)'),
  field: bi('字段', 'Field'),
  value: bi('值', 'Value'),
  meaning: bi('含义', 'What it means'),
  decodedFrom: bi('已解码，原文：', 'decoded from:'),
  hops: bi('传递路径（Received: 链，最新的在上面）', 'The path it took (the Received: chain, newest at the top)'),
  hopFrom: bi('来自', 'from'),
  hopBy: bi('由', 'by'),
  hopWith: bi('协议', 'with'),
  hopId: bi('队列编号', 'queue id'),
  hopFor: bi('收件人', 'for'),
  hopTls: bi('加密', 'encrypted'),
  hopPlain: bi('未加密', 'not encrypted'),
  hopDelay: bi('比上一跳晚 {s} 秒', '{s} s after the hop below'),
  authResults: bi('Authentication-Results：接收服务器的检查结果', 'Authentication-Results: what the receiving server checked'),
  seeSteps: bi('在邮件世界中查看 SPF/DKIM/DMARC 的每一步', 'See each SPF/DKIM/DMARC step in the mail world'),
  dkimTags: bi('DKIM-Signature 的各个标签', 'DKIM-Signature, tag by tag'),
  rawIntro: bi('磁盘上的文件按行显示。在网络上（SMTP、POP3、IMAP）每一行都以 CRLF（␍␊）结尾；Maildir 文件里只用 LF。以点开头的行在 SMTP DATA 中会被加倍（".."）发送；=?…?= 是编码字（RFC 2047）。', 'The file on disk, line by line. On the wire (SMTP, POP3, IMAP) every line ends in CRLF (␍␊); the Maildir file keeps LF only. A line that starts with a dot is sent doubled ("..") in SMTP DATA; =?…?= is an encoded word (RFC 2047).'),
  showCrlf: bi('按网络上的样子显示（CRLF）', 'Show as on the wire (CRLF)'),
  truncated: bi('只显示了前 {n} 字节；请下载整封邮件查看全部。', 'Only the first {n} bytes are shown; download the message for all of it.'),
  dotLine: bi('以点开头：SMTP 中发送为 ".."', 'starts with a dot: sent as ".." in SMTP'),
  encodedWord: bi('编码字', 'encoded word'),
  decodedSide: bi('各部分：原文与解码后并排', 'Each part: as encoded, and decoded, side by side'),
  asEncoded: bi('原文（{enc}）', 'As sent ({enc})'),
  asDecoded: bi('解码后', 'Decoded'),
  section: bi('节号', 'Section'),
  type: bi('类型', 'Type'),
  charset: bi('字符集', 'Charset'),
  encoding: bi('传输编码', 'Transfer encoding'),
  disposition: bi('处置', 'Disposition'),
  size: bi('大小', 'Size'),
  lines: bi('行数', 'Lines'),
  fetch: bi('取出这一部分', 'Fetch this part'),
  bodystructure: bi('IMAP 服务器对这封邮件的 BODYSTRUCTURE', "The IMAP server's BODYSTRUCTURE of this message"),
  moreParts: bi('共 {total} 个部分，只列出前 {n} 个。', '{total} parts in all; the first {n} are listed.'),
  path: bi('路径', 'Path'),
  fileName: bi('文件名', 'File name'),
  nameTime: bi('投递时间（文件名开头的秒数）', 'Delivery time (the seconds the name starts with)'),
  nameUnique: bi('唯一部分：M 微秒、P 进程号、Q 本进程的第几次投递、主机名', 'Unique part: M microseconds, P process id, Q delivery count of that process, host name'),
  nameS: bi('S=：磁盘上的大小（LF 换行）', 'S=: size on disk (LF line ends)'),
  nameW: bi('W=：网络上的大小（CRLF 换行），即 IMAP RFC822.SIZE 和 POP3 LIST 报告的大小', 'W=: size on the wire (CRLF line ends), what IMAP RFC822.SIZE and POP3 LIST report'),
  nameFlags: bi(':2, 之后：标志', 'After ":2,": the flags'),
  noFlags: bi('（没有标志）', '(no flags)'),
  keywords: bi('关键字', 'Keywords'),
  inNew: bi('它在 new/ 里：投递时先写入 tmp/，fsync 之后改名到 new/。还没有客户端看过它。', 'It is in new/: delivery wrote it to tmp/, fsynced it and renamed it into new/. No client has seen it yet.'),
  inCur: bi('它在 cur/ 里：投递时先写入 tmp/，再改名到 new/；客户端第一次看到它时（IMAP SELECT 或 POP3 登录），它被移到 cur/，并在 :2, 之后记录标志。', 'It is in cur/: delivery wrote it to tmp/ and renamed it into new/; when a client first saw it (IMAP SELECT or a POP3 login) it was moved to cur/, with its flags after ":2,".'),
  deliveredAt: bi('投递于', 'Delivered at'),
  changedAt: bi('最后一次改名（移到 cur/ 或改标志）', 'Last renamed (moved to cur/ or flags changed)'),
  uidLine: bi('UID {uid}（UIDVALIDITY {v}）', 'UID {uid} (UIDVALIDITY {v})'),
  failed: bi('无法打开这封邮件。', 'Could not open this message.'),
  noMessage: bi('这个地址没有指明要看哪封邮件。请从终端里 RETR 或 FETCH 之后的链接、或实验页面的 Maildir 视图打开一封；也可以在地址后加上 ?user=bob@example.com&folder=INBOX&uid=4。', 'This address names no message. Open one from the link a terminal shows after RETR or FETCH, or from the Maildir view on the lab page; or add ?user=bob@example.com&folder=INBOX&uid=4 to the address.'),
  back: bi('回到 Maildir 视图', 'Back to the Maildir view'),
} satisfies Record<string, Bi>;

export type InspectorKey = keyof typeof labels;

export function it(lang: Lang, key: InspectorKey, vars: Vars = {}): string {
  return fill(labels[key][lang], vars, lang);
}

/** Short explanations of common header fields, by lower-case name. */
export const HEADER_MEANINGS: Record<string, Bi> = {
  'return-path': bi('信封发件人（MAIL FROM），由最后投递的服务器写入；退信发往这里。', 'The envelope sender (MAIL FROM), written by the server that delivered it; bounces go here.'),
  received: bi('每经过一台服务器就在顶部加一行：谁交给谁、用什么协议、何时。', 'Each server it passed through added one at the top: who handed it to whom, how, and when.'),
  'authentication-results': bi('接收服务器对 SPF、DKIM、DMARC 的检查结果（RFC 8601）。', "The receiving server's SPF, DKIM and DMARC verdicts (RFC 8601)."),
  'dkim-signature': bi('发送域的数字签名：覆盖哪些头字段和正文的哈希（RFC 6376）。', "The sending domain's signature over the listed header fields and a hash of the body (RFC 6376)."),
  from: bi('作者：收件人看到的发件人；DMARC 检查的就是这个域。', 'The author, as the reader sees it; DMARC checks this domain.'),
  sender: bi('实际发送者，当它与 From 不同时。', 'Who actually sent it, when that differs from From.'),
  to: bi('主要收件人（显示用；真正的收件人在信封 RCPT TO 里）。', 'Primary recipients (for display: the real ones were in the envelope, RCPT TO).'),
  cc: bi('抄送收件人。', 'Carbon-copy recipients.'),
  'reply-to': bi('回复时应发往的地址。', 'Where replies should go.'),
  subject: bi('主题；非 ASCII 文字用编码字（=?UTF-8?B?…?=）写出。', 'The subject; non-ASCII text is written as encoded words (=?UTF-8?B?…?=).'),
  date: bi('作者发出邮件的时间（RFC 5322 格式）。', 'When the author sent it (RFC 5322 form).'),
  'message-id': bi('全球唯一的邮件编号，由发送方生成。', 'A globally unique id, made by the sending side.'),
  'in-reply-to': bi('所回复邮件的 Message-ID。', 'The Message-ID of the message this replies to.'),
  references: bi('整个会话中各邮件的 Message-ID，用于组织会话。', 'Message-IDs of the thread, for threading.'),
  'mime-version': bi('表明邮件使用 MIME（RFC 2045）。', 'Says the message uses MIME (RFC 2045).'),
  'content-type': bi('内容的媒体类型，多部分时还有分隔线 boundary。', 'The media type; for multipart, the boundary that separates the parts.'),
  'content-transfer-encoding': bi('传输编码：7bit、8bit、quoted-printable 或 base64。', 'How the body is encoded for transport: 7bit, 8bit, quoted-printable or base64.'),
  'content-disposition': bi('内联显示还是作为附件，以及文件名。', 'Shown inline or as an attachment, and the file name.'),
  'auto-submitted': bi('由程序自动生成（如退信），不应再自动回复。', 'Made by a program (a bounce, say): do not auto-reply to it.'),
  'delivered-to': bi('最终投递到的邮箱。', 'The mailbox it was finally delivered to.'),
  'list-unsubscribe': bi('退订邮件列表的方法。', 'How to unsubscribe from the mailing list.'),
};

export const DKIM_TAGS: Record<string, Bi> = {
  v: bi('版本，总是 1', 'version, always 1'),
  a: bi('签名算法', 'signing algorithm'),
  c: bi('规范化方式（头/正文）', 'canonicalization (header/body)'),
  d: bi('签名域：DMARC 对齐看它', 'signing domain: what DMARC aligns with'),
  s: bi('选择器：公钥在 <s>._domainkey.<d> 的 TXT 记录里', 'selector: the public key is in the TXT record <s>._domainkey.<d>'),
  h: bi('被签名的头字段', 'signed header fields'),
  bh: bi('正文哈希', 'body hash'),
  b: bi('签名本身', 'the signature itself'),
  t: bi('签名时间', 'signing time'),
  x: bi('过期时间', 'expiry time'),
  i: bi('签名者身份', 'identity of the signer'),
  l: bi('被签名的正文长度', 'length of the signed body'),
  q: bi('公钥查询方式', 'how to look up the key'),
};

export const AUTH_METHODS: Record<string, Bi> = {
  spf: bi('SPF：发信服务器的地址是否被信封发件人的域授权', "SPF: is the sending server's address allowed by the envelope sender's domain"),
  dkim: bi('DKIM：签名是否用域的公钥验证通过', "DKIM: does the signature verify with the domain's public key"),
  dmarc: bi('DMARC：SPF 或 DKIM 是否通过且与 From 域对齐', 'DMARC: did SPF or DKIM pass aligned with the From domain'),
};

export const MAILDIR_FLAGS: Record<string, Bi> = {
  D: bi('D 草稿（\\Draft）', 'D draft (\\Draft)'),
  F: bi('F 已标记（\\Flagged）', 'F flagged (\\Flagged)'),
  P: bi('P 已转发', 'P passed (forwarded)'),
  R: bi('R 已回复（\\Answered）', 'R replied (\\Answered)'),
  S: bi('S 已读（\\Seen）', 'S seen (\\Seen)'),
  T: bi('T 已删除，等待清除（\\Deleted）', 'T trashed, waiting for expunge (\\Deleted)'),
};
