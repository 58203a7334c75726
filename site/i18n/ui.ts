/**
 * Every string of the site's interface, in zh-CN (the primary language, served at /) and en
 * (served at /en/). Components take `lang` and look strings up here.
 */

export type Lang = 'zh-CN' | 'en';
export const LANGS: readonly Lang[] = ['zh-CN', 'en'];

const strings = {
  siteName: { 'zh-CN': 'MailLab 邮件实验室', en: 'MailLab' },
  home: { 'zh-CN': '首页', en: 'Home' },
  lab: { 'zh-CN': '实验台', en: 'Lab' },
  switchLang: { 'zh-CN': 'English', en: '中文' },
  labTitle: { 'zh-CN': '实验台：直接和真实的邮件服务器对话', en: 'The lab: talk to real mail servers' },
  labIntro: {
    'zh-CN': '在下表中选择一个服务，打开终端，像用 telnet 一样手工输入 SMTP、POP3 或 IMAP 命令。每个终端都连接到你自己沙箱中真实运行的服务器。',
    en: 'Pick a service below to open a terminal and type SMTP, POP3 or IMAP commands by hand, as you would with telnet. Each terminal reaches a real server running in your own sandbox.',
  },
  service: { 'zh-CN': '服务', en: 'Service' },
  standardPort: { 'zh-CN': '标准端口', en: 'Standard port' },
  labPort: { 'zh-CN': '实验端口', en: 'Lab port' },
  encryption: { 'zh-CN': '加密方式', en: 'Encryption' },
  purpose: { 'zh-CN': '用途', en: 'Purpose' },
  security: { 'zh-CN': '安全级别', en: 'Security' },
  status: { 'zh-CN': '状态', en: 'Status' },
  listening: { 'zh-CN': '运行中', en: 'listening' },
  down: { 'zh-CN': '未运行', en: 'down' },
  openTerminal: { 'zh-CN': '打开终端', en: 'Open terminal' },
  starttls: { 'zh-CN': 'STARTTLS（先明文，后升级加密）', en: 'STARTTLS (plain, then upgraded)' },
  stls: { 'zh-CN': 'STLS（先明文，后升级加密）', en: 'STLS (plain, then upgraded)' },
  implicit: { 'zh-CN': '隐式 TLS（一开始就加密）', en: 'Implicit TLS (encrypted from the start)' },
  securityHigh: { 'zh-CN': '高：全程加密', en: 'High: always encrypted' },
  securityUpgrade: { 'zh-CN': '中：需要客户端发起加密', en: 'Medium: the client must ask for encryption' },
  loadingServices: { 'zh-CN': '正在读取服务列表……', en: 'Loading the services…' },
  servicesFailed: { 'zh-CN': '无法读取服务列表。实验服务器在运行吗？请刷新页面。', en: 'Could not load the services. Is the lab server running? Reload the page.' },
  connecting: { 'zh-CN': '正在连接……', en: 'Connecting…' },
  connected: { 'zh-CN': '已连接', en: 'connected' },
  disconnected: { 'zh-CN': '已断开', en: 'disconnected' },
  encrypted: { 'zh-CN': '已加密', en: 'encrypted' },
  plaintext: { 'zh-CN': '明文', en: 'plain text' },
  reconnect: { 'zh-CN': '重新连接', en: 'Reconnect' },
  closeTerminal: { 'zh-CN': '关闭终端', en: 'Close terminal' },
  confirmHangUp: { 'zh-CN': '要断开这个连接吗？', en: 'Close this connection?' },
  explainReplies: { 'zh-CN': '解释服务器回复', en: 'Explain replies' },
  dataHint: {
    'zh-CN': '提示：现在输入邮件内容（头部、空行、正文），最后单独输入一行 "." 结束。',
    en: 'Hint: type the message now (headers, an empty line, the body), then a line with only "." to end it.',
  },
  authHelper: { 'zh-CN': 'AUTH 助手', en: 'AUTH helper' },
  authHelperIntro: {
    'zh-CN': 'AUTH 需要 base64 编码。输入用户名和密码，下面会显示要输入的字符串以及它编码的内容。',
    en: 'AUTH needs base64. Enter a user name and password to see the strings to type and what they encode.',
  },
  userName: { 'zh-CN': '用户名', en: 'User name' },
  password: { 'zh-CN': '密码', en: 'Password' },
  encodes: { 'zh-CN': '编码的内容', en: 'encodes' },
  authLoginSteps: { 'zh-CN': 'AUTH LOGIN：服务器回复 334 后依次输入', en: 'AUTH LOGIN: after each 334, type' },
  typeIt: { 'zh-CN': '填入终端', en: 'Type it' },
  transcript: { 'zh-CN': '会话记录', en: 'Transcript' },
  copy: { 'zh-CN': '复制', en: 'Copy' },
  copied: { 'zh-CN': '已复制', en: 'Copied' },
  download: { 'zh-CN': '下载', en: 'Download' },
  diagram: { 'zh-CN': '时序图', en: 'Sequence diagram' },
  diagramEmpty: { 'zh-CN': '还没有内容：先在终端里输入一些命令。', en: 'Nothing yet: type some commands in the terminal first.' },
  diagramFailed: { 'zh-CN': '时序图绘制失败。', en: 'Could not draw the diagram.' },
  terminalLabel: { 'zh-CN': '终端', en: 'Terminal' },
  noTerminals: { 'zh-CN': '还没有打开终端。在上表中点击"打开终端"。', en: 'No terminal open yet. Choose "Open terminal" in the table above.' },
  placeholderIntro: {
    'zh-CN': '真实的 SMTP、POP3 服务器已在本机运行。打开实验台，在浏览器终端里直接输入协议命令。',
    en: 'Real SMTP and POP3 servers are running on this machine. Open the lab and type protocol commands in a browser terminal.',
  },
  goToLab: { 'zh-CN': '进入实验台', en: 'Open the lab' },
} satisfies Record<string, Record<Lang, string>>;

export type UiKey = keyof typeof strings;

export function t(lang: Lang, key: UiKey): string {
  return strings[key][lang];
}

/** The URL of a page in a language: zh-CN at "/", English under "/en/". */
export function localePath(lang: Lang, path: string): string {
  const clean = path.startsWith('/') ? path : `/${path}`;
  return lang === 'en' ? `/en${clean}` : clean;
}
