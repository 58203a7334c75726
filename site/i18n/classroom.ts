/**
 * The classroom pages' strings (join, log in, the instructor dashboard, the learner's
 * mailboxes), in zh-CN and en. Kept apart from ui.ts so each part of the site owns its words.
 */
import { fill, type Vars } from './fill';
import type { Lang } from './ui';

const strings = {
  joinTitle: { 'zh-CN': '加入班级', en: 'Join your class' },
  joinIntro: {
    'zh-CN': '输入老师给你的加入码，起一个显示名称，再设置你自己的密码。加入后你会得到一个只属于你的邮件实验环境。',
    en: 'Enter the join code your instructor gave you, a display name and a password of your own. Joining gives you a mail lab of your own.',
  },
  loginTitle: { 'zh-CN': '再次登录', en: 'Log in again' },
  loginIntro: {
    'zh-CN': '已经加入过？用同样的加入码、名字和密码登录。忘了密码？请老师给你设一个新密码，你的进度会保留。',
    en: 'Joined before? Log in with the same code, name and password. Forgot your password? Ask your instructor for a new one: your progress is kept.',
  },
  joinCode: { 'zh-CN': '加入码', en: 'Join code' },
  displayName: { 'zh-CN': '显示名称', en: 'Display name' },
  password: { 'zh-CN': '密码（至少 8 个字符）', en: 'Password (at least 8 characters)' },
  join: { 'zh-CN': '加入', en: 'Join' },
  logIn: { 'zh-CN': '登录', en: 'Log in' },
  logOut: { 'zh-CN': '退出登录', en: 'Log out' },
  working: { 'zh-CN': '请稍候……', en: 'Working…' },
  joined: { 'zh-CN': '已加入！正在前往实验台……', en: 'Joined! Taking you to the lab…' },
  networkError: { 'zh-CN': '无法连接实验服务器，请检查网络后重试。', en: 'Could not reach the lab server. Check your connection and try again.' },
  notClassroom: {
    'zh-CN': '这个实验室运行在单人模式，不需要登录：直接打开实验台即可。',
    en: 'This lab runs in single-learner mode: no login is needed. Just open the lab.',
  },
  yourMailboxes: { 'zh-CN': '你的邮箱账号', en: 'Your mailboxes' },
  yourMailboxesIntro: {
    'zh-CN': '这些账号只属于你的实验环境。邮件客户端（Thunderbird、手机等）可以用它们连接 587/465、143/993、110/995 对应的实验端口。',
    en: 'These logins belong to your lab only. Mail clients (Thunderbird, a phone…) can use them on the lab ports for 587/465, 143/993 and 110/995.',
  },
  address: { 'zh-CN': '地址', en: 'Address' },
  mailServer: { 'zh-CN': '邮件服务器：', en: 'Mail server:' },
  submission: { 'zh-CN': 'SMTP 提交', en: 'SMTP submission' },
  mailboxPassword: { 'zh-CN': '密码', en: 'Password' },
  assignments: { 'zh-CN': '布置的练习', en: 'Assignments' },
  noAssignments: { 'zh-CN': '目前没有布置练习。', en: 'Nothing assigned yet.' },
  due: { 'zh-CN': '截止', en: 'due' },
  noDue: { 'zh-CN': '无截止时间', en: 'no due date' },
  passed: { 'zh-CN': '已通过', en: 'passed' },
  notPassed: { 'zh-CN': '未通过', en: 'not passed' },
  late: { 'zh-CN': '迟交', en: 'late' },
  pleaseLogIn: { 'zh-CN': '请先加入班级或登录，才能使用实验台。', en: 'Join your class or log in first to use the lab.' },
  goJoin: { 'zh-CN': '加入班级或登录', en: 'Join or log in' },
  instructorTitle: { 'zh-CN': '教师控制台', en: 'Instructor dashboard' },
  instructorLogin: { 'zh-CN': '教师登录', en: 'Instructor login' },
  instructorLoginIntro: {
    'zh-CN': '教师账号在服务器上用 maillab instructor add 名字 创建。',
    en: 'Instructor accounts are created on the server with: maillab instructor add NAME',
  },
  dashboardSingle: {
    'zh-CN': '这个实验室运行在单人模式，没有班级和教师控制台。要给一个班上课，请用 maillab serve --mode classroom 启动它，再用 maillab instructor add 名字 创建教师账号。',
    en: 'This lab runs in single-learner mode: it has no classes and no dashboard. To teach a class, start it with maillab serve --mode classroom, then create an instructor account with maillab instructor add NAME.',
  },
  name: { 'zh-CN': '名字', en: 'Name' },
  classes: { 'zh-CN': '班级', en: 'Classes' },
  newClass: { 'zh-CN': '新建班级', en: 'New class' },
  className: { 'zh-CN': '班级名称', en: 'Class name' },
  create: { 'zh-CN': '创建', en: 'Create' },
  joinUrl: { 'zh-CN': '加入网址', en: 'Join URL' },
  learners: { 'zh-CN': '学生', en: 'Learners' },
  noLearners: { 'zh-CN': '还没有学生加入。把加入码或加入网址发给他们。', en: 'No learners yet. Share the join code or URL with them.' },
  activeNow: { 'zh-CN': '在线', en: 'active now' },
  passRate: { 'zh-CN': '通过率', en: 'Pass rate' },
  attempts: { 'zh-CN': '次尝试', en: 'attempts' },
  lastAttempt: { 'zh-CN': '最近尝试', en: 'last attempt' },
  downloadCsv: { 'zh-CN': '导出 CSV', en: 'Download CSV' },
  armFaults: { 'zh-CN': '为本班设置故障', en: 'Arm faults for this class' },
  assign: { 'zh-CN': '布置', en: 'Assign' },
  exercise: { 'zh-CN': '练习', en: 'Exercise' },
  dueDate: { 'zh-CN': '截止时间', en: 'Due' },
  remove: { 'zh-CN': '移除', en: 'Remove' },
  details: { 'zh-CN': '详情', en: 'Details' },
  resetSandbox: { 'zh-CN': '重置沙箱', en: 'Reset sandbox' },
  removeLearner: { 'zh-CN': '移出班级', en: 'Remove from class' },
  sandboxReset: {
    'zh-CN': '已重置 {name} 的沙箱：邮件、DNS 区域和队列都回到了初始状态。',
    en: "{name}'s sandbox is reset: their mail, DNS zones and queue are back to the starting state.",
  },
  newPassword: { 'zh-CN': '设置新密码', en: 'New password' },
  newPasswordIntro: {
    'zh-CN': '学生忘了密码时使用：他已登录的会话和终端会立即结束，沙箱和进度都保留。留空则由实验室生成一个密码。',
    en: 'For a learner who forgot theirs: their open sessions and terminals end at once; their sandbox and progress stay. Leave it empty and the lab makes one up.',
  },
  newPasswordField: { 'zh-CN': '新密码（至少 8 个字符，可留空）', en: 'New password (at least 8 characters, or empty)' },
  setPassword: { 'zh-CN': '设置密码', en: 'Set password' },
  newPasswordSet: {
    'zh-CN': '{name} 的新密码如下（只显示这一次）。请把它告诉{name}：在 /join/ 页面用加入码、名字和这个密码登录。',
    en: "{name}'s new password is below (shown only this once). Give it to them: they log in on /join/ with the join code, their name and this password.",
  },
  auditInstructorPassword: { 'zh-CN': '在服务器上设置了新的教师密码', en: 'A new instructor password was set on the server' },
  auditInstructorRename: { 'zh-CN': '在服务器上把教师名字「{from}」改为「{to}」', en: 'The instructor name "{from}" was changed to "{to}" on the server' },
  auditPassword: { 'zh-CN': '为 {name} 设置了新密码', en: 'Set a new password for {name}' },
  confirmReset: { 'zh-CN': '要把这名学生的邮件环境恢复到初始状态吗？', en: "Restore this learner's mail world to its starting state?" },
  confirmRemove: { 'zh-CN': '要把这名学生移出班级吗？他的会话会立即结束，沙箱会被删除。', en: "Remove this learner? Their sessions end at once and their sandbox is deleted." },
  done: { 'zh-CN': '完成', en: 'Done' },
  attemptsTitle: { 'zh-CN': '尝试记录', en: 'Attempts' },
  transcripts: { 'zh-CN': '终端会话记录', en: 'Terminal transcripts' },
  moreLines: { 'zh-CN': '显示更多行', en: 'More lines' },
  moreSessions: { 'zh-CN': '更早的会话', en: 'Older sessions' },
  diskUsage: { 'zh-CN': '磁盘用量', en: 'Disk usage' },
  usageOf: { 'zh-CN': '已用 {used}，上限 {limit}；邮件 {messages} 封，上限 {maxMessages} 封', en: '{used} of {limit}; {messages} of at most {maxMessages} messages' },
  attemptsShown: { 'zh-CN': '（每个练习只显示最近的几次，共 {n} 次）', en: '(the latest of each exercise shown; {n} in all)' },
  none: { 'zh-CN': '暂无', en: 'None yet' },
  close: { 'zh-CN': '关闭', en: 'Close' },
  refresh: { 'zh-CN': '刷新', en: 'Refresh' },
  auditLog: { 'zh-CN': '操作日志', en: 'Audit log' },
  auditLogin: { 'zh-CN': '登录（来自 {from}）', en: 'Logged in (from {from})' },
  auditClassCreate: { 'zh-CN': '创建班级「{name}」', en: 'Created the class "{name}"' },
  auditAssign: { 'zh-CN': '布置练习「{title}」，截止：{due}', en: 'Assigned "{title}", due {due}' },
  auditUnassign: { 'zh-CN': '取消布置「{title}」', en: 'Took back "{title}"' },
  auditReset: { 'zh-CN': '重置了 {name} 的沙箱', en: "Reset {name}'s sandbox" },
  auditRemove: { 'zh-CN': '把 {name} 移出班级', en: 'Removed {name} from the class' },
  showExercises: { 'zh-CN': '显示的练习：', en: 'Exercises shown:' },
  onlyAssigned: { 'zh-CN': '只看布置的练习', en: 'Assigned only' },
  plusChapter: { 'zh-CN': '布置的练习 + 第 {n} 章', en: 'Assigned + chapter {n}' },
  allExercises: { 'zh-CN': '全部练习', en: 'All exercises' },
  chapterShort: { 'zh-CN': '第 {n} 章', en: 'ch. {n}' },
  progressTable: { 'zh-CN': '学生的练习进度（可左右滚动）', en: "Learners' progress (scrolls sideways)" },
  nobodyTried: { 'zh-CN': '还没有人尝试', en: 'Nobody has tried it yet' },
  notTried: { 'zh-CN': '还没有尝试', en: 'Not tried yet' },
  passedOfTried: { 'zh-CN': '尝试过的 {tried} 人中有 {passed} 人通过', en: '{passed} of the {tried} who tried passed' },
  overdue: { 'zh-CN': '已过截止时间', en: 'overdue' },
  learnersCount: { 'zh-CN': '{n} 名学生', en: '{n} {n|learner|learners}' },
  autoRefresh: { 'zh-CN': '每 10 秒自动刷新', en: 'Refreshes every 10 seconds' },
  staleFigures: {
    'zh-CN': '无法刷新：实验服务器 {time} 之后没有应答，下面仍是 {time} 的数据。页面每 10 秒自动重试；请检查网络，或点“刷新”。',
    en: 'Could not refresh: the lab server has not answered since {time}, so the figures below are from then. The page tries again every 10 seconds; check your connection or press Refresh.',
  },
  sessionEnded: {
    'zh-CN': '教师登录已失效（可能在别处退出了登录，或服务器被重置）。请重新登录。',
    en: 'Your instructor login has ended (you logged out elsewhere, or the server was reset). Log in again.',
  },
} satisfies Record<string, Record<Lang, string>>;

export type ClassroomKey = keyof typeof strings;

export function tc(lang: Lang, key: ClassroomKey): string {
  return strings[key][lang];
}

/** A string with {name} and {name|one|other} placeholders filled in. */
export function tcf(lang: Lang, key: ClassroomKey, vars: Vars): string {
  return fill(tc(lang, key), vars, lang);
}
