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
  exercises: { 'zh-CN': '练习', en: 'Exercises' },
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
  // The lesson site.
  siteNav: { 'zh-CN': '站点导航', en: 'Site' },
  skipToContent: { 'zh-CN': '跳到正文', en: 'Skip to the content' },
  lessons: { 'zh-CN': '课程', en: 'Lessons' },
  chapters: { 'zh-CN': '章节', en: 'Chapters' },
  chapterN: { 'zh-CN': '第 {n} 章', en: 'Chapter {n}' },
  startIntro: {
    'zh-CN': '七章课程带你走完一封邮件的全程：从写信的客户端，到服务器之间的 SMTP 对话，再到磁盘上的 Maildir 文件和 DNS 记录。每一章都能在页面里打开终端，直接和真实运行的服务器对话。',
    en: 'Seven chapters follow one message all the way: from the program you write it in, through the SMTP conversation between servers, to a file in a Maildir and the DNS records around it. Every chapter opens a terminal on the page that talks to real, running servers.',
  },
  startCourse: { 'zh-CN': '从第 1 章开始', en: 'Start with chapter 1' },
  labUsers: { 'zh-CN': '实验账号：alice@example.com、bob@example.com、carol@otherdomain.com，密码都是 secret。', en: 'Lab accounts: alice@example.com, bob@example.com and carol@otherdomain.com, all with the password secret.' },
  previous: { 'zh-CN': '上一章', en: 'Previous' },
  next: { 'zh-CN': '下一章', en: 'Next' },
  onThisPage: { 'zh-CN': '本章目录', en: 'On this page' },
  chapterNav: { 'zh-CN': '课程章节', en: 'Course chapters' },
  pagination: { 'zh-CN': '上一章和下一章', en: 'Previous and next chapter' },
  tryIt: { 'zh-CN': '动手试试', en: 'Try it' },
  pasteIntoTerminal: { 'zh-CN': '粘贴到终端并执行', en: 'Paste into the terminal' },
  youShouldSee: { 'zh-CN': '你应该看到（编号、数量、大小和时间会有所不同）', en: 'What you should see (ids, counts, sizes and times will differ)' },
  diagramLabel: { 'zh-CN': '示意图', en: 'Diagram' },
  diagramSource: { 'zh-CN': '图的源码（mermaid）', en: 'Diagram source (mermaid)' },
  diagramLoading: { 'zh-CN': '正在绘制示意图……', en: 'Drawing the diagram…' },
  labDock: { 'zh-CN': '实验终端', en: 'Lab terminal' },
  openLabTerminal: { 'zh-CN': '打开实验终端', en: 'Open the lab terminal' },
  dockIntro: {
    'zh-CN': '选择一个服务打开终端，或者点击正文中"动手试试"的按钮。终端连接的是你自己的沙箱。',
    en: 'Choose a service to open a terminal, or use a "Try it" button in the lesson. Terminals reach your own sandbox.',
  },
  chooseService: { 'zh-CN': '服务', en: 'Service' },
  minimize: { 'zh-CN': '收起', en: 'Minimize' },
  expand: { 'zh-CN': '展开', en: 'Expand' },
  closeDock: { 'zh-CN': '关闭实验终端', en: 'Close the lab terminal' },
  showMaildir: { 'zh-CN': '显示 Maildir', en: 'Show Maildir' },
  terminalTabs: { 'zh-CN': '已打开的终端', en: 'Open terminals' },
  maildirTitle: { 'zh-CN': '实时 Maildir 视图', en: 'Live Maildir view' },
  maildirLoading: { 'zh-CN': '正在读取你的邮箱目录……', en: 'Reading your mailbox directories…' },
  maildirFailed: { 'zh-CN': '无法读取邮箱目录。实验服务器在运行吗？', en: 'Could not read the mailbox directories. Is the lab server running?' },
  maildirUser: { 'zh-CN': '查看的用户', en: 'Mailbox of' },
  maildirEmpty: { 'zh-CN': '（空）', en: '(empty)' },
  maildirLive: { 'zh-CN': '每隔一两秒自动刷新：在终端里收发、阅读或删除邮件，这里的文件会跟着变化。', en: 'Refreshes every second or two: send, read or delete mail in a terminal and watch the files change here.' },
  maildirAppeared: { 'zh-CN': '{n} 个文件出现了变化', en: '{n} file(s) changed' },
  maildirInbox: { 'zh-CN': '收件箱（INBOX 就是 Maildir 本身）', en: 'INBOX (the Maildir itself)' },
  maildirFolder: { 'zh-CN': 'Maildir++ 文件夹', en: 'Maildir++ folder' },
  maildirFlagsLegend: { 'zh-CN': '标志：D 草稿、F 标记、P 已转发、R 已回复、S 已读、T 已删除（待清除）', en: 'Flags: D draft, F flagged, P passed (forwarded), R replied, S seen, T trashed (to be expunged)' },
  maildirUid: { 'zh-CN': 'UID', en: 'UID' },
  maildirBytes: { 'zh-CN': '字节', en: 'bytes' },
  search: { 'zh-CN': '搜索', en: 'Search' },
  searchLessons: { 'zh-CN': '搜索课程', en: 'Search the lessons' },
  searchPlaceholder: { 'zh-CN': '例如：STARTTLS、Maildir、DMARC', en: 'e.g. STARTTLS, Maildir, DMARC' },
  searchBothLangs: { 'zh-CN': '同时搜索英文课程', en: 'Also search the Chinese lessons' },
  searchNoResults: { 'zh-CN': '没有找到匹配的内容。换个词试试？', en: 'Nothing matches. Try another word?' },
  searchResultCount: { 'zh-CN': '找到 {n} 处', en: '{n} matches' },
  searchNeedsJs: { 'zh-CN': '搜索需要 JavaScript。', en: 'Search needs JavaScript.' },
  searchLoading: { 'zh-CN': '正在载入索引……', en: 'Loading the index…' },
  themeAuto: { 'zh-CN': '主题：跟随系统', en: 'Theme: system' },
  themeLight: { 'zh-CN': '主题：浅色', en: 'Theme: light' },
  themeDark: { 'zh-CN': '主题：深色', en: 'Theme: dark' },
  editOnPage: { 'zh-CN': '本页的 Markdown 源文件：', en: 'Markdown source of this page: ' },
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

/** A string with {name} placeholders filled in, e.g. tf(lang, 'chapterN', { n: 3 }). */
export function tf(lang: Lang, key: UiKey, vars: Record<string, string | number>): string {
  return t(lang, key).replace(/\{(\w+)\}/g, (whole, name: string) => (name in vars ? String(vars[name]) : whole));
}
