/**
 * The exercise pages' strings (the list, one exercise, the chapter's exercise list in a
 * lesson), in zh-CN and en. Kept apart from ui.ts so each part of the site owns its words.
 */
import { fill, type Vars } from './fill';
import type { Lang } from './ui';

const strings = {
  listTitle: { 'zh-CN': '练习', en: 'Exercises' },
  listIntro: {
    'zh-CN': '每道练习都由真实的程序评分：区域文件由真正的解析器读取，配置按 Postfix 和 Dovecot 的规则展开，协议练习看的是你在终端里真实发生的对话和 Maildir 里的文件。你的进度保存在实验服务器上。',
    en: 'Every exercise is graded by real code: zone files are read by a real parser, configuration is expanded the way Postfix and Dovecot do it, and protocol tasks look at what really happened in your terminal and in the Maildir. Your progress is kept on the lab server.',
  },
  chapterExercises: { 'zh-CN': '本章练习', en: 'Exercises for this chapter' },
  kind_dns: { 'zh-CN': 'DNS 记录', en: 'DNS records' },
  kind_config: { 'zh-CN': '服务器配置', en: 'Server configuration' },
  kind_protocol: { 'zh-CN': '亲手说协议', en: 'Protocol by hand' },
  kind_quiz: { 'zh-CN': '测验', en: 'Quiz' },
  status_passed: { 'zh-CN': '✓ 已通过', en: '✓ Passed' },
  status_attempted: { 'zh-CN': '… 已尝试', en: '… Attempted' },
  status_new: { 'zh-CN': '○ 未开始', en: '○ Not started' },
  statusHeading: { 'zh-CN': '你的进度', en: 'Your progress' },
  attemptsN: { 'zh-CN': '已提交 {n} 次', en: '{n} {n|attempt|attempts}' },
  bestScore: { 'zh-CN': '最高分 {n}', en: 'best score {n}' },
  progressSummary: { 'zh-CN': '你已通过 {passed} / {total} 道练习。', en: 'You have passed {passed} of {total} {total|exercise|exercises}.' },
  loadingProgress: { 'zh-CN': '正在读取你的进度……', en: 'Loading your progress…' },
  readLesson: { 'zh-CN': '本章课程', en: 'The lesson' },
  allExercises: { 'zh-CN': '全部练习', en: 'All exercises' },
  previousExercise: { 'zh-CN': '上一题', en: 'Previous exercise' },
  nextExercise: { 'zh-CN': '下一题', en: 'Next exercise' },
  exercisePager: { 'zh-CN': '上一题和下一题', en: 'Previous and next exercise' },
  breadcrumb: { 'zh-CN': '位置', en: 'Breadcrumb' },
  yourAnswer: { 'zh-CN': '你的答案', en: 'Your answer' },
  editor_zone: { 'zh-CN': '你的答案（区域文件）', en: 'Your answer (zone file)' },
  'editor_main.cf': { 'zh-CN': '你的答案（main.cf）', en: 'Your answer (main.cf)' },
  'editor_dovecot.conf': { 'zh-CN': '你的答案（dovecot.conf）', en: 'Your answer (dovecot.conf)' },
  'editor_master.cf': { 'zh-CN': '你的答案（master.cf）', en: 'Your answer (master.cf)' },
  editor_files: { 'zh-CN': '你的答案（几个文件，每个以 "==> 路径 <==" 开头）', en: 'Your answer (several files, each after its "==> path <==" line)' },
  editorHelp: {
    'zh-CN': 'Tab 键会离开编辑框；缩进请用空格。草稿会自动保存在这个浏览器里。',
    en: 'Tab leaves the editor; indent with spaces. Your draft is kept in this browser.',
  },
  // A phone or tablet has no Tab key to warn about.
  editorHelpTouch: {
    'zh-CN': '缩进请用空格。草稿会自动保存在这个浏览器里。',
    en: 'Indent with spaces. Your draft is kept in this browser.',
  },
  startOver: { 'zh-CN': '恢复初始内容', en: 'Start over' },
  confirmStartOver: { 'zh-CN': '要丢掉你写的内容，恢复成初始内容吗？', en: 'Throw away what you wrote and go back to the starting text?' },
  check: { 'zh-CN': '检查', en: 'Check' },
  checking: { 'zh-CN': '正在检查……', en: 'Checking…' },
  chooseAll: { 'zh-CN': '（可多选）', en: '(choose all that apply)' },
  fillLabel: { 'zh-CN': '你的回答', en: 'Your answer' },
  questionN: { 'zh-CN': '第 {n} 题', en: 'Question {n}' },
  protocolIntro: {
    'zh-CN': '在下面打开终端完成任务，然后点击"检查"。评分程序只看服务器上真实发生的事：你的终端会话记录和 Maildir 里的文件。',
    en: 'Open a terminal below, do the task, then choose "Check". The grader looks only at what really happened on the server: your terminal transcripts and the files in the Maildir.',
  },
  openTerminalFor: { 'zh-CN': '打开终端：{service}（端口 {port}）', en: 'Open terminal: {service} (port {port})' },
  loadingTerminal: { 'zh-CN': '正在加载终端……', en: 'Loading the terminal…' },
  resultPassed: { 'zh-CN': '通过！', en: 'Passed!' },
  resultFailed: { 'zh-CN': '还没通过', en: 'Not yet' },
  score: { 'zh-CN': '得分 {n}/100', en: 'score {n}/100' },
  feedbackList: { 'zh-CN': '评分程序的检查结果', en: 'What the grader found' },
  level_ok: { 'zh-CN': '正确', en: 'OK' },
  level_warn: { 'zh-CN': '警告', en: 'Warning' },
  level_error: { 'zh-CN': '错误', en: 'Error' },
  howToFix: { 'zh-CN': '怎么改：', en: 'How to fix: ' },
  hints: { 'zh-CN': '提示', en: 'Hints' },
  showHint: { 'zh-CN': '显示提示（{n}/{total}）', en: 'Show a hint ({n} of {total})' },
  allHintsShown: { 'zh-CN': '已显示全部提示。', en: 'All hints are shown.' },
  hintN: { 'zh-CN': '提示 {n}', en: 'Hint {n}' },
  solution: { 'zh-CN': '参考答案', en: 'Reference solution' },
  showSolution: { 'zh-CN': '查看参考答案', en: 'Show the solution' },
  solutionLocked: {
    'zh-CN': '提交 {after} 次后（还差 {n} 次）或通过后，可以查看参考答案。',
    en: 'The solution opens after {after} {after|attempt|attempts} ({n} to go), or once you pass.',
  },
  useSolution: { 'zh-CN': '把参考答案填入编辑框', en: 'Put it in the editor' },
  solutionSession: { 'zh-CN': '终端 {n}：{service}', en: 'Terminal {n}: {service}' },
  stepZoneReplace: { 'zh-CN': '区域 {zone}：把', en: 'Zone {zone}: replace' },
  stepZoneWith: { 'zh-CN': '改成', en: 'with' },
  stepZoneSet: { 'zh-CN': '区域 {zone}：把这条记录改成', en: 'Zone {zone}: make the record read' },
  stepZoneRestore: { 'zh-CN': '区域 {zone}：恢复原来的记录', en: 'Zone {zone}: restore the original records' },
  stepMta_stop: { 'zh-CN': '停止 {mta} 的邮件服务器', en: 'Stop the mail server of {mta}' },
  stepMta_start: { 'zh-CN': '重新启动 {mta} 的邮件服务器', en: 'Start the mail server of {mta} again' },
  stepFlush: { 'zh-CN': '刷新队列：立即重试被延迟的邮件', en: 'Flush the queue: retry deferred mail now' },
  stepArm: { 'zh-CN': '在"邮件世界"的"故障"标签中设置：', en: 'On the mail world\'s "Faults" tab, arm:' },
  stepDisarm: { 'zh-CN': '解除你设置的所有故障', en: 'Disarm every fault you armed' },
  stepWait: { 'zh-CN': '等待 {n} 分钟，让队列自己重试', en: 'Wait {n} {n|minute|minutes} while the queue retries by itself' },
  stepExpect: { 'zh-CN': '应当看到：{outcome}', en: 'What should happen: {outcome}' },
  outcome_sent: { 'zh-CN': '投递成功', en: 'delivered' },
  outcome_deferred: { 'zh-CN': '延迟投递（留在队列里）', en: 'deferred (kept in the queue)' },
  outcome_bounced: { 'zh-CN': '被退回（收到退信）', en: 'bounced (a non-delivery report comes back)' },
  solutionNote_dns: {
    'zh-CN': '意思相同的写法都算对：大小写、相对或绝对名字、TTL、有没有 IN、空白、注释和记录顺序都不影响评分。',
    en: 'Anything that means the same passes: case, relative or absolute names, any TTL, IN or not, spacing, comments and record order do not matter.',
  },
  solutionNote_config: {
    'zh-CN': '意思相同的写法都算对：空白、注释、行的顺序、列表用逗号还是空格、$变量展开都不影响评分。',
    en: 'Anything that means the same passes: spacing, comments, the order of the lines, commas or spaces in lists and $name expansions do not matter.',
  },
  classroomTitle: { 'zh-CN': '请先加入班级或登录', en: 'Join your class or log in first' },
  classroomBody: {
    'zh-CN': '这个实验室运行在课堂模式：先加入班级或登录，才能做练习、保存你的成绩。',
    en: 'This lab runs in classroom mode: join your class or log in first, so that you can do the exercises and your grades are kept.',
  },
  goJoin: { 'zh-CN': '加入班级或登录', en: 'Join your class or log in' },
  loadFailed: {
    'zh-CN': '无法连接实验服务器。它在运行吗？请稍后刷新页面。',
    en: 'Could not reach the lab server. Is it running? Reload the page in a moment.',
  },
  needsJs: { 'zh-CN': '检查答案需要启用 JavaScript。', en: 'Checking answers needs JavaScript.' },
} satisfies Record<string, Record<Lang, string>>;

export type ExerciseKey = keyof typeof strings;

export function tx(lang: Lang, key: ExerciseKey): string {
  return strings[key][lang];
}

/** A string with {name} and {name|one|other} placeholders filled in. */
export function txf(lang: Lang, key: ExerciseKey, vars: Vars): string {
  return fill(tx(lang, key), vars, lang);
}

/** A string whose key is built at run time (a step's action, an outcome), if there is one. */
export function txIfKnown(lang: Lang, key: string): string | undefined {
  return key in strings ? strings[key as ExerciseKey][lang] : undefined;
}
