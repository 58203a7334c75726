/**
 * The fault injection page's strings, in zh-CN and en (kept apart from ui.ts so this part of
 * the site owns its words).
 */
import type { Lang } from './ui';

const strings = {
  nav: { 'zh-CN': '故障', en: 'Faults' },
  title: { 'zh-CN': '故障注入：让服务器故意出错', en: 'Fault injection: make the servers misbehave on purpose' },
  intro: {
    'zh-CN': '在你的邮件世界里设置故障：让某台 MTA 在某一步回复指定的代码、启用灰名单、延迟回复、断开连接、让 STARTTLS 之后的 TLS 握手失败，或者让实验室 DNS 对某个名字返回 SERVFAIL、NXDOMAIN 或不回答。然后在终端里或用邮件客户端发信，在队列、日志和退信里观察后果。',
    en: 'Arm faults in your mail world: make an MTA answer a chosen step with a code, greylist, wait before replying, drop the connection, fail the TLS handshake after STARTTLS, or make the lab DNS answer SERVFAIL or NXDOMAIN for a name, or not answer at all. Then send mail from a terminal or a mail client and watch the consequences in the queue, the logs and the bounces.',
  },
  armed: { 'zh-CN': '已设置的故障', en: 'Armed faults' },
  none: { 'zh-CN': '没有设置任何故障：服务器都正常工作。', en: 'No faults armed: the servers behave.' },
  does: { 'zh-CN': '效果', en: 'What it does' },
  when: { 'zh-CN': '何时触发', en: 'When it fires' },
  fired: { 'zh-CN': '已触发', en: 'Fired' },
  by: { 'zh-CN': '设置者', en: 'Armed by' },
  byLearner: { 'zh-CN': '你', en: 'you' },
  byInstructor: { 'zh-CN': '老师', en: 'your instructor' },
  spent: { 'zh-CN': '（已用完）', en: '(spent)' },
  disarm: { 'zh-CN': '解除', en: 'Disarm' },
  arm: { 'zh-CN': '设置故障', en: 'Arm a fault' },
  armButton: { 'zh-CN': '设置', en: 'Arm' },
  kind: { 'zh-CN': '故障类型', en: 'Kind' },
  kind_reply: { 'zh-CN': '回复码', en: 'Reply code' },
  kind_greylist: { 'zh-CN': '灰名单', en: 'Greylisting' },
  kind_delay: { 'zh-CN': '延迟回复', en: 'Delay before a reply' },
  kind_drop: { 'zh-CN': '断开连接', en: 'Drop the connection' },
  'kind_tls-fail': { 'zh-CN': 'TLS 握手失败', en: 'TLS handshake failure' },
  kind_dns: { 'zh-CN': 'DNS 故障', en: 'DNS fault' },
  host: { 'zh-CN': '服务器', en: 'Server' },
  step: { 'zh-CN': '步骤', en: 'Step' },
  step_greeting: { 'zh-CN': '问候（连接时）', en: 'greeting (on connect)' },
  step_mail: { 'zh-CN': 'MAIL FROM', en: 'MAIL FROM' },
  step_rcpt: { 'zh-CN': 'RCPT TO', en: 'RCPT TO' },
  step_data: { 'zh-CN': 'DATA', en: 'DATA' },
  step_dot: { 'zh-CN': '结尾的点', en: 'the final dot' },
  step_body: { 'zh-CN': '邮件正文中途', en: 'the middle of the message' },
  code: { 'zh-CN': '回复码', en: 'Code' },
  minutes: { 'zh-CN': '分钟', en: 'Minutes' },
  seconds: { 'zh-CN': '秒', en: 'Seconds' },
  name: { 'zh-CN': '名字', en: 'Name' },
  type: { 'zh-CN': '类型', en: 'Type' },
  rcode: { 'zh-CN': '结果', en: 'Outcome' },
  skip: { 'zh-CN': '先放过几次', en: 'Let this many pass first' },
  times: { 'zh-CN': '触发几次（空 = 每次）', en: 'Fire this many times (empty = every time)' },
  target: { 'zh-CN': '为谁设置', en: 'For whom' },
  wholeClass: { 'zh-CN': '整个班级', en: 'the whole class' },
  loadFailed: { 'zh-CN': '无法读取故障列表。请刷新页面。', en: 'Could not load the faults. Reload the page.' },
} as const;

export type FaultKey = keyof typeof strings;

export function ft(lang: Lang, key: FaultKey): string {
  return strings[key][lang];
}

/** The key of a dynamic string (kind_reply, step_rcpt ...), if there is one. */
export function ftKnown(lang: Lang, key: string, fallback: string): string {
  return key in strings ? strings[key as FaultKey][lang] : fallback;
}
